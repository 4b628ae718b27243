/// The log-probability of a chosen token and the most likely alternatives at that step.
public struct TokenLogprob: Sendable, Equatable {
    public struct Alternative: Sendable, Equatable {
        public var token: Int32
        public var logprob: Float
        public init(token: Int32, logprob: Float) { self.token = token; self.logprob = logprob }
    }
    public var token: Int32
    public var logprob: Float
    /// Most likely first; at most the number asked for.
    public var top: [Alternative]

    public init(token: Int32, logprob: Float, top: [Alternative]) {
        self.token = token
        self.logprob = logprob
        self.top = top
    }
}

/// Which distribution log-probabilities describe.
public enum LogprobSource: Sendable {
    /// `log softmax(raw logits)` over the whole vocabulary: the model's own distribution, before bias,
    /// penalties, filters and temperature (the default; what llama.cpp's server reports unless
    /// post-sampling probabilities are requested).
    case model
    /// The distribution the token was drawn from: after the whole chain (filters, temperature);
    /// filtered-out tokens have `-infinity`; at temperature 0 the chosen token has probability 1.
    case sampler
}

extension Sampler {
    /// Log-probabilities for `token` and the `top` most likely tokens.
    /// - Parameters:
    ///   - logits: the same raw logits given to `sample` (used for `.model`).
    ///   - source: `.sampler` describes the last `sample` call's final distribution.
    /// - Throws: `SamplingError.invalid` when `logits.count != vocabSize` or `top < 0`.
    public func logprobs(of token: Int32, logits: UnsafeBufferPointer<Float>, top: Int,
                         source: LogprobSource = .model) throws -> TokenLogprob {
        guard top >= 0 else { throw SamplingError.invalid(setting: "top logprobs", requirement: "≥ 0", got: String(top)) }
        let set: TokenCandidates
        switch source {
        case .model:
            guard logits.count == vocabSize else {
                throw SamplingError.invalid(setting: "logits count", requirement: "the vocabulary size \(vocabSize)", got: String(logits.count))
            }
            scratch.load(logits)
            set = scratch
        case .sampler:
            if lastWasGreedy {
                let chosen: Float = token == lastToken ? 0 : -.infinity
                return TokenLogprob(token: token, logprob: chosen,
                                    top: top > 0 ? [.init(token: lastToken, logprob: 0)] : [])
            }
            set = candidates
        }
        let logZ = set.logSumExp()
        var chosen = -Float.infinity
        if set.isIdentityOrder {
            if token >= 0, Int(token) < set.count { chosen = set.logits[Int(token)] - logZ }
        } else {
            for i in 0..<set.count where set.ids[i] == token { chosen = set.logits[i] - logZ; break }
        }
        let n = min(top, set.count)
        var alternatives: [TokenLogprob.Alternative] = []
        alternatives.reserveCapacity(n)
        if n > 0 {
            set.selectTop(n)
            for i in 0..<n { alternatives.append(.init(token: set.ids[i], logprob: set.logits[i] - logZ)) }
        }
        return TokenLogprob(token: token, logprob: chosen, top: alternatives)
    }

    public func logprobs(of token: Int32, logits: [Float], top: Int, source: LogprobSource = .model) throws -> TokenLogprob {
        try logits.withUnsafeBufferPointer { try logprobs(of: token, logits: $0, top: top, source: source) }
    }
}
