/// Why generation ended.
public enum StopReason: Sendable, Equatable {
    /// The model produced an end-of-generation token (not shown).
    case endOfGeneration(token: Int32)
    /// The token budget is spent.
    case maxTokens
    /// A stop string appeared in the text.
    case stopString(String)
}

/// Token-level stop rules: an end-of-generation token set and a token budget.
/// (Stop strings are text-level: see `StopMatcher`.)
public struct StopConditions: Sendable, Equatable {
    public var maxTokens: Int?
    public var endOfGeneration: Set<Int32>

    /// - Throws: `SamplingError.invalid` when `maxTokens < 1`.
    public init(maxTokens: Int? = nil, endOfGeneration: Set<Int32> = []) throws {
        if let maxTokens, maxTokens < 1 {
            throw SamplingError.invalid(setting: "maxTokens", requirement: "≥ 1", got: String(maxTokens))
        }
        self.maxTokens = maxTokens
        self.endOfGeneration = endOfGeneration
    }

    /// Checks a newly sampled token; `generated` counts the tokens generated so far including this one.
    /// An end-of-generation token wins over the budget.
    public func check(token: Int32, generated: Int) -> StopReason? {
        if endOfGeneration.contains(token) { return .endOfGeneration(token: token) }
        if let maxTokens, generated >= maxTokens { return .maxTokens }
        return nil
    }
}
