import Kernels
import Models
import XCTest

/// The profile hooks of the decoder architectures: a forward pass with `LoadOptions.profiler` charges time
/// to each op kind it runs; the same logits as without a profiler.
final class ProfileHookTests: XCTestCase {
    func testForwardChargesEveryOpKind() throws {
        for arch in [TinyModel.Arch.llama, .gemma3] {
            let gguf = try TinyModel(arch).write()
            let profiler = Profiler()
            let profiled = try ModelRegistry.standard.load(gguf: gguf, options: LoadOptions(mode: .fast, threads: 2, profiler: profiler))
            let plain = try ModelRegistry.standard.load(gguf: gguf, options: LoadOptions(mode: .fast, threads: 2))
            let tokens: [Int32] = [1, 5, 9, 2, 7]
            let a = try profiled.forward(tokens: tokens, cache: profiled.makeCache(maxTokens: 8))
            let b = try plain.forward(tokens: tokens, cache: plain.makeCache(maxTokens: 8))
            XCTAssertEqual(a.values, b.values, "\(arch)")
            let ops = Set(profiler.entries().map(\.op.description))
            for op in ["attention", "norm", "rope", "activation", "residual add", "embedding", "output", "kv cache write"] {
                XCTAssertTrue(ops.contains(op), "\(arch): \(op) missing from \(ops.sorted())")
            }
            XCTAssertTrue(ops.contains { $0.hasPrefix("matmul ") }, "\(arch): \(ops.sorted())")
            let layers = profiled.config.layerCount
            let calls = Dictionary(uniqueKeysWithValues: profiler.entries().map { ($0.op, $0.calls) })
            XCTAssertEqual(calls[.attention], layers, "\(arch)")
            XCTAssertEqual(calls[.embedding], 1, "\(arch)")
        }
    }
}
