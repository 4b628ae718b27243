import Foundation
import Kernels
import TestSupport
import XCTest

/// `Attention.causal` on every path this CPU runs against a float64 oracle (force the others with
/// OWL_KERNELS; `make test` reruns this target per path).
final class AttentionTests: XCTestCase {
    /// Outputs are convex combinations of values in [−1, 1]; paths differ by F32 summation order, FMA and
    /// the polynomial e^x (relative error ≈ 2e-7).
    static let tolerance: Double = 2e-5

    struct Case {
        let name: String
        let heads, kvHeads, headDim, valueDim: Int
        let window: Int
        let start, tokens: Int
        let threads: Int
    }

    static let cases: [Case] = [
        Case(name: "SmolLM2 decode", heads: 9, kvHeads: 3, headDim: 64, valueDim: 64, window: 0, start: 70, tokens: 1, threads: 2),
        Case(name: "SmolLM2 prefill", heads: 9, kvHeads: 3, headDim: 64, valueDim: 64, window: 0, start: 0, tokens: 80, threads: 2),
        Case(name: "SmolLM2 prefill after prefix", heads: 9, kvHeads: 3, headDim: 64, valueDim: 64, window: 0, start: 30, tokens: 41, threads: 3),
        Case(name: "Gemma 3 global decode", heads: 4, kvHeads: 1, headDim: 256, valueDim: 256, window: 0, start: 130, tokens: 1, threads: 2),
        Case(name: "Gemma 3 sliding prefill", heads: 4, kvHeads: 1, headDim: 256, valueDim: 256, window: 37, start: 20, tokens: 50, threads: 2),
        Case(name: "sliding decode past window", heads: 4, kvHeads: 2, headDim: 32, valueDim: 32, window: 5, start: 200, tokens: 1, threads: 1),
        Case(name: "odd dims (tails)", heads: 6, kvHeads: 2, headDim: 20, valueDim: 13, window: 0, start: 3, tokens: 9, threads: 2),
        Case(name: "one head, one token", heads: 1, kvHeads: 1, headDim: 8, valueDim: 8, window: 0, start: 0, tokens: 1, threads: 1),
        Case(name: "multi-head, window 1", heads: 2, kvHeads: 2, headDim: 16, valueDim: 16, window: 1, start: 4, tokens: 6, threads: 2),
    ]

    /// float64 attention of one row: softmax over j in [lo, p] of scale·q·k_j, then Σ p_j v_j.
    static func oracle(_ q: [Float], _ keys: [Float], _ values: [Float], c: Case, g: AttentionGeometry) -> [Double] {
        var out = [Double](repeating: 0, count: c.tokens * c.heads * c.valueDim)
        let group = c.heads / c.kvHeads
        for i in 0..<c.tokens {
            let p = c.start + i, lo = c.window > 0 ? max(0, p - c.window + 1) : 0
            for h in 0..<c.heads {
                let kv = h / group
                let qo = (i * c.heads + h) * c.headDim
                let s: [Double] = (lo...p).map { j in
                    (0..<c.headDim).reduce(0.0) { $0 + Double(q[qo + $1]) * Double(keys[j * g.keyStride + kv * c.headDim + $1]) } * Double(g.scale)
                }
                let m = s.max() ?? 0
                let e = s.map { Foundation.exp($0 - m) }
                let total = e.reduce(0, +)
                for (n, j) in (lo...p).enumerated() {
                    for d in 0..<c.valueDim {
                        out[(i * c.heads + h) * c.valueDim + d] += e[n] / total * Double(values[j * g.valueStride + kv * c.valueDim + d])
                    }
                }
            }
        }
        return out
    }

    /// The case's geometry, with padded key and value strides (a kernel that assumed packed rows would show).
    static func geometry(_ c: Case) -> AttentionGeometry {
        AttentionGeometry(heads: c.heads, kvHeads: c.kvHeads, headDim: c.headDim, valueDim: c.valueDim,
                          keyStride: c.kvHeads * c.headDim + 3, valueStride: c.kvHeads * c.valueDim + 1,
                          window: c.window, scale: 1 / Float(c.headDim).squareRoot())
    }

    func testEveryPathMatchesFloat64Oracle() {
        var rng = SplitMix64(seed: 0xA77E)
        for c in Self.cases {
            let positions = c.start + c.tokens
            let g = Self.geometry(c)
            // Scores span several units so the softmax is far from uniform.
            let q = (0..<(c.tokens * c.heads * c.headDim)).map { _ in Float.random(in: -2...2, using: &rng) }
            let keys = (0..<(positions * g.keyStride)).map { _ in Float.random(in: -2...2, using: &rng) }
            let values = (0..<(positions * g.valueStride)).map { _ in Float.random(in: -1...1, using: &rng) }
            let want = Self.oracle(q, keys, values, c: c, g: g)
            for path in KernelPath.supported {
                var out = [Float](repeating: .nan, count: want.count)
                q.withUnsafeBufferPointer { qb in
                    keys.withUnsafeBufferPointer { kb in
                        values.withUnsafeBufferPointer { vb in
                            out.withUnsafeMutableBufferPointer { ob in
                                for thread in 0..<c.threads {
                                    Attention.causal(queries: qb.baseAddress!, keys: kb.baseAddress!, values: vb.baseAddress!,
                                                     output: ob.baseAddress!, tokens: c.tokens, start: c.start, geometry: g,
                                                     thread: thread, threads: c.threads, path: path)
                                }
                            }
                        }
                    }
                }
                var worst = 0.0
                for (a, b) in zip(out, want) { worst = max(worst, abs(Double(a) - b)) }
                XCTAssertFalse(out.contains { $0.isNaN }, "\(c.name) on \(path): rows left unwritten")
                XCTAssertLessThanOrEqual(worst, Self.tolerance, "\(c.name) on \(path)")
            }
        }
    }

    /// F16 keys and values (the fast mode's cache): every path against the scalar F16 reference
    /// (`referenceRow` widening each half), and both against the float64 oracle on the widened values. The
    /// SIMD kernels widen exactly (VCVTPH2PS), so they differ from the reference only as the F32 kernels do.
    func testF16CacheEveryPathMatchesScalarReference() {
        var rng = SplitMix64(seed: 0xF16A)
        for c in Self.cases {
            let positions = c.start + c.tokens
            let g = Self.geometry(c)
            let q = (0..<(c.tokens * c.heads * c.headDim)).map { _ in Float.random(in: -2...2, using: &rng) }
            let keys = (0..<(positions * g.keyStride)).map { _ in floatToHalfBits(Float.random(in: -2...2, using: &rng)) }
            let values = (0..<(positions * g.valueStride)).map { _ in floatToHalfBits(Float.random(in: -1...1, using: &rng)) }
            let want = Self.oracle(q, keys.map(halfBitsToFloat), values.map(halfBitsToFloat), c: c, g: g)
            var results: [KernelPath: [Float]] = [:]
            for path in KernelPath.supported {
                var out = [Float](repeating: .nan, count: want.count)
                keys.withUnsafeBufferPointer { kb in
                    values.withUnsafeBufferPointer { vb in
                        out.withUnsafeMutableBufferPointer { ob in
                            for thread in 0..<c.threads {
                                Attention.causal(queries: q, kv: .f16(keys: kb.baseAddress!, values: vb.baseAddress!),
                                                 output: ob.baseAddress!, tokens: c.tokens, start: c.start, geometry: g,
                                                 thread: thread, threads: c.threads, path: path)
                            }
                        }
                    }
                }
                XCTAssertFalse(out.contains { $0.isNaN }, "\(c.name) on \(path): rows left unwritten")
                var worst = 0.0
                for (a, b) in zip(out, want) { worst = max(worst, abs(Double(a) - b)) }
                XCTAssertLessThanOrEqual(worst, Self.tolerance, "\(c.name) on \(path) vs float64")
                results[path] = out
            }
            guard let reference = results[.scalar] else { continue }
            for (path, out) in results where path != .scalar {
                let worst = zip(out, reference).map { abs($0 - $1) }.max() ?? 0
                XCTAssertLessThanOrEqual(worst, 1e-5, "\(c.name): \(path) vs scalar F16 reference")
            }
        }
    }

    /// A query that matches one key far better than the rest attends (almost) only to it, on every path;
    /// and masked keys (past the window) carry no weight even when their scores would be the largest.
    func testWindowMasksKeysWithTheLargestScores() {
        let hd = 16, positions = 100
        let g = AttentionGeometry(heads: 1, kvHeads: 1, headDim: hd, valueDim: 1, keyStride: hd, valueStride: 1,
                                  window: 10, scale: 1)
        var keys = [Float](repeating: 0, count: positions * hd)
        var values = [Float](repeating: 0, count: positions)
        for j in 0..<positions { values[j] = Float(j) }
        for d in 0..<hd { keys[5 * hd + d] = 10 }          // outside the window: huge score if not masked
        for d in 0..<hd { keys[95 * hd + d] = 1 }          // inside: the clear winner
        let q = [Float](repeating: 1, count: hd)
        for path in KernelPath.supported {
            var out: [Float] = [.nan]
            Attention.causal(queries: q, keys: keys, values: values, output: &out, tokens: 1, start: positions - 1,
                             geometry: g, thread: 0, threads: 1, path: path)
            XCTAssertEqual(out[0], 95, accuracy: 1e-3, "\(path)")
        }
    }
}
