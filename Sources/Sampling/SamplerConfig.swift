/// Sampling settings. `nil` turns a filter off. Defaults follow llama.cpp's command line
/// (temperature 0.8, top-k 40, top-p 0.95, min-p 0.05, no penalties); validation happens in `Sampler.init`.
public struct SamplerConfig: Sendable, Equatable {
    /// 0 picks the most likely token (greedy); otherwise logits are divided by it before drawing.
    public var temperature: Float
    public var topK: Int?
    public var topP: Float?
    public var minP: Float?
    /// Repetition penalty (1 = off), llama.cpp style: divides positive logits, multiplies negative ones.
    public var repeatPenalty: Float
    /// How many recent tokens the penalties look at; -1 = all, 0 = off.
    public var repeatLastN: Int
    /// Subtracted once from the logit of every token seen in the window.
    public var presencePenalty: Float
    /// Subtracted per occurrence in the window.
    public var frequencyPenalty: Float
    /// Added to a token's logit; `-infinity` bans it.
    public var logitBias: [Int32: Float]
    /// Same seed, same logits → same tokens. `nil`: a fresh seed (readable as `Sampler.seed`).
    public var seed: UInt64?

    public init(temperature: Float = 0.8, topK: Int? = 40, topP: Float? = 0.95, minP: Float? = 0.05,
                repeatPenalty: Float = 1, repeatLastN: Int = 64, presencePenalty: Float = 0,
                frequencyPenalty: Float = 0, logitBias: [Int32: Float] = [:], seed: UInt64? = nil) {
        self.temperature = temperature
        self.topK = topK
        self.topP = topP
        self.minP = minP
        self.repeatPenalty = repeatPenalty
        self.repeatLastN = repeatLastN
        self.presencePenalty = presencePenalty
        self.frequencyPenalty = frequencyPenalty
        self.logitBias = logitBias
        self.seed = seed
    }

    /// Always the most likely token (after bias and penalties).
    public static let greedy = SamplerConfig(temperature: 0, topK: nil, topP: nil, minP: nil)
}
