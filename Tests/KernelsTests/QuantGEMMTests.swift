import Checkpoint
import Foundation
@testable import Kernels
import TestSupport
import XCTest

/// The prefill panels and the `QuantGEMM` driver on every path this CPU runs, against exact math on the
/// same quantized inputs, including panels cut at the matrix edge and thread splits.
final class QuantGEMMTests: XCTestCase {
    /// Exact integer sums; F32 rounding of the per-block products and the running sums.
    static let pathAgreement: Double = 1e-5

    /// Weight types with a panel kernel.
    static let panelTypes: [GGMLType] = [.q4_0, .q4_1, .q5_0, .q5_1, .q8_0, .q4_K, .q5_K, .q6_K]
    /// (rows, cols, tokens): full panels, partial token runs, partial panels, several panels per thread.
    static let shapes: [(Int, Int, Int)] = [(8, 256, 8), (7, 512, 5), (12, 1024, 3), (1, 256, 1), (64, 256, 13), (130, 512, 6), (40, 768, 4)]

    /// |Σ w·x| bound for the tolerance: Σ over the row of |w_i|·|x_i| via dequantized values.
    static func magnitude(_ type: GGMLType, _ w: UnsafeRawPointer, _ x: [Float], cols: Int) throws -> Double {
        var wd = [Float](repeating: 0, count: cols)
        try wd.withUnsafeMutableBufferPointer {
            try Dequantize.toF32(type, src: UnsafeRawBufferPointer(start: w, count: type.byteCount(elements: cols) ?? 0),
                                 dst: $0, count: cols)
        }
        return zip(wd, x).reduce(0) { $0 + abs(Double($1.0) * Double($1.1)) }
    }

    func multiply(_ kernel: PrefillKernel, _ w: [UInt8], rows: Int, cols: Int, _ xq: [UInt8], tokens: Int, threads: Int) -> [Float] {
        var y = [Float](repeating: .nan, count: rows * tokens)
        w.withUnsafeBytes { wp in
            xq.withUnsafeBytes { xp in
                y.withUnsafeMutableBufferPointer { yp in
                    for t in 0..<threads {
                        QuantGEMM.multiply(kernel, weights: wp.baseAddress!, rows: rows, cols: cols, x: xp.baseAddress!,
                                           tokens: tokens, y: yp.baseAddress!, thread: t, threads: threads)
                    }
                }
            }
        }
        return y
    }

    /// `tokens` rows of random values in `format`, and the values they stand for.
    static func activations(_ format: ActivationFormat, cols: Int, tokens: Int, values: (Int) -> Float) -> (bytes: [UInt8], values: [Float]) {
        let xf = (0..<(tokens * cols)).map(values)
        let xBytes = format.rowBytes(cols)
        var xq = [UInt8](repeating: 0, count: tokens * xBytes)
        var xd = [Float](repeating: 0, count: tokens * cols)
        xf.withUnsafeBufferPointer { src in
            xq.withUnsafeMutableBytes { dst in
                xd.withUnsafeMutableBufferPointer { out in
                    for t in 0..<tokens {
                        format.quantize(src.baseAddress! + t * cols, count: cols, into: dst.baseAddress! + t * xBytes)
                        format.dequantize(dst.baseAddress! + t * xBytes, count: cols, into: out.baseAddress! + t * cols)
                    }
                }
            }
        }
        return (xq, xd)
    }

    /// Exact math on the quantized inputs: Σ w·x in Double over dequantized weights and activations, and
    /// Σ |w·x| (the scale of the rounding a float kernel may add).
    static func exact(_ type: GGMLType, _ w: [UInt8], rows: Int, cols: Int, _ x: [Float], tokens: Int) throws
        -> (values: [Double], magnitudes: [Double]) {
        var wd = [Float](repeating: 0, count: rows * cols)
        try w.withUnsafeBytes { wp in try wd.withUnsafeMutableBufferPointer { try Dequantize.toF32(type, src: wp, dst: $0, count: rows * cols) } }
        var values = [Double](repeating: 0, count: rows * tokens), magnitudes = values
        for t in 0..<tokens {
            for r in 0..<rows {
                for k in 0..<cols {
                    let p = Double(wd[r * cols + k]) * Double(x[t * cols + k])
                    values[t * rows + r] += p
                    magnitudes[t * rows + r] += abs(p)
                }
            }
        }
        return (values, magnitudes)
    }

    /// Every path's product against exact math on the activations in the format that path's kernel takes
    /// (panels: Q8_1F; the scalar path: the dot kernel's), edges and thread splits included.
    func testTilesMatchExactMathOnEveryPath() throws {
        var rng = SplitMix64(seed: 0x7113)
        for type in Self.panelTypes {
            for (rows, cols, tokens) in Self.shapes where cols % type.blockSize == 0 {
                let w = DotKernelTests.randomWeights(type, rows: rows, cols: cols, rng: &rng)
                for path in KernelPath.supported {
                    let kernel = PrefillKernel(try DotKernel(weights: type, path: path))
                    if path != .scalar { XCTAssertTrue(kernel.isPanel, "\(type) on \(path) has no panel") }
                    let x = Self.activations(kernel.activations, cols: cols, tokens: tokens) { _ in Float.random(in: -3...3, using: &rng) }
                    let (expected, magnitude) = try Self.exact(type, w, rows: rows, cols: cols, x.values, tokens: tokens)
                    for threads in [1, 3] {
                        let y = multiply(kernel, w, rows: rows, cols: cols, x.bytes, tokens: tokens, threads: threads)
                        for i in 0..<y.count {
                            XCTAssertEqual(Double(y[i]), expected[i], accuracy: Self.pathAgreement * magnitude[i] + 1e-6,
                                           "\(type) on \(path), \(rows)×\(cols) × \(tokens) tokens, \(threads) threads: row \(i % rows) token \(i / rows)")
                        }
                    }
                }
            }
        }
    }

    /// Weights at their extremes (a saturating 16-bit pair sum or a wrong offset would show).
    func testSaturatedTiles() throws {
        let rows = 21, cols = 256, tokens = 5
        for type in Self.panelTypes {
            for fill: UInt8 in [0x00, 0xFF, 0x80, 0x7F] {
                var w = [UInt8](repeating: fill, count: rows * cols / type.blockSize * type.typeSize)
                for b in 0..<(rows * cols / type.blockSize) {
                    for off in DotKernelTests.halfFields[type] ?? [] {
                        w[b * type.typeSize + off] = 0x00; w[b * type.typeSize + off + 1] = 0x3C  // 1.0
                    }
                }
                for path in KernelPath.supported {
                    let kernel = PrefillKernel(try DotKernel(weights: type, path: path))
                    let x = Self.activations(kernel.activations, cols: cols, tokens: tokens) { i in i % 3 == 0 ? 127 : -127 }
                    let (expected, magnitude) = try Self.exact(type, w, rows: rows, cols: cols, x.values, tokens: tokens)
                    let got = multiply(kernel, w, rows: rows, cols: cols, x.bytes, tokens: tokens, threads: 1)
                    for i in 0..<got.count {
                        XCTAssertEqual(Double(got[i]), expected[i], accuracy: Self.pathAgreement * magnitude[i] + 1e-3,
                                       "\(type) fill \(fill) on \(path) at \(i)")
                    }
                }
            }
        }
    }

    /// Panels take Q8_1F activations; the scalar path and types without a panel keep the dot kernel's.
    func testActivationFormats() throws {
        for path in KernelPath.supported {
            for type in Self.panelTypes + [.q2_K, .q3_K] {
                let kernel = PrefillKernel(try DotKernel(weights: type, path: path))
                XCTAssertEqual(kernel.isPanel, path != .scalar && Self.panelTypes.contains(type), "\(type) on \(path)")
                XCTAssertEqual(kernel.activations, kernel.isPanel ? .q8_1f : ActivationFormat.forWeights(type), "\(type) on \(path)")
            }
        }
    }
}
