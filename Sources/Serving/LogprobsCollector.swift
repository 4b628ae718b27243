import Engine
import Server
import Synchronization
import Tokenizer

/// Turns the engine's per-token log-probabilities into the server's records (token text and bytes, chosen
/// log-probability, top alternatives) and pairs each with the piece of text that completes it.
///
/// A token's text may be held back (part of a UTF-8 character, or the start of a possible stop string); its
/// record waits and goes with the next non-empty piece. Records of tokens whose text never appears (a stop
/// string, which is not emitted) are dropped, so the records always describe the text the client received.
/// Thread-safe: the scheduler may call `attach` from its own thread.
final class LogprobsCollector: Sendable {
    let tokenizer: any TextTokenizer
    /// Alternatives the client asked for per token.
    let top: Int
    private let state = Mutex<(sent: [TokenLogprobs], pending: [TokenLogprobs])>(([], []))

    init(tokenizer: any TextTokenizer, top: Int) {
        self.tokenizer = tokenizer
        self.top = top
    }

    /// What to ask the engine for (`GenerationOptions.logprobs`): it reports the chosen token's log-probability
    /// only when asked for at least one alternative, so ask for one and trim when the client wants none.
    static func engineTop(_ top: Int) -> Int { max(1, top) }

    /// Every record sent so far, in order (the non-streaming response's list).
    var records: [TokenLogprobs] { state.withLock { $0.sent } }

    /// Records `token` and returns the records to send with its text (empty while its text is held back).
    func attach(_ token: GeneratedToken) -> [TokenLogprobs] {
        var record: TokenLogprobs?
        if token.id >= 0, let logprob = token.logprob {
            let bytes = tokenizer.pieceBytes(Int(token.id), renderSpecial: true)
            record = TokenLogprobs(
                token: TokenLogprobs.text(of: bytes), bytes: bytes, logprob: Double(logprob),
                top: token.top.prefix(top).map { alt in
                    let b = tokenizer.pieceBytes(Int(alt.id), renderSpecial: true)
                    return TokenLogprobs.Alternative(token: TokenLogprobs.text(of: b), bytes: b, logprob: Double(alt.logprob))
                })
        }
        return state.withLock { s in
            if let record { s.pending.append(record) }
            guard !token.text.isEmpty else { return [] }
            let out = s.pending
            s.sent += out
            s.pending = []
            return out
        }
    }
}
