import Checkpoint
import Kernels
import XCTest

/// The batched planar kernel against the block-by-block scalar reference (`QuantDot`).
final class QuantMatmulTests: XCTestCase {
    func testMatchesScalarReference() throws {
        var rng = QuantDotTests.RNG(state: 7)
        let cols = 512, rows = 6, tokens = 3
        for type in [GGMLType.q4_0, .q4_1, .q5_0, .q5_1, .q8_0, .q4_K, .q5_K, .q6_K] {
            guard let g = QuantMatmul.groupSize(type), let act = QuantizeActivations.activationType(for: type),
                  let kernel = QuantDot.kernel(for: type), let rowBytes = type.byteCount(elements: cols),
                  let actBytes = act.byteCount(elements: cols) else { XCTFail("\(type)"); continue }
            let w = QuantDotTests.randomWeights(type, count: rows * cols, rng: &rng)
            let x = (0..<(tokens * cols)).map { _ in rng.float() * 2 }
            let a = QuantMatmul.Activations(tokens: tokens, cols: cols, group: g)
            defer { a.deallocate() }
            var y = [Float](repeating: .nan, count: tokens * rows)
            var ref = [Float](repeating: .nan, count: tokens * rows)
            var blocks = [UInt8](repeating: 0, count: tokens * actBytes)
            x.withUnsafeBufferPointer { xb in
                QuantMatmul.quantize(xb.baseAddress!, for: type, into: a)
                blocks.withUnsafeMutableBytes { bb in
                    for t in 0..<tokens {
                        QuantizeActivations.quantize(xb.baseAddress! + t * cols, to: act, bb.baseAddress! + t * actBytes, count: cols)
                    }
                }
            }
            w.withUnsafeBytes { wb in
                y.withUnsafeMutableBufferPointer { yb in
                    let scratch = UnsafeMutableRawPointer.allocate(byteCount: QuantMatmul.scratchBytes(cols: cols, group: g), alignment: 64)
                    defer { scratch.deallocate() }
                    for thread in 0..<2 {
                        QuantMatmul.multiply(type, w: wb.baseAddress!, rowBytes: rowBytes, a: a, y: yb.baseAddress!,
                                             rows: rows, scratch: scratch, thread: thread, threads: 2)
                    }
                }
                blocks.withUnsafeBytes { ab in
                    ref.withUnsafeMutableBufferPointer { rb in
                        Matmul.quantized(kernel: kernel, w: wb.baseAddress!, rowBytes: rowBytes, a: ab.baseAddress!,
                                         activationRowBytes: actBytes, y: rb.baseAddress!, rows: rows, cols: cols, tokens: tokens)
                    }
                }
            }
            for i in 0..<y.count {
                XCTAssertEqual(y[i], ref[i], accuracy: 1e-4 * max(1, abs(ref[i])), "\(type) output \(i)")
            }
        }
    }
}
