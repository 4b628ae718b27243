/// One chat message as templates see it (`message.role`, `message.content`, ...).
public struct ChatMessage: Sendable, Equatable {
    public var role: String
    /// Text content, or nil (assistant turns that only call tools). Use `extra["content"]` for
    /// multi-part content arrays.
    public var content: String?
    public var name: String?
    /// OpenAI-style tool calls: `[{"id":…, "type":"function", "function":{"name":…, "arguments":{…}}}]`.
    public var toolCalls: [Value]?
    public var toolCallID: String?
    /// Further fields (e.g. `reasoning_content`), added after the standard ones; they win on clashes.
    public var extra: OrderedObject

    public init(role: String, content: String?, name: String? = nil, toolCalls: [Value]? = nil,
                toolCallID: String? = nil, extra: OrderedObject = OrderedObject()) {
        self.role = role
        self.content = content
        self.name = name
        self.toolCalls = toolCalls
        self.toolCallID = toolCallID
        self.extra = extra
    }

    /// The message as a template object: role, content, then name, tool_calls, tool_call_id when set.
    public var value: Value {
        var o = OrderedObject()
        o["role"] = .string(role)
        o["content"] = content.map(Value.string) ?? .null
        if let name { o["name"] = .string(name) }
        if let toolCalls { o["tool_calls"] = .array(toolCalls) }
        if let toolCallID { o["tool_call_id"] = .string(toolCallID) }
        for (k, v) in extra.pairs { o[k] = v }
        return .object(o)
    }
}

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

/// Sandbox bounds for rendering templates from strangers.
public struct TemplateLimits: Sendable, Equatable {
    /// Work steps for the whole render: one per loop iteration, per element a filter visits,
    /// and per 256 bytes of string built.
    public var maxSteps: Int
    /// Nesting of macro calls (a macro calling itself counts each level).
    public var maxCallDepth: Int
    /// Bytes of rendered output, and of any one string built along the way.
    public var maxOutputBytes: Int
    /// Bytes of the calling thread's stack the interpreter may use (nested statements, expressions and
    /// macro calls); keep it well under the stack of the rendering thread (512 KiB for Linux worker threads).
    public var maxStackBytes: Int

    public init(maxSteps: Int = 1_000_000, maxCallDepth: Int = 64, maxOutputBytes: Int = 4 << 20,
                maxStackBytes: Int = 256 << 10) {
        self.maxSteps = maxSteps
        self.maxCallDepth = maxCallDepth
        self.maxOutputBytes = maxOutputBytes
        self.maxStackBytes = maxStackBytes
    }
}
