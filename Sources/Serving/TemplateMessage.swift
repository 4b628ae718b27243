import ChatTemplate

/// The chat template's message type, named apart from the server's `ChatMessage`.
typealias TemplateMessage = ChatMessage
