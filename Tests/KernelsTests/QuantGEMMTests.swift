import Checkpoint
import Foundation
@testable import Kernels
import TestSupport
import XCTest

/// The rows × tokens tile kernels and the `QuantGEMM` driver on every path this CPU runs, against the
/// scalar one-row reference per (row, token), including tiles cut at the matrix edge and thread splits.
final class QuantGEMMTests: XCTestCase {
    /// Same integer sums, other float order (per-block products summed in eight lanes, then across lanes).
    static let pathAgreement: Double = 1e-5

    /// Weight types with a tile kernel, each against its own activation format.
    static let tiledTypes: [GGMLType] = [.q4_0, .q4_1, .q5_0, .q5_1, .q8_0, .q4_K, .q5_K, .q6_K]
    /// (rows, cols, tokens): full tiles, partial token tiles, partial row tiles, a chunk boundary.
    static let shapes: [(Int, Int, Int)] = [(8, 256, 8), (7, 512, 5), (12, 1024, 3), (1, 256, 1), (64, 256, 13), (130, 512, 6)]

    /// |Σ w·x| bound for the tolerance: Σ over the row of |w_i|·|x_i| via dequantized values.
    static func magnitude(_ type: GGMLType, _ w: UnsafeRawPointer, _ x: [Float], cols: Int) throws -> Double {
        var wd = [Float](repeating: 0, count: cols)
        try wd.withUnsafeMutableBufferPointer {
            try Dequantize.toF32(type, src: UnsafeRawBufferPointer(start: w, count: type.byteCount(elements: cols) ?? 0),
                                 dst: $0, count: cols)
        }
        return zip(wd, x).reduce(0) { $0 + abs(Double($1.0) * Double($1.1)) }
    }

    func multiply(_ kernel: TileKernel, _ w: [UInt8], rows: Int, cols: Int, _ xq: [UInt8], tokens: Int, threads: Int) -> [Float] {
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

    func testTilesMatchScalarReferenceOnEveryPath() throws {
        var rng = SplitMix64(seed: 0x7113)
        for type in Self.tiledTypes {
            for (rows, cols, tokens) in Self.shapes where cols % type.blockSize == 0 {
                let w = DotKernelTests.randomWeights(type, rows: rows, cols: cols, rng: &rng)
                let format = try XCTUnwrap(ActivationFormat.forWeights(type))
                let xf = (0..<(tokens * cols)).map { _ in Float.random(in: -3...3, using: &rng) }
                let xBytes = format.rowBytes(cols)
                var xq = [UInt8](repeating: 0, count: tokens * xBytes)
                xf.withUnsafeBufferPointer { src in
                    xq.withUnsafeMutableBytes { dst in
                        for t in 0..<tokens { format.quantize(src.baseAddress! + t * cols, count: cols, into: dst.baseAddress! + t * xBytes) }
                    }
                }
                let scalar = try DotKernel(weights: type, path: .scalar)
                let rowBytes = type.typeSize * cols / type.blockSize
                for path in KernelPath.supported {
                    let kernel = TileKernel(try DotKernel(weights: type, path: path))
                    if path != .scalar { XCTAssertTrue(kernel.isTiled, "\(type) on \(path) has no tile kernel") }
                    for threads in [1, 3] {
                        let y = multiply(kernel, w, rows: rows, cols: cols, xq, tokens: tokens, threads: threads)
                        try w.withUnsafeBytes { wp in
                            try xq.withUnsafeBytes { xp in
                                for t in 0..<tokens {
                                    for r in 0..<rows {
                                        let wr = wp.baseAddress! + r * rowBytes
                                        let expected = scalar(cols, wr, xp.baseAddress! + t * xBytes)
                                        let mag = try Self.magnitude(type, wr, Array(xf[(t * cols)..<((t + 1) * cols)]), cols: cols)
                                        XCTAssertEqual(Double(y[t * rows + r]), Double(expected), accuracy: Self.pathAgreement * mag + 1e-6,
                                                       "\(type) on \(path), \(rows)×\(cols) × \(tokens) tokens, \(threads) threads: row \(r) token \(t)")
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
    }

    /// Weights at their extremes (a saturating 16-bit pair sum or a wrong offset would show).
    func testSaturatedTiles() throws {
        let rows = 8, cols = 256, tokens = 4
        for type in Self.tiledTypes {
            for fill: UInt8 in [0x00, 0xFF, 0x80, 0x7F] {
                var w = [UInt8](repeating: fill, count: rows * cols / type.blockSize * type.typeSize)
                for b in 0..<(rows * cols / type.blockSize) {
                    for off in DotKernelTests.halfFields[type] ?? [] {
                        w[b * type.typeSize + off] = 0x00; w[b * type.typeSize + off + 1] = 0x3C  // 1.0
                    }
                }
                let format = try XCTUnwrap(ActivationFormat.forWeights(type))
                let xBytes = format.rowBytes(cols)
                var xq = [UInt8](repeating: 0, count: tokens * xBytes)
                let xf = (0..<(tokens * cols)).map { i -> Float in i % 3 == 0 ? 127 : -127 }
                xf.withUnsafeBufferPointer { src in
                    xq.withUnsafeMutableBytes { dst in
                        for t in 0..<tokens { format.quantize(src.baseAddress! + t * cols, count: cols, into: dst.baseAddress! + t * xBytes) }
                    }
                }
                let reference = multiply(TileKernel(try DotKernel(weights: type, path: .scalar)), w, rows: rows, cols: cols, xq, tokens: tokens, threads: 1)
                for path in KernelPath.supported where path != .scalar {
                    let got = multiply(TileKernel(try DotKernel(weights: type, path: path)), w, rows: rows, cols: cols, xq, tokens: tokens, threads: 1)
                    for i in 0..<got.count {
                        XCTAssertEqual(got[i], reference[i], accuracy: abs(reference[i]) * 1e-5 + 1e-3, "\(type) fill \(fill) on \(path) at \(i)")
                    }
                }
            }
        }
    }

    /// Q8_1F blocks `{d: f32, s: f32 = d·Σq, qs: i8[32]}` (40 B), the activation format Q4_1/Q5_1 tiles take.
    static func quantizeQ8_1F(_ x: ArraySlice<Float>) -> [UInt8] {
        var out: [UInt8] = []
        let v = Array(x)
        for b in 0..<(v.count / 32) {
            let block = v[(32 * b)..<(32 * b + 32)]
            let d = (block.map { abs($0) }.max() ?? 0) / 127
            let q = block.map { d == 0 ? Int8(0) : Int8(($0 / d).rounded(.toNearestOrAwayFromZero)) }
            let s = d * Float(q.reduce(0) { $0 + Int32($1) })
            withUnsafeBytes(of: d) { out += $0 }
            withUnsafeBytes(of: s) { out += $0 }
            out += q.map { UInt8(bitPattern: $0) }
        }
        return out
    }

    /// Q4_1/Q5_1 value j of a block: nibble (+ 5th bit from the 32-bit qh field for Q5_1), scale d, minimum m.
    static func block(_ type: GGMLType, _ w: [UInt8], _ at: Int) -> (d: Double, m: Double, q: [Int]) {
        let h = { (o: Int) in Double(f16ToF32(UInt16(w[at + o]) | UInt16(w[at + o + 1]) << 8)) }
        let qs = type == .q4_1 ? 4 : 8
        let qh = type == .q5_1 ? UInt32(w[at + 4]) | UInt32(w[at + 5]) << 8 | UInt32(w[at + 6]) << 16 | UInt32(w[at + 7]) << 24 : 0
        let q = (0..<32).map { j -> Int in
            let nib = j < 16 ? Int(w[at + qs + j] & 0xF) : Int(w[at + qs + j - 16] >> 4)
            return nib | Int((qh >> UInt32(j)) & 1) << 4
        }
        return (h(0), h(2), q)
    }

    /// The Q4_1/Q5_1 tiles against Σ_blocks d_w·d_x·Σ q·x_q + m_w·s_x computed here in Double, for every
    /// token count of a tile (the driver uses them once activations are Q8_1F).
    func testMinimumTypesAgainstQ8_1F() throws {
        var rng = SplitMix64(seed: 0x0411)
        let cols = 512
        for type in [GGMLType.q4_1, .q5_1] {
            for path in KernelPath.supported where path != .scalar {
                let f = try XCTUnwrap(TileKernel.function(type, q8_1f: true, path: path), "\(type) on \(path)")
                XCTAssertNil(TileKernel.function(type, q8_1f: false, path: path), "\(type) tiles need Q8_1F activations")
                let shape = TileKernel.shape(path)
                let rows = shape.rows, rowBytes = cols / 32 * type.typeSize
                let w = DotKernelTests.randomWeights(type, rows: rows, cols: cols, rng: &rng)
                for tokens in 1...shape.tokens {
                    let xf = (0..<(tokens * cols)).map { _ in Float.random(in: -3...3, using: &rng) }
                    let xq = (0..<tokens).flatMap { Self.quantizeQ8_1F(xf[($0 * cols)..<(($0 + 1) * cols)]) }
                    let xBytes = cols / 32 * 40
                    XCTAssertEqual(xq.count, tokens * xBytes)
                    var y = [Float](repeating: .nan, count: rows * tokens)
                    w.withUnsafeBytes { wp in
                        xq.withUnsafeBytes { xp in
                            y.withUnsafeMutableBufferPointer { f(cols, wp.baseAddress!, rowBytes, xp.baseAddress!, xBytes, tokens, $0.baseAddress!, rows) }
                        }
                    }
                    for t in 0..<tokens {
                        for r in 0..<rows {
                            var expected = 0.0, magnitude = 0.0
                            for b in 0..<(cols / 32) {
                                let (d, m, q) = Self.block(type, w, r * rowBytes + b * type.typeSize)
                                let xb = t * xBytes + b * 40
                                let (dx, sx) = xq.withUnsafeBytes { ($0.loadUnaligned(fromByteOffset: xb, as: Float.self),
                                                                    $0.loadUnaligned(fromByteOffset: xb + 4, as: Float.self)) }
                                let sumi = (0..<32).reduce(0) { $0 + q[$1] * Int(Int8(bitPattern: xq[xb + 8 + $1])) }
                                expected += d * Double(dx) * Double(sumi) + m * Double(sx)
                                magnitude += abs(d * Double(dx) * Double(sumi)) + abs(m * Double(sx))
                            }
                            XCTAssertEqual(Double(y[t * rows + r]), expected, accuracy: Self.pathAgreement * magnitude + 1e-6,
                                           "\(type) on \(path), \(tokens) tokens: row \(r) token \(t)")
                        }
                    }
                }
            }
        }
    }
}
