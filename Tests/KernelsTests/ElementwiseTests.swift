import Foundation
import Kernels
import TestSupport
import XCTest

/// Norms, softmax, gated activations, residual adds and RoPE on every path this CPU runs, against float64
/// oracles written here (force the other paths with OWL_KERNELS; `make test` reruns this target per path).
final class ElementwiseTests: XCTestCase {
    /// Lengths with and without a partial last vector (8 and 16 lanes).
    static let lengths = [1, 7, 16, 37, 64, 576, 1539]
    /// F32 rounding of a few operations (relative).
    static let rounding: Double = 2e-6
    /// e^x by polynomial (≈ 2e-7) inside a quotient: a few more ulps.
    static let activation: Double = 5e-6

    static func random(_ n: Int, _ range: ClosedRange<Float>, _ rng: inout SplitMix64) -> [Float] {
        (0..<n).map { _ in Float.random(in: range, using: &rng) }
    }

    /// Largest |a − b| / max(1, |b|).
    static func error(_ a: [Float], _ b: [Double]) -> Double {
        zip(a, b).map { abs(Double($0) - $1) / max(1, abs($1)) }.max() ?? 0
    }

    func testRMSNorm() {
        var rng = SplitMix64(seed: 1)
        for n in Self.lengths {
            // A residual stream with a large outlier, as in real models.
            var x = Self.random(n, -3...3, &rng)
            x[n / 2] = 4e4
            let w = Self.random(n, -2...2, &rng)
            let ms = x.reduce(0.0) { $0 + Double($1) * Double($1) } / Double(n)
            let scale = 1 / (ms + 1e-6).squareRoot()
            let weighted = (0..<n).map { Double(x[$0]) * scale * Double(w[$0]) }
            let plain = x.map { Double($0) * scale }
            for path in KernelPath.supported {
                var y = [Float](repeating: .nan, count: n)
                Elementwise.rmsNorm(x, w, &y, count: n, eps: 1e-6, path: path)
                XCTAssertLessThanOrEqual(Self.error(y, weighted), Self.rounding, "n=\(n) \(path)")
                var z = x  // in place, no weight
                z.withUnsafeMutableBufferPointer { Elementwise.rmsNorm($0.baseAddress!, nil, $0.baseAddress!, count: n, eps: 1e-6, path: path) }
                XCTAssertLessThanOrEqual(Self.error(z, plain), Self.rounding, "n=\(n) \(path) in place")
            }
        }
    }

    func testSoftmax() {
        var rng = SplitMix64(seed: 2)
        for n in Self.lengths {
            let x = Self.random(n, -30...30, &rng)
            let m = Double(x.max()!)
            let e = x.map { Foundation.exp(Double($0) - m) }
            let total = e.reduce(0, +)
            let want = e.map { $0 / total }
            for path in KernelPath.supported {
                var y = x
                Elementwise.softmax(&y, count: n, path: path)
                let worst = zip(y, want).map { abs(Double($0) - $1) / max(1e-30, $1) }.filter { _ in true }
                // Relative error per probability (those above 1e-30 are normal floats).
                let relevant = zip(worst, want).filter { $0.1 > 1e-30 }.map(\.0)
                XCTAssertLessThanOrEqual(relevant.max() ?? 0, Self.activation, "n=\(n) \(path)")
                XCTAssertEqual(y.reduce(0.0) { $0 + Double($1) }, 1, accuracy: 1e-5, "n=\(n) \(path)")
            }
        }
    }

    func testGatedActivations() {
        var rng = SplitMix64(seed: 3)
        let c = (2.0 / Double.pi).squareRoot()
        for n in Self.lengths {
            var a = Self.random(n, -12...12, &rng)
            a[0] = -100; if n > 1 { a[1] = 100 }   // saturation on both sides
            let b = Self.random(n, -3...3, &rng)
            let silu = (0..<n).map { i -> Double in let g = Double(a[i]); return g / (1 + Foundation.exp(-g)) * Double(b[i]) }
            let gelu = (0..<n).map { i -> Double in
                let x = Double(a[i])
                return 0.5 * x * (1 + Foundation.tanh(c * (x + 0.044715 * x * x * x))) * Double(b[i])
            }
            for path in KernelPath.supported {
                var s = a
                Elementwise.swiglu(&s, b, count: n, path: path)
                XCTAssertLessThanOrEqual(Self.error(s, silu), Self.activation, "swiglu n=\(n) \(path)")
                var g = a
                Elementwise.geluTanhGate(&g, b, count: n, path: path)
                XCTAssertLessThanOrEqual(Self.error(g, gelu), Self.activation, "gelu n=\(n) \(path)")
            }
        }
    }

    func testResidualAddIsExact() {
        var rng = SplitMix64(seed: 4)
        for n in Self.lengths {
            let x = Self.random(n, -5...5, &rng), y0 = Self.random(n, -5...5, &rng)
            let want = zip(y0, x).map { $0 + $1 }
            for path in KernelPath.supported {
                var y = y0
                Elementwise.add(&y, x, count: n, path: path)
                XCTAssertEqual(y, want, "n=\(n) \(path)")
            }
        }
    }

    func testRopeBothOrderings() {
        struct Case { let ordering: Rope.Ordering; let nRot, headDim, heads, kvHeads, pos: Int }
        let cases = [
            Case(ordering: .normal, nRot: 64, headDim: 64, heads: 9, kvHeads: 3, pos: 511),
            Case(ordering: .neox, nRot: 256, headDim: 256, heads: 4, kvHeads: 1, pos: 1000),
            Case(ordering: .normal, nRot: 20, headDim: 32, heads: 2, kvHeads: 1, pos: 7),   // partial rotation, tails
            Case(ordering: .neox, nRot: 36, headDim: 40, heads: 3, kvHeads: 3, pos: 3),
        ]
        var rng = SplitMix64(seed: 5)
        for c in cases {
            let rope = Rope(ordering: c.ordering, nRot: c.nRot, base: 10000)
            let q = Self.random(c.heads * c.headDim, -2...2, &rng), k = Self.random(c.kvHeads * c.headDim, -2...2, &rng)
            func oracle(_ x: [Float], heads: Int) -> [Double] {
                var y = x.map(Double.init)
                let half = c.nRot / 2
                for h in 0..<heads {
                    for i in 0..<half {
                        let theta = Double(c.pos) * Foundation.pow(10000, -2 * Double(i) / Double(c.nRot))
                        let (ia, ib) = c.ordering == .neox ? (i, i + half) : (2 * i, 2 * i + 1)
                        let a = Double(x[h * c.headDim + ia]), b = Double(x[h * c.headDim + ib])
                        y[h * c.headDim + ia] = a * Foundation.cos(theta) - b * Foundation.sin(theta)
                        y[h * c.headDim + ib] = a * Foundation.sin(theta) + b * Foundation.cos(theta)
                    }
                }
                return y
            }
            for path in KernelPath.supported {
                var qq = q, kk = k
                qq.withUnsafeMutableBufferPointer { qb in
                    kk.withUnsafeMutableBufferPointer { kb in
                        rope.apply(queries: qb.baseAddress!, heads: c.heads, keys: kb.baseAddress!, kvHeads: c.kvHeads,
                                   headDim: c.headDim, pos: c.pos, path: path)
                    }
                }
                // cos/sin rounded to F32, then two products: a few ulps of values up to 2√2.
                XCTAssertLessThanOrEqual(Self.error(qq, oracle(q, heads: c.heads)), 1e-6, "\(c.ordering) q \(path)")
                XCTAssertLessThanOrEqual(Self.error(kk, oracle(k, heads: c.kvHeads)), 1e-6, "\(c.ordering) k \(path)")
                var single = q
                rope.apply(&single, heads: c.heads, headDim: c.headDim, pos: c.pos, path: path)
                XCTAssertEqual(single, qq, "\(c.ordering) one-tensor form \(path)")
            }
        }
    }
}
