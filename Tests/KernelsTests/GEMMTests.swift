import Foundation
import Kernels
import XCTest

/// OpenBLAS GEMM against the scalar reference; erf-GELU and LayerNorm against Double math.
final class GEMMTests: XCTestCase {
    /// Relative to the size of the dot products (k terms of magnitude ≤ 1).
    static let gemmTolerance: Float = 1e-5

    struct Rng {
        var state: UInt64
        mutating func next() -> Float {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return Float(Int64(bitPattern: state >> 11) % 2_000_001 - 1_000_000) / 1_000_000
        }
    }

    func testBLASMatchesReference() {
        // (m, n, k, bTransposed, row padding) — padding exercises lda/ldb/ldc larger than the row.
        let cases: [(Int, Int, Int, Bool, Int)] = [
            (1, 1, 1, true, 0), (3, 5, 7, true, 0), (3, 5, 7, false, 0), (17, 33, 65, true, 3),
            (64, 96, 384, true, 0), (26, 26, 32, true, 64), (26, 32, 26, false, 5), (5, 1536, 384, true, 0),
        ]
        var rng = Rng(state: 42)
        for (m, n, k, bT, pad) in cases {
            let lda = k + pad, ldc = n + pad
            let ldb = (bT ? k : n) + pad
            let bRows = bT ? n : k
            let a = (0..<(m * lda)).map { _ in rng.next() }
            let b = (0..<(bRows * ldb)).map { _ in rng.next() }
            let prior = (0..<(m * ldc)).map { _ in rng.next() }
            for beta: Float in [0, 1] {
                // NaN where beta is 0 proves every output is written and no stale value is read.
                var ref = beta == 0 ? [Float](repeating: .nan, count: m * ldc) : prior
                var fast = ref
                GEMM.reference(m: m, n: n, k: k, a: a, lda: lda, b: b, ldb: ldb, bTransposed: bT, c: &ref, ldc: ldc, beta: beta)
                GEMM.blas(m: m, n: n, k: k, a: a, lda: lda, b: b, ldb: ldb, bTransposed: bT, c: &fast, ldc: ldc, beta: beta)
                var worst: Float = 0
                for i in 0..<m {
                    for j in 0..<n { worst = max(worst, abs(ref[i * ldc + j] - fast[i * ldc + j])) }
                    // Padding columns are left alone.
                    for j in n..<ldc {
                        XCTAssertEqual(fast[i * ldc + j].bitPattern, ref[i * ldc + j].bitPattern)
                    }
                }
                XCTAssertLessThanOrEqual(worst, Self.gemmTolerance * Float(k), "m=\(m) n=\(n) k=\(k) bT=\(bT) beta=\(beta)")
            }
        }
    }

    func testReferenceGEMMSmallCase() {
        // [1 2; 3 4] · [5 6; 7 8] = [19 22; 43 50]; with B given transposed the same product.
        let a: [Float] = [1, 2, 3, 4], b: [Float] = [5, 6, 7, 8], bt: [Float] = [5, 7, 6, 8]
        var c = [Float](repeating: 0, count: 4), ct = c
        GEMM.reference(m: 2, n: 2, k: 2, a: a, lda: 2, b: b, ldb: 2, bTransposed: false, c: &c, ldc: 2)
        GEMM.reference(m: 2, n: 2, k: 2, a: a, lda: 2, b: bt, ldb: 2, bTransposed: true, c: &ct, ldc: 2)
        XCTAssertEqual(c, [19, 22, 43, 50])
        XCTAssertEqual(ct, [19, 22, 43, 50])
    }

    func testErfGELUMatchesReference() {
        var xs: [Float] = stride(from: Float(-12), through: 12, by: 0.001).map { $0 }
        xs += [0, -0, 1e-30, -1e-30, 100, -100, .greatestFiniteMagnitude, -.greatestFiniteMagnitude]
        for count in [xs.count, 1, 7, 9] {  // tails shorter than a vector
            var ys = Array(xs.prefix(count))
            ys.withUnsafeMutableBufferPointer { ErfGELU.apply($0.baseAddress!, count: count) }
            for (x, y) in zip(xs, ys) {
                let expected = ErfGELU.reference(x)
                XCTAssertLessThanOrEqual(abs(y - expected), 1e-6 * max(1, abs(x)), "gelu(\(x))")
            }
        }
        // Known values: gelu(1) = Φ(1) = 0.8413447, gelu(-1) = -0.1586553.
        XCTAssertEqual(ErfGELU.reference(1), 0.8413447, accuracy: 1e-6)
        XCTAssertEqual(ErfGELU.reference(-1), -0.1586553, accuracy: 1e-6)
    }

    func testLayerNormMatchesDouble() {
        var rng = Rng(state: 7)
        let n = 384
        let x = (0..<n).map { _ in rng.next() * 3 + 0.5 }
        let g = (0..<n).map { _ in rng.next() }, b = (0..<n).map { _ in rng.next() }
        var y = [Float](repeating: .nan, count: n)
        LayerNorm.apply(x, &y, count: n, gamma: g, beta: b, eps: 1e-12)
        let mean = x.reduce(0.0) { $0 + Double($1) } / Double(n)
        let variance = x.reduce(0.0) { $0 + (Double($1) - mean) * (Double($1) - mean) } / Double(n)
        for i in 0..<n {
            let expected = (Double(x[i]) - mean) / (variance + 1e-12).squareRoot() * Double(g[i]) + Double(b[i])
            XCTAssertEqual(Double(y[i]), expected, accuracy: 1e-5)
        }
    }
}
