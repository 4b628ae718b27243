import Checkpoint
import Foundation
import Kernels
import TestSupport
import XCTest

final class ActivationQuantTests: XCTestCase {
    /// Q8_0 bytes equal gguf-py's reference quantizer (bit-exact with ggml's quantize_row_q8_0_ref).
    func testQ8_0MatchesPythonGGUF() throws {
        var rng = SplitMix64(seed: 7)
        var x = (0..<4096).map { _ in Float.random(in: -4...4, using: &rng) }
        for i in 0..<32 { x[i] = 0 }                      // an all-zero block: d = 0
        for i in 32..<64 { x[i] = Float(i - 48) / 2 }     // halves: rounding ties
        let dir = try temporaryDirectory(self)
        let path = dir + "/x.f32"
        _ = FileManager.default.createFile(atPath: path, contents: x.withUnsafeBytes { Data($0) })
        let script = """
        import sys, numpy as np, gguf
        from gguf.quants import quantize
        x = np.fromfile(sys.argv[1], dtype=np.float32).reshape(1, -1)
        sys.stdout.buffer.write(quantize(x, gguf.GGMLQuantizationType.Q8_0).tobytes())
        """
        let expected = [UInt8](try runPython(script, [path]))
        XCTAssertEqual(DotKernelTests.quantize(x, .q8_0), expected)
    }

    /// Each format's dequantized values are within half a step of the input; Q8_1 sums and Q8_K block
    /// sums match the stored quants.
    func testRoundTripAndSums() throws {
        var rng = SplitMix64(seed: 9)
        let n = 1024
        let x = (0..<n).map { _ in Float.random(in: -10...10, using: &rng) }
        for format: ActivationFormat in [.q8_0, .q8_1, .q8_1f, .q8_K] {
            let q = DotKernelTests.quantize(x, format)
            XCTAssertEqual(q.count, n / format.blockSize * format.typeSize)
            let back = try DotKernelTests.dequantized(q, format, count: n)
            for b in 0..<(n / format.blockSize) {
                let block = b * format.blockSize..<(b + 1) * format.blockSize
                let amax = block.map { abs(x[$0]) }.max() ?? 0
                let step = amax / 127
                for i in block {
                    XCTAssertEqual(back[i], x[i], accuracy: step * 0.5 + amax * 1e-3, "\(format) value \(i)")
                }
            }
            if format == .q8_1 {
                for b in 0..<(n / 32) {
                    let d = f16ToF32(UInt16(q[b * 36]) | UInt16(q[b * 36 + 1]) << 8)
                    let s = f16ToF32(UInt16(q[b * 36 + 2]) | UInt16(q[b * 36 + 3]) << 8)
                    let sum = (0..<32).reduce(0) { $0 + Int(Int8(bitPattern: q[b * 36 + 4 + $1])) }
                    XCTAssertEqual(s, d * Float(sum), accuracy: abs(d * Float(sum)) / 1000 + 1e-6)
                }
            }
            if format == .q8_1f {
                // s is d·Σq in F32: the same product rounded once.
                q.withUnsafeBytes { p in
                    for b in 0..<(n / 32) {
                        let d = p.loadUnaligned(fromByteOffset: b * 40, as: Float.self)
                        let s = p.loadUnaligned(fromByteOffset: b * 40 + 4, as: Float.self)
                        let sum = (0..<32).reduce(0) { $0 + Int(p.load(fromByteOffset: b * 40 + 8 + $1, as: Int8.self)) }
                        XCTAssertEqual(s, d * Float(sum), "block \(b)")
                    }
                }
            }
            if format == .q8_K {
                for b in 0..<(n / 256) {
                    for g in 0..<16 {
                        let base = b * 292
                        let sum = (0..<16).reduce(0) { $0 + Int(Int8(bitPattern: q[base + 4 + 16 * g + $1])) }
                        let stored = Int(Int16(bitPattern: UInt16(q[base + 260 + 2 * g]) | UInt16(q[base + 261 + 2 * g]) << 8))
                        XCTAssertEqual(stored, sum, "block \(b) group \(g)")
                    }
                }
            }
        }
    }

    /// NaN and infinity in activations give zeros instead of a trap (a diverging model must not crash).
    func testNonFiniteInputsDoNotTrap() {
        var x = [Float](repeating: 1, count: 256)
        x[3] = .nan; x[100] = .infinity
        for format: ActivationFormat in [.q8_0, .q8_1, .q8_1f, .q8_K] {
            XCTAssertEqual(DotKernelTests.quantize(x, format).count, format.rowBytes(256))
        }
    }
}
