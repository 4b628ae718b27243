/// Adds a fixed value to chosen tokens' logits (OpenAI `logit_bias`); `-infinity` bans a token.
public struct LogitBias: LogitProcessor {
    public let bias: [Int32: Float]

    /// - Throws: `SamplingError.invalid` for a token outside `0..<vocabSize` or a NaN / +infinity bias.
    public init(_ bias: [Int32: Float], vocabSize: Int) throws {
        for (token, value) in bias.sorted(by: { $0.key < $1.key }) {
            guard token >= 0, Int(token) < vocabSize else {
                throw SamplingError.invalid(setting: "logitBias token", requirement: "in 0..<\(vocabSize)", got: String(token))
            }
            guard !value.isNaN, value != .infinity else {
                throw SamplingError.invalid(setting: "logitBias[\(token)]", requirement: "a finite number or -infinity", got: String(value))
            }
        }
        self.bias = bias
    }

    public func process(_ candidates: TokenCandidates, history: ArraySlice<Int32>) {
        for (token, value) in bias { candidates.update(token: token) { $0 + value } }
    }
}
