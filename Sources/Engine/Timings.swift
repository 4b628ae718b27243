import Foundation

/// Wall-clock timings of one generation, as `--json` and the APIs report them.
public struct GenerationTimings: Sendable, Equatable {
    public var loadMilliseconds: Double = 0
    public var promptTokens: Int = 0
    /// Prompt tokens taken from the KV cache instead of being computed again.
    public var cachedPromptTokens: Int = 0
    public var promptMilliseconds: Double = 0
    public var generatedTokens: Int = 0
    public var generationMilliseconds: Double = 0

    public init() {}

    /// Prompt tokens actually computed per second.
    public var promptTokensPerSecond: Double {
        promptMilliseconds > 0 ? Double(promptTokens - cachedPromptTokens) / promptMilliseconds * 1000 : 0
    }

    /// Generated tokens per second, counting from the first generated token (the prefill is separate).
    public var generationTokensPerSecond: Double {
        generationMilliseconds > 0 ? Double(generatedTokens) / generationMilliseconds * 1000 : 0
    }
}

/// A monotonic stopwatch.
struct Stopwatch {
    private var start = DispatchTime.now().uptimeNanoseconds
    var milliseconds: Double { Double(DispatchTime.now().uptimeNanoseconds - start) / 1e6 }
    mutating func restart() { start = DispatchTime.now().uptimeNanoseconds }
}
