import Checkpoint
import Foundation
import Kernels
import TestSupport
import XCTest

final class DequantizeTests: XCTestCase {
    func le16(_ v: UInt16) -> [UInt8] { [UInt8(v & 0xFF), UInt8(v >> 8)] }
    func f16(_ x: Float) -> [UInt8] { le16(f32ToF16(x)) }

    func dequant(_ type: GGMLType, _ bytes: [UInt8]) throws -> [Float] {
        let n = bytes.count / type.typeSize * type.blockSize
        var out = [Float](repeating: .nan, count: n)
        try bytes.withUnsafeBytes { src in
            try out.withUnsafeMutableBufferPointer { try Dequantize.toF32(type, src: src, dst: $0, count: n, tensor: "t") }
        }
        return out
    }

    /// Hand-made blocks whose values follow from the layout by hand.
    func testHardCodedBlocks() throws {
        // Q4_0: d = 0.5, nibbles j → value (j − 8)·0.5; byte k holds value k (low) and k+16 (high).
        let q40 = f16(0.5) + (0..<16).map { UInt8($0) | UInt8((15 - $0) << 4) }
        XCTAssertEqual(try dequant(.q4_0, q40), (0..<16).map { Float($0 - 8) * 0.5 } + (0..<16).map { Float(15 - $0 - 8) * 0.5 })
        // Q4_1: d = 2, m = −1: value = q·2 − 1.
        let q41 = f16(2) + f16(-1) + [UInt8](repeating: 0x31, count: 16)
        XCTAssertEqual(try dequant(.q4_1, q41), [Float](repeating: 1, count: 16) + [Float](repeating: 5, count: 16))
        // Q5_0: all high bits set for values 0‥15 only: low half (q|16) − 16 = q, high half q − 16.
        let q50 = f16(1) + [0xFF, 0xFF, 0x00, 0x00] + [UInt8](repeating: 0x21, count: 16)
        XCTAssertEqual(try dequant(.q5_0, q50), [Float](repeating: 1, count: 16) + [Float](repeating: -14, count: 16))
        // Q5_1: high bits for values 16‥31 only, d = 1, m = 0.5.
        let q51 = f16(1) + f16(0.5) + [0x00, 0x00, 0xFF, 0xFF] + [UInt8](repeating: 0x21, count: 16)
        XCTAssertEqual(try dequant(.q5_1, q51), [Float](repeating: 1.5, count: 16) + [Float](repeating: 18.5, count: 16))
        // Q8_0: d = 0.25, values −16‥15.
        let q80 = f16(0.25) + (0..<32).map { UInt8(bitPattern: Int8($0 - 16)) }
        XCTAssertEqual(try dequant(.q8_0, q80), (0..<32).map { Float($0 - 16) * 0.25 })
        // Q8_K: d = 0.5 (f32), 256 values, block sums ignored.
        let d: Float = 0.5
        let q8k = withUnsafeBytes(of: d.bitPattern.littleEndian) { Array($0) } + (0..<256).map { UInt8(bitPattern: Int8(truncatingIfNeeded: $0 - 128)) } + [UInt8](repeating: 0, count: 32)
        XCTAssertEqual(try dequant(.q8_K, q8k), (0..<256).map { Float($0 - 128) * 0.5 })
        // Q4_K: d = 1, dmin = 1; sub-block scales 1‥8 (j < 4 in bytes 0‥3, j ≥ 4 packed in 8‥11), mins 0.
        var scales = [UInt8](repeating: 0, count: 12)
        for j in 0..<4 { scales[j] = UInt8(j + 1) }
        for j in 4..<8 { scales[j + 4] = UInt8(j + 1) }  // low 4 bits of the scale; top bits stay 0
        let q4k = f16(1) + f16(1) + scales + [UInt8](repeating: 0x21, count: 128)
        let got = try dequant(.q4_K, q4k)
        for sub in 0..<8 { XCTAssertEqual(got[sub * 32], Float(sub + 1) * (sub % 2 == 0 ? 1 : 2), "sub-block \(sub)") }
        // Q6_K: d = 1, every scale 2, all quants 32 (so value 0) except via low nibble 1 → (33 − 32)·2 = 2.
        let q6k = [UInt8](repeating: 0x11, count: 128) + [UInt8](repeating: 0xAA, count: 64) + [UInt8](repeating: 2, count: 16) + f16(1)
        XCTAssertEqual(try dequant(.q6_K, q6k), [Float](repeating: 2, count: 256))
    }

    func testUnsupportedTypeError() {
        XCTAssertThrowsError(try dequant(.iq2_xxs, [UInt8](repeating: 0, count: 66))) {
            XCTAssertEqual("\($0)", "tensor 't' has type IQ2_XXS, which Owl cannot dequantize yet; supported: F32, F16, BF16, Q4_0, Q4_1, Q5_0, Q5_1, Q8_0, Q2_K, Q3_K, Q4_K, Q5_K, Q6_K, Q8_K")
        }
    }

    /// Random blocks (with sane f16 scales) dequantized here and by the `gguf` Python package must agree.
    func testAgainstPythonGGUF() throws {
        let types: [GGMLType] = [.f16, .bf16, .q4_0, .q4_1, .q5_0, .q5_1, .q8_0, .q2_K, .q3_K, .q4_K, .q5_K, .q6_K]
        // Byte offsets of f16 scale fields in each block (random bits there could be NaN or huge).
        let halfFields: [GGMLType: [Int]] = [.q4_0: [0], .q4_1: [0, 2], .q5_0: [0], .q5_1: [0, 2], .q8_0: [0],
                                             .q2_K: [80, 82], .q3_K: [108], .q4_K: [0, 2], .q5_K: [0, 2], .q6_K: [208]]
        var rng = SystemRandomNumberGenerator()
        let dir = try temporaryDirectory(self)
        for type in types {
            let blocks = 64
            var bytes = (0..<(blocks * type.typeSize)).map { _ in UInt8.random(in: 0...255, using: &rng) }
            if type == .f16 || type == .bf16 {
                for i in 0..<(bytes.count / 2) {
                    let v = Float.random(in: -4...4, using: &rng)
                    let h = type == .f16 ? f32ToF16(v) : f32ToBF16(v)
                    bytes[2 * i] = UInt8(h & 0xFF); bytes[2 * i + 1] = UInt8(h >> 8)
                }
            }
            for b in 0..<blocks {
                for off in halfFields[type] ?? [] {
                    let h = f32ToF16(Float.random(in: -0.1...0.1, using: &rng))
                    bytes[b * type.typeSize + off] = UInt8(h & 0xFF)
                    bytes[b * type.typeSize + off + 1] = UInt8(h >> 8)
                }
            }
            let path = dir + "/\(type.name).bin"
            _ = FileManager.default.createFile(atPath: path, contents: Data(bytes))
            let script = """
            import sys, numpy as np, gguf
            from gguf.quants import dequantize
            t = gguf.GGMLQuantizationType[sys.argv[2]]
            raw = np.fromfile(sys.argv[1], dtype=np.uint8)
            if t.name in ("F16", "BF16"):
                raw = raw.reshape(-1, 2)
            else:
                raw = raw.reshape(-1, gguf.GGML_QUANT_SIZES[t][1])
            sys.stdout.buffer.write(np.asarray(dequantize(raw, t), dtype=np.float32).tobytes())
            """
            let out = try runPython(script, [path, type.name])
            let expected = out.withUnsafeBytes { Array($0.bindMemory(to: Float.self)) }
            let got = try dequant(type, bytes)
            XCTAssertEqual(got.count, expected.count, type.name)
            let scale = max(1e-6, expected.map(abs).max() ?? 1)
            var worst: Float = 0
            for (a, b) in zip(got, expected) { worst = max(worst, abs(a - b)) }
            XCTAssertLessThanOrEqual(worst / scale, 1e-6, "\(type.name): max relative difference \(worst / scale)")
        }
    }
}

