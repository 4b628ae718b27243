import Checkpoint
import Kernels
import TestSupport
import XCTest

final class MatVecTests: XCTestCase {
    /// matvec and matmul (four-row kernels plus single-row tails), split across 1‥3 pool threads, equal
    /// row-by-row single-row dot products bit for bit; outputs start as NaN so a row nobody wrote shows.
    func testMatvecAndMatmulEqualRowDots() throws {
        var rng = SplitMix64(seed: 42)
        let rows = 37, cols = 512, tokens = 5
        for type in DotKernel.supported {
            let w = DotKernelTests.randomWeights(type, rows: rows, cols: cols, rng: &rng)
            let rowBytes = w.count / rows
            for path in KernelPath.supported {
                let kernel = try DotKernel(weights: type, path: path)
                let xs = (0..<tokens).map { _ in (0..<cols).map { _ in Float.random(in: -2...2, using: &rng) } }
                let xq = xs.flatMap { DotKernelTests.quantize($0, kernel.activations) }
                let xBytes = kernel.activations.rowBytes(cols)
                var expected = [Float](repeating: 0, count: tokens * rows)
                w.withUnsafeBytes { wp in
                    xq.withUnsafeBytes { xp in
                        for t in 0..<tokens {
                            for r in 0..<rows { expected[t * rows + r] = kernel(cols, wp.baseAddress! + r * rowBytes, xp.baseAddress! + t * xBytes) }
                        }
                    }
                }
                for threads in 1...3 {
                    let pool = ThreadPool(threads: threads)
                    var y = [Float](repeating: .nan, count: tokens * rows)
                    w.withUnsafeBytes { wp in
                        xq.withUnsafeBytes { xp in
                            y.withUnsafeMutableBufferPointer { yp in
                                let wb = wp.baseAddress!, xb = xp.baseAddress!, yb = yp.baseAddress!
                                pool.run { t, n in
                                    MatVec.matmul(kernel, weights: wb, rows: rows, cols: cols, x: xb, tokens: tokens, y: yb, thread: t, threads: n)
                                }
                            }
                        }
                    }
                    XCTAssertEqual(y, expected, "matmul \(type) on \(path), \(threads) threads")
                    var y1 = [Float](repeating: .nan, count: rows)
                    w.withUnsafeBytes { wp in
                        xq.withUnsafeBytes { xp in
                            y1.withUnsafeMutableBufferPointer { yp in
                                let wb = wp.baseAddress!, xb = xp.baseAddress! + 2 * xBytes, yb = yp.baseAddress!
                                pool.run { t, n in
                                    MatVec.matvec(kernel, weights: wb, rows: rows, cols: cols, x: xb, y: yb, thread: t, threads: n)
                                }
                            }
                        }
                    }
                    XCTAssertEqual(y1, Array(expected[(2 * rows)..<(3 * rows)]), "matvec \(type) on \(path), \(threads) threads")
                }
            }
        }
    }

    func testRowRangesCoverEveryRowOnce() {
        for rows in [0, 1, 5, 576, 1537] {
            for threads in 1...7 {
                let ranges = (0..<threads).map { MatVec.rowRange(rows: rows, thread: $0, threads: threads) }
                XCTAssertEqual(ranges.flatMap { Array($0) }, Array(0..<rows), "rows \(rows), threads \(threads)")
                let quads = (0..<threads).map { MatVec.rowRange4(rows: rows, thread: $0, threads: threads) }
                XCTAssertEqual(quads.flatMap { Array($0) }, Array(0..<rows), "rowRange4: rows \(rows), threads \(threads)")
                for r in quads.dropLast() { XCTAssertEqual(r.upperBound % 4 == 0 || r.upperBound == rows, true, "boundary \(r)") }
            }
        }
    }
}

final class WeightMatrixTests: XCTestCase {
    /// `apply` on 1 and 4 tokens equals dequantize(W) · dequantize(quantize(x)) per token and row.
    func testApplyMatchesDequantizedProduct() throws {
        var rng = SplitMix64(seed: 3)
        let rows = 19, cols = 512
        let pool = ThreadPool(threads: 2)
        for type: GGMLType in [.q4_0, .q5_1, .q8_0, .q2_K, .q3_K, .q5_K, .f32] {
            let w = DotKernelTests.randomWeights(type, rows: rows, cols: cols, rng: &rng)
            let wd = try DotKernelTests.dequantize(type, w, count: rows * cols)
            for tokens in [1, 4] {
                let x = (0..<(tokens * cols)).map { _ in Float.random(in: -1...1, using: &rng) }
                var y = [Float](repeating: .nan, count: tokens * rows)
                try w.withUnsafeBytes { wp in
                    let m = try WeightMatrix(type: type, rows: rows, cols: cols, data: wp.baseAddress!, byteCount: wp.count, path: .best)
                    var scratch = [UInt8](repeating: 0, count: m.scratchBytes(tokens: tokens))
                    scratch.withUnsafeMutableBytes { s in
                        y.withUnsafeMutableBufferPointer { m.apply(x, tokens: tokens, y: $0.baseAddress!, scratch: s.baseAddress!, pool: pool) }
                    }
                    for t in 0..<tokens {
                        let xq = DotKernelTests.quantize(Array(x[(t * cols)..<((t + 1) * cols)]), m.kernel.activations)
                        let xd = try DotKernelTests.dequantized(xq, m.kernel.activations, count: cols)
                        for r in 0..<rows {
                            var e = 0.0, mag = 0.0
                            for c in 0..<cols { e += Double(wd[r * cols + c]) * Double(xd[c]); mag += abs(Double(wd[r * cols + c]) * Double(xd[c])) }
                            let tol = DotKernelTests.floatRounding * mag + 1e-6
                            XCTAssertEqual(Double(y[t * rows + r]), e, accuracy: tol, "\(type) token \(t) row \(r)")
                        }
                    }
                }
            }
        }
    }

    func testShapeErrors() throws {
        let bytes = [UInt8](repeating: 0, count: 64)
        try bytes.withUnsafeBytes { p in
            XCTAssertThrowsError(try WeightMatrix(type: .q8_0, rows: 1, cols: 48, data: p.baseAddress!, byteCount: p.count, tensor: "w")) {
                XCTAssertEqual("\($0)", "tensor 'w' (Q8_0, 1 rows × 48 columns) cannot be multiplied: rows must be a positive multiple of 32 values; the file may be damaged, re-download or re-convert it")
            }
            XCTAssertThrowsError(try WeightMatrix(type: .q8_0, rows: 2, cols: 32, data: p.baseAddress!, byteCount: p.count, tensor: "w")) {
                XCTAssertEqual("\($0)", "tensor 'w' has 64 bytes of data, its shape needs 68; the file may be truncated, re-download it")
            }
        }
    }
}
