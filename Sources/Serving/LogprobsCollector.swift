import Engine
import Server
import Tokenizer

/// Turns the engine's per-token log-probabilities into the server's records (token text and bytes, chosen
/// log-probability, top alternatives) and pairs each with the piece of text that completes it.
///
/// A token's text may be held back (part of a UTF-8 character, or the start of a possible stop string); its
/// record waits and goes with the next non-empty piece. Records of tokens whose text never appears (a stop
/// string, which is not emitted) are dropped, so the records always describe the text the client received.
struct LogprobsCollector {
    let tokenizer: any TextTokenizer
    /// Alternatives the client asked for per token.
    let top: Int
    /// Every record sent so far, in order (the non-streaming response's list).
    private(set) var records: [TokenLogprobs] = []
    private var pending: [TokenLogprobs] = []

    init(tokenizer: any TextTokenizer, top: Int) {
        self.tokenizer = tokenizer
        self.top = top
    }

    /// What to ask the engine for: it reports the chosen token's log-probability only when asked for at least
    /// one alternative, so ask for one and trim when the client wants none.
    var engineTop: Int { max(1, top) }

    /// Records `token` and returns the records to send with its text (empty while its text is held back).
    mutating func attach(_ token: GeneratedToken) -> [TokenLogprobs] {
        if token.id >= 0, let logprob = token.logprob {
            let bytes = tokenizer.pieceBytes(Int(token.id), renderSpecial: true)
            pending.append(TokenLogprobs(
                token: TokenLogprobs.text(of: bytes), bytes: bytes, logprob: Double(logprob),
                top: token.top.prefix(top).map { alt in
                    let b = tokenizer.pieceBytes(Int(alt.id), renderSpecial: true)
                    return TokenLogprobs.Alternative(token: TokenLogprobs.text(of: b), bytes: b, logprob: Double(alt.logprob))
                }))
        }
        guard !token.text.isEmpty else { return [] }
        records += pending
        defer { pending = [] }
        return pending
    }
}
