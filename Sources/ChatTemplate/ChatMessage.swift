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
