import Checkpoint
import Foundation
import Kernels

/// Context-extension settings for RoPE, from `<arch>.rope.scaling.*` keys (and `rope_freqs.weight`).
///
/// - none: θᵢ = pos · base^(−2i/n).
/// - linear (`rope.scaling.factor` or `rope.scale_linear` = f): positions are divided by f.
/// - llama3: each pair's frequency is divided by a factor between 1 (short wavelengths, below
///   original_context/high_freq_factor) and f (long wavelengths, above original_context/low_freq_factor),
///   interpolated smoothly between; a `rope_freqs.weight` tensor, when present, gives the divisors directly.
/// - yarn: NTK-by-parts blend of interpolated and extrapolated angles (see `Rope.init(yarnOrdering:…)`).
enum RopeScaling: Equatable {
    case none
    case linear(factor: Double)
    case llama3(factor: Double, lowFreqFactor: Double, highFreqFactor: Double, originalContext: Int)
    case yarn(factor: Double, originalContext: Int, attnFactor: Double, betaFast: Double, betaSlow: Double)

    static func read(_ g: GGUFFile, arch: String) throws -> RopeScaling {
        let m = g.metadata
        func num(_ k: String) -> Double? { m["\(arch).rope.scaling.\(k)"]?.double }
        let type = m["\(arch).rope.scaling.type"]?.string ?? "none"
        let factor = num("factor") ?? m["\(arch).rope.scale_linear"]?.double ?? 0
        let original = m["\(arch).rope.scaling.original_context_length"]?.int ?? m["\(arch).context_length"]?.int ?? 8192
        switch type {
        case "none":
            return factor > 0 && factor != 1 ? .linear(factor: factor) : .none
        case "linear":
            return factor > 0 ? .linear(factor: factor) : .none
        case "llama3":
            return .llama3(factor: factor > 0 ? factor : 8, lowFreqFactor: num("low_freq_factor") ?? 1,
                           highFreqFactor: num("high_freq_factor") ?? 4, originalContext: original)
        case "yarn":
            return .yarn(factor: factor > 0 ? factor : 1, originalContext: original,
                         attnFactor: num("attn_factor") ?? 1,
                         betaFast: num("yarn_beta_fast") ?? 32, betaSlow: num("yarn_beta_slow") ?? 1)
        default:
            throw ModelError.unsupported(path: g.path,
                message: "rope scaling type '\(type)' is not supported (supported: none, linear, llama3, yarn)")
        }
    }

    /// The llama3 per-pair divisors for `nRot` dimensions and `base`.
    static func llama3Factors(nRot: Int, base: Double, factor: Double, low: Double, high: Double, originalContext: Int) -> [Double] {
        let lowWavelen = Double(originalContext) / low
        let highWavelen = Double(originalContext) / high
        return (0..<(nRot / 2)).map { i in
            let freq = pow(base, -2.0 * Double(i) / Double(nRot))
            let wavelen = 2 * Double.pi / freq
            if wavelen < highWavelen { return 1 }
            if wavelen > lowWavelen { return factor }
            let smooth = (Double(originalContext) / wavelen - low) / (high - low)
            return 1 / ((1 - smooth) / factor + smooth)
        }
    }

    /// The RoPE for this scaling. `storedFactors` (from `rope_freqs.weight`) takes precedence.
    func rope(ordering: Rope.Ordering, nRot: Int, base: Double, storedFactors: [Float]?) -> Rope {
        let stored = storedFactors.map { $0.map(Double.init) }
        switch self {
        case .none:
            return Rope(ordering: ordering, nRot: nRot, base: base, factors: stored)
        case .linear(let f):
            return Rope(ordering: ordering, nRot: nRot, base: base, freqScale: 1 / f, factors: stored)
        case .llama3(let f, let low, let high, let orig):
            let factors = stored ?? Self.llama3Factors(nRot: nRot, base: base, factor: f, low: low, high: high, originalContext: orig)
            return Rope(ordering: ordering, nRot: nRot, base: base, factors: factors)
        case .yarn(let f, let orig, let attn, let fast, let slow):
            return Rope(yarnOrdering: ordering, nRot: nRot, base: base, freqScale: 1 / f, originalContext: orig,
                        attnFactor: attn, betaFast: fast, betaSlow: slow)
        }
    }
}
