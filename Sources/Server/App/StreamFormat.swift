import Foundation
import Support
import Synchronization

/// Frames a generation's pieces for the wire: OpenAI server-sent events (`data: {chunk}\n\n`, ending
/// with `data: [DONE]`) or Ollama NDJSON (one object a line, the last with `done: true`).
struct StreamFormat: Sendable {
    let api: Router.GenerationAPI
    let model: String
    let requestID: String
    let created: Int
    let includeUsage: Bool
    let startedAt: UInt64
    /// The request asked for logprobs: every piece carries its tokens' records.
    var logprobs = false
    /// Completions' `text_offset` of the next piece: the prompt's characters plus the text sent so far.
    var offset = TextOffset(0)

    /// A running character count shared by the pieces of one stream (they are written one after another).
    final class TextOffset: Sendable {
        private let value: Atomic<Int>
        init(_ start: Int) { value = Atomic(start) }
        /// The offset before `text`, then advances past it.
        func advance(over text: String) -> Int { value.add(text.unicodeScalars.count, ordering: .relaxed).oldValue }
    }

    var headers: [(String, String)] {
        api.isOllama ? [("Content-Type", "application/x-ndjson")]
                     : [("Content-Type", "text/event-stream"), ("Cache-Control", "no-cache")]
    }

    private func sse(_ v: JSONValue) -> String { "data: " + v.serialized() + "\n\n" }

    /// Sent before any text: OpenAI chat's first chunk carries the assistant role.
    func opening() -> String {
        api == .openAIChat ? sse(OpenAIResponses.chunk(chat: true, text: "", role: true, model: model, requestID: requestID, created: created)) : ""
    }

    /// One piece of text with the records of the tokens it completes.
    func piece(_ text: String, _ records: [TokenLogprobs] = []) -> String {
        switch api {
        case .openAIChat:
            return sse(OpenAIResponses.chunk(chat: true, text: text, logprobs: logprobs ? OpenAIResponses.chatLogprobs(records) : .null,
                                             model: model, requestID: requestID, created: created))
        case .openAICompletion:
            let at = offset.advance(over: text)
            return sse(OpenAIResponses.chunk(chat: false, text: text,
                                             logprobs: logprobs ? OpenAIResponses.completionLogprobs(records, offset: at) : .null,
                                             model: model, requestID: requestID, created: created))
        case .ollamaChat, .ollamaGenerate:
            return OllamaResponses.piece(chat: api.isChat, model: model, text: text, logprobs: logprobs ? records : nil).serialized() + "\n"
        }
    }

    func closing(_ r: GenerationResult) -> String {
        switch api {
        case .openAIChat, .openAICompletion:
            var s = sse(OpenAIResponses.chunk(chat: api.isChat, text: api.isChat ? nil : "", finish: r.finishReason,
                                              model: model, requestID: requestID, created: created))
            if includeUsage { s += sse(OpenAIResponses.usageChunk(chat: api.isChat, r, model: model, requestID: requestID, created: created)) }
            return s + "data: [DONE]\n\n"
        case .ollamaChat, .ollamaGenerate:
            return OllamaResponses.final(chat: api.isChat, model: model, text: "", result: r,
                                         timings: StreamFormat.timings(startedAt: startedAt, firstAt: 0)).serialized() + "\n"
        }
    }

    /// An error after the stream began (the status line has gone): an error event / line, then the end.
    func error(_ e: APIError) -> String {
        api.isOllama ? e.ollamaBody + "\n" : "data: " + e.openAIBody + "\n\n"
    }

    static func timings(startedAt: UInt64, firstAt: UInt64) -> OllamaResponses.Timings {
        let now = DispatchTime.now().uptimeNanoseconds
        let first = firstAt == 0 ? now : firstAt
        return OllamaResponses.Timings(total: now - startedAt, promptEval: first - startedAt, eval: now - first)
    }
}
