/// Divides every logit by `temperature` (> 0): below 1 sharpens the distribution, above 1 flattens it.
/// Temperature 0 is not a processor: the `Sampler` takes the argmax instead.
public struct Temperature: LogitProcessor {
    public let temperature: Float

    /// - Throws: `SamplingError.invalid` unless `temperature` is finite and > 0.
    public init(_ temperature: Float) throws {
        guard temperature > 0, temperature.isFinite else {
            throw SamplingError.invalid(setting: "temperature", requirement: "> 0 (use greedy for 0)", got: String(temperature))
        }
        self.temperature = temperature
    }

    public func process(_ candidates: TokenCandidates, history: ArraySlice<Int32>) {
        guard temperature != 1 else { return }
        let inv = 1 / temperature
        for i in 0..<candidates.count { candidates.logits[i] *= inv }
    }
}
