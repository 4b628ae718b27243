/// The variables a chat template renders with, following Hugging Face `apply_chat_template`.
public struct TemplateContext: Sendable {
    /// `messages`: usually `ChatMessage.value`s, but any values (raw JSON objects) are accepted.
    public var messages: [Value]
    /// `tools`: the tool schemas, or nil (templates see `none`).
    public var tools: [Value]?
    public var addGenerationPrompt: Bool
    public var bosToken: String
    public var eosToken: String
    /// More variables (`enable_thinking`, `date_string`, …); they override the standard ones.
    public var extra: OrderedObject
    /// The clock `strftime_now` reads, as seconds since 1970 in UTC (nil: the current time).
    public var now: Double?

    public init(messages: [ChatMessage], tools: [Value]? = nil, addGenerationPrompt: Bool = true,
                bosToken: String = "", eosToken: String = "", extra: OrderedObject = OrderedObject(),
                now: Double? = nil) {
        self.init(messageValues: messages.map(\.value), tools: tools, addGenerationPrompt: addGenerationPrompt,
                  bosToken: bosToken, eosToken: eosToken, extra: extra, now: now)
    }

    public init(messageValues: [Value], tools: [Value]? = nil, addGenerationPrompt: Bool = true,
                bosToken: String = "", eosToken: String = "", extra: OrderedObject = OrderedObject(),
                now: Double? = nil) {
        self.messages = messageValues
        self.tools = tools
        self.addGenerationPrompt = addGenerationPrompt
        self.bosToken = bosToken
        self.eosToken = eosToken
        self.extra = extra
        self.now = now
    }
}
