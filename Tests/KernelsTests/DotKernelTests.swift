import Checkpoint
import Foundation
import Kernels
import TestSupport
import XCTest

/// Every dot kernel on every path this CPU runs (force others with OWL_KERNELS in CI / under qemu via
/// scripts/kernels-qemu.sh) against dequantize(w) · dequantize(quantize(x)).
final class DotKernelTests: XCTestCase {
    /// Integer sums are exact; what differs is float summation order over ≤ 1024 products.
    static let floatRounding: Double = 2e-5
    /// SIMD vs scalar reference on identical inputs: the same integer math, other float order.
    static let pathAgreement: Double = 1e-5

    /// Byte offsets of f16 scale fields per block (random bits there could be NaN or huge).
    static let halfFields: [GGMLType: [Int]] = [.q4_0: [0], .q4_1: [0, 2], .q5_0: [0], .q5_1: [0, 2], .q8_0: [0],
                                                .q2_K: [80, 82], .q3_K: [108], .q4_K: [0, 2], .q5_K: [0, 2], .q6_K: [208]]

    static func randomWeights(_ type: GGMLType, rows: Int, cols: Int, rng: inout SplitMix64) -> [UInt8] {
        let count = rows * cols
        if type == .f32 {
            return (0..<count).flatMap { _ in withUnsafeBytes(of: Float.random(in: -1...1, using: &rng)) { Array($0) } }
        }
        if type == .f16 {
            return (0..<count).flatMap { _ in withUnsafeBytes(of: f32ToF16(Float.random(in: -1...1, using: &rng))) { Array($0) } }
        }
        let blocks = count / type.blockSize
        var bytes = (0..<(blocks * type.typeSize)).map { _ in UInt8.random(in: 0...255, using: &rng) }
        for b in 0..<blocks {
            for off in halfFields[type] ?? [] {
                let h = f32ToF16(Float.random(in: -0.05...0.05, using: &rng))
                bytes[b * type.typeSize + off] = UInt8(h & 0xFF)
                bytes[b * type.typeSize + off + 1] = UInt8(h >> 8)
            }
        }
        return bytes
    }

    static func quantize(_ x: [Float], _ format: ActivationFormat) -> [UInt8] {
        var out = [UInt8](repeating: 0, count: format.rowBytes(x.count))
        x.withUnsafeBufferPointer { src in
            out.withUnsafeMutableBytes { format.quantize(src.baseAddress!, count: x.count, into: $0.baseAddress!) }
        }
        return out
    }

    /// The activation values the quantized row stands for.
    static func dequantized(_ q: [UInt8], _ format: ActivationFormat, count: Int) throws -> [Float] {
        switch format {
        case .f32: return q.withUnsafeBytes { Array($0.bindMemory(to: Float.self)) }
        case .q8_0: return try dequantize(.q8_0, q, count: count)
        case .q8_K: return try dequantize(.q8_K, q, count: count)
        case .q8_1:
            return (0..<count).map { i in
                let b = i / 32
                let d = f16ToF32(UInt16(q[b * 36]) | UInt16(q[b * 36 + 1]) << 8)
                return d * Float(Int8(bitPattern: q[b * 36 + 4 + i % 32]))
            }
        case .q8_1f:
            return q.withUnsafeBytes { p in
                (0..<count).map { i in
                    let b = i / 32
                    return p.loadUnaligned(fromByteOffset: b * 40, as: Float.self) * Float(p.load(fromByteOffset: b * 40 + 8 + i % 32, as: Int8.self))
                }
            }
        }
    }

    static func dequantize(_ type: GGMLType, _ bytes: [UInt8], count: Int) throws -> [Float] {
        var out = [Float](repeating: .nan, count: count)
        try bytes.withUnsafeBytes { src in
            try out.withUnsafeMutableBufferPointer { try Dequantize.toF32(type, src: src, dst: $0, count: count) }
        }
        return out
    }

    func dot(_ k: DotKernel, _ n: Int, _ w: [UInt8], _ x: [UInt8]) -> Float {
        w.withUnsafeBytes { wp in x.withUnsafeBytes { k(n, wp.baseAddress!, $0.baseAddress!) } }
    }

    func testEveryTypeEveryPathMatchesDequantizedDot() throws {
        var rng = SplitMix64(seed: 0x5EED)
        let paths = KernelPath.supported
        XCTAssertTrue(paths.contains(.scalar))
        for type in DotKernel.supported {
            for trial in 0..<4 {
                let n = type == .f32 || type == .f16 ? [1024, 1000 + 7, 16, 3][trial] : 1024
                let w = Self.randomWeights(type, rows: 1, cols: n, rng: &rng)
                let xf = (0..<n).map { _ in Float.random(in: -3...3, using: &rng) }
                let format = try XCTUnwrap(ActivationFormat.forWeights(type))
                let xq = Self.quantize(xf, format)
                let wd = try Self.dequantize(type, w, count: n)
                let xd = try Self.dequantized(xq, format, count: n)
                var expected = 0.0, magnitude = 0.0
                for i in 0..<n { expected += Double(wd[i]) * Double(xd[i]); magnitude += abs(Double(wd[i]) * Double(xd[i])) }
                let tolerance = Self.floatRounding * magnitude + 1e-6
                let reference = dot(try DotKernel(weights: type, path: .scalar), n, w, xq)
                for path in paths {
                    let got = dot(try DotKernel(weights: type, path: path), n, w, xq)
                    XCTAssertEqual(Double(got), expected, accuracy: tolerance, "\(type) on \(path), n = \(n), trial \(trial)")
                    XCTAssertEqual(Double(got), Double(reference), accuracy: Self.pathAgreement * magnitude + 1e-6,
                                   "\(type) on \(path) vs scalar reference, n = \(n)")
                }
            }
        }
    }

    /// Extreme blocks: every quant at its largest and smallest value, so an overflowing 16-bit pair sum
    /// (maddubs saturation) or a wrong sign trick would show.
    func testSaturatedBlocks() throws {
        let n = 512
        for type in DotKernel.supported where type != .f32 && type != .f16 {
            for fill: UInt8 in [0x00, 0xFF, 0x80, 0x7F] {
                var w = [UInt8](repeating: fill, count: n / type.blockSize * type.typeSize)
                for b in 0..<(n / type.blockSize) {
                    for off in Self.halfFields[type] ?? [] {
                        w[b * type.typeSize + off] = 0x00; w[b * type.typeSize + off + 1] = 0x3C  // 1.0
                    }
                }
                for xv: Float in [127, -127] {
                    let format = try XCTUnwrap(ActivationFormat.forWeights(type))
                    let xq = Self.quantize((0..<n).map { $0 % 3 == 0 ? xv : -xv }, format)
                    let reference = dot(try DotKernel(weights: type, path: .scalar), n, w, xq)
                    for path in KernelPath.supported {
                        let got = dot(try DotKernel(weights: type, path: path), n, w, xq)
                        XCTAssertEqual(got, reference, accuracy: abs(reference) * 1e-5 + 1e-3, "\(type) fill \(fill) x \(xv) on \(path)")
                    }
                }
            }
        }
    }

    func testUnsupportedWeightType() {
        XCTAssertThrowsError(try DotKernel(weights: .iq2_xxs, path: .scalar, tensor: "blk.0.ffn_up.weight")) {
            XCTAssertEqual("\($0)", "tensor 'blk.0.ffn_up.weight' has type IQ2_XXS, which Owl cannot dequantize yet; supported: F32, F16, BF16, Q4_0, Q4_1, Q5_0, Q5_1, Q8_0, Q2_K, Q3_K, Q4_K, Q5_K, Q6_K, Q8_K")
        }
    }
}
