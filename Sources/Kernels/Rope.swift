import Foundation
import KernelsAVX2
import KernelsAVX512

/// Rotary position embedding.
///
/// Pair `i` (0 ≤ i < nRot/2) of a head rotates by θ = pos · freqScale · base^(−2i/nRot) / factor[i].
/// `.normal` pairs adjacent values (2i, 2i+1) (llama; the GGUF converter permuted Q/K rows for it);
/// `.neox` pairs (i, i + nRot/2) (GPT-NeoX, Gemma). Values past `nRot` are left alone.
public struct Rope: Sendable {
    public enum Ordering: Sendable { case normal, neox }

    public let ordering: Ordering
    public let nRot: Int
    /// Angle per position for each pair (already divided by any per-pair factor, times freqScale).
    public let inverseFrequencies: [Double]
    /// YaRN magnitude scale applied to cos/sin (1 without YaRN).
    public let magnitude: Double
    /// YaRN: per-pair ramp mixing interpolated and extrapolated angles (nil without YaRN).
    let yarn: (extrapolated: [Double], ramp: [Double])?

    /// - Parameters:
    ///   - base: `rope.freq_base`.
    ///   - freqScale: 1/factor for linear scaling (1 otherwise).
    ///   - factors: optional per-pair divisors (llama3 scaling, `rope_freqs.weight`).
    public init(ordering: Ordering, nRot: Int, base: Double, freqScale: Double = 1, factors: [Double]? = nil) {
        self.ordering = ordering
        self.nRot = nRot
        let half = nRot / 2
        self.inverseFrequencies = (0..<half).map { i in
            freqScale * Foundation.pow(base, -2.0 * Double(i) / Double(nRot)) / (factors?[i] ?? 1)
        }
        self.magnitude = 1
        self.yarn = nil
    }

    /// YaRN (NTK-by-parts) scaling as llama.cpp applies it: pairs whose wavelength is short compared
    /// with the original context keep their angle (extrapolate), long ones are interpolated by
    /// `freqScale`, with a linear ramp between `betaFast` and `betaSlow` rotations; cos/sin are scaled
    /// by `attnFactor · (1 + 0.1·ln(1/freqScale))`.
    public init(yarnOrdering ordering: Ordering, nRot: Int, base: Double, freqScale: Double, originalContext: Int,
                extFactor: Double = 1, attnFactor: Double = 1, betaFast: Double = 32, betaSlow: Double = 1) {
        self.ordering = ordering
        self.nRot = nRot
        let half = nRot / 2
        func corrDim(_ rotations: Double) -> Double {
            Double(nRot) * Foundation.log(Double(originalContext) / (rotations * 2 * Double.pi)) / (2 * Foundation.log(base))
        }
        let low = max(0, Foundation.floor(corrDim(betaFast)))
        let high = min(Double(nRot - 1), Foundation.ceil(corrDim(betaSlow)))
        var extrapolated: [Double] = [], ramp: [Double] = [], interpolated: [Double] = []
        for i in 0..<half {
            let theta = Foundation.pow(base, -2.0 * Double(i) / Double(nRot))
            extrapolated.append(theta)
            interpolated.append(theta * freqScale)
            let y = (Double(i) - low) / max(0.001, high - low)
            ramp.append((1 - min(1, max(0, y))) * extFactor)
        }
        self.inverseFrequencies = interpolated
        self.yarn = (extrapolated, ramp)
        self.magnitude = extFactor != 0 ? attnFactor * (1 + 0.1 * Foundation.log(1 / freqScale)) : attnFactor
    }

    /// Rotates `heads` heads of `headDim` values at `x` for position `pos`, in place.
    public func apply(_ x: UnsafeMutablePointer<Float>, heads: Int, headDim: Int, pos: Int, path: KernelPath = .current) {
        apply(queries: x, heads: heads, keys: nil, kvHeads: 0, headDim: headDim, pos: pos, path: path)
    }

    /// Rotates the query heads and key heads of one position with one set of angles (cos/sin computed once).
    public func apply(queries q: UnsafeMutablePointer<Float>, heads: Int, keys k: UnsafeMutablePointer<Float>?, kvHeads: Int,
                      headDim: Int, pos: Int, path: KernelPath = .current) {
        guard nRot >= 2 else { return }
        withUnsafeTemporaryAllocation(of: Float.self, capacity: 2 * nRot) { buffer in
            guard let table = buffer.baseAddress else { return }
            angles(pos, into: table)
            rotate(q, heads: heads, headDim: headDim, table: table, path: path)
            if let k { rotate(k, heads: kvHeads, headDim: headDim, table: table, path: path) }
        }
    }

    /// cos and sin (times `magnitude`) of each pair's angle at `pos`, laid out for the rotation:
    /// `.normal`: cos (c₀, c₀, c₁, c₁, …) in [0, nRot), sin (−s₀, s₀, −s₁, s₁, …) in [nRot, 2·nRot);
    /// `.neox`: (c₀ … c_{nRot/2−1}) at 0 and (s₀ …) at nRot.
    func angles(_ pos: Int, into table: UnsafeMutablePointer<Float>) {
        let half = nRot / 2
        let p = Double(pos)
        for i in 0..<half {
            var theta = p * inverseFrequencies[i]
            if let yarn {
                let extra = p * yarn.extrapolated[i]
                theta = theta * (1 - yarn.ramp[i]) + extra * yarn.ramp[i]
            }
            let c = Float(Foundation.cos(theta) * magnitude), s = Float(Foundation.sin(theta) * magnitude)
            switch ordering {
            case .normal:
                table[2 * i] = c; table[2 * i + 1] = c
                table[nRot + 2 * i] = -s; table[nRot + 2 * i + 1] = s
            case .neox:
                table[i] = c; table[nRot + i] = s
            }
        }
    }

    func rotate(_ x: UnsafeMutablePointer<Float>, heads: Int, headDim: Int, table: UnsafePointer<Float>, path: KernelPath) {
        switch (path, ordering) {
        case (.avx512, .normal): AVX512.ropeNormal(x, heads, headDim, nRot, table, table + nRot)
        case (.avx512, .neox): AVX512.ropeNeox(x, heads, headDim, nRot, table, table + nRot)
        case (.avx2, .normal): AVX2.ropeNormal(x, heads, headDim, nRot, table, table + nRot)
        case (.avx2, .neox): AVX2.ropeNeox(x, heads, headDim, nRot, table, table + nRot)
        case (.scalar, _):
            let half = nRot / 2
            for h in 0..<heads {
                let v = x + h * headDim
                for i in 0..<half {
                    let (ia, ib) = ordering == .neox ? (i, i + half) : (2 * i, 2 * i + 1)
                    let c = table[ia], s = ordering == .neox ? table[nRot + i] : table[nRot + ib]
                    let a = v[ia], b = v[ib]
                    v[ia] = a * c - b * s
                    v[ib] = a * s + b * c
                }
            }
        }
    }
}
