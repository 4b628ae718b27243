import Checkpoint
import Kernels
import TestSupport
import XCTest

/// Each quantized dot product against F64 math on the dequantized weight and the dequantized
/// 8-bit activations: the integer kernels must reproduce that exactly up to F32 rounding.
final class QuantDotTests: XCTestCase {
    /// A deterministic generator (SplitMix64, from TestSupport) so failures reproduce.
    typealias RNG = SplitMix64

    /// Random blocks of `type` with small positive f16 scales at the scale offsets.
    static func randomWeights(_ type: GGMLType, count: Int, rng: inout RNG) -> [UInt8] {
        let blocks = count / type.blockSize
        var out: [UInt8] = []
        for _ in 0..<blocks {
            var b = (0..<type.typeSize).map { _ in rng.byte() }
            func half(_ o: Int, _ v: Float) { let h = f32ToF16(v); b[o] = UInt8(h & 0xFF); b[o + 1] = UInt8(h >> 8) }
            switch type {
            case .q4_0, .q5_0, .q8_0: half(0, 0.01 + 0.02 * abs(rng.float()))
            case .q4_1, .q5_1: half(0, 0.01 + 0.02 * abs(rng.float())); half(2, -0.1 * abs(rng.float()))
            case .q4_K, .q5_K: half(0, 0.001 + 0.002 * abs(rng.float())); half(2, 0.001 * abs(rng.float()))
            case .q6_K: half(208, 0.001 + 0.002 * abs(rng.float()))
            default: break
            }
            out += b
        }
        return out
    }

    /// Dequantizes 8-bit activation blocks: F32 d first, quants at `blockBytes − blockSize`.
    static func dequantizeActivations(_ type: ScaledActivationFormat, _ bytes: [UInt8], count: Int) -> [Float] {
        var out: [Float] = []
        let bs = type.blockSize
        for b in 0..<(count / bs) {
            let base = b * type.blockBytes
            let d = bytes.withUnsafeBytes { $0.loadUnaligned(fromByteOffset: base, as: Float.self) }
            let q = type == .q8_K ? base + 4 : base + type.blockBytes - bs
            for j in 0..<bs { out.append(Float(Int8(bitPattern: bytes[q + j])) * d) }
        }
        return out
    }

    func testKernelsMatchDequantizedMath() throws {
        var rng = RNG(state: 42)
        let n = 512
        for type in [GGMLType.q4_0, .q4_1, .q5_0, .q5_1, .q8_0, .q4_K, .q5_K, .q6_K] {
            guard let act = QuantizeActivations.activationType(for: type), let kernel = QuantDot.kernel(for: type) else {
                XCTFail("no kernel for \(type)"); continue
            }
            for _ in 0..<4 {
                let w = Self.randomWeights(type, count: n, rng: &rng)
                let x = (0..<n).map { _ in rng.float() * 3 }
                var a = [UInt8](repeating: 0, count: act.byteCount(elements: n) ?? 0)
                a.withUnsafeMutableBytes { dst in
                    x.withUnsafeBufferPointer { QuantizeActivations.quantize($0.baseAddress!, to: act, dst.baseAddress!, count: n) }
                }
                var wf = [Float](repeating: 0, count: n)
                try w.withUnsafeBytes { src in try wf.withUnsafeMutableBufferPointer { try Dequantize.toF32(type, src: src, dst: $0, count: n) } }
                let af = Self.dequantizeActivations(act, a, count: n)
                var exact = 0.0, magnitude = 0.0
                for i in 0..<n { exact += Double(wf[i]) * Double(af[i]); magnitude += abs(Double(wf[i]) * Double(af[i])) }
                let got = w.withUnsafeBytes { wb in a.withUnsafeBytes { ab in kernel(wb.baseAddress!, ab.baseAddress!, n) } }
                XCTAssertEqual(Double(got), exact, accuracy: 2e-5 * magnitude + 1e-6, "\(type)")
                // The activation rounding itself stays within half a step per value.
                var approx = 0.0
                for i in 0..<n { approx += Double(wf[i]) * Double(x[i]) }
                XCTAssertEqual(Double(got), approx, accuracy: 0.02 * magnitude + 1e-3, "\(type) vs F32 activations")
            }
        }
    }
}

final class HalfBitsTests: XCTestCase {
    func testEveryHalfConvertsExactly() {
        for bits in 0...UInt16.max {
            let want = Float(Float16(bitPattern: bits)), got = halfBitsToFloat(bits)
            if want.isNaN { XCTAssertTrue(got.isNaN, "\(bits)"); continue }
            XCTAssertEqual(got.bitPattern, want.bitPattern, "half bits \(bits)")
        }
    }
}
