import Checkpoint
import Foundation
import Models
import XCTest

/// Shapes, KV-cache behaviour and load errors on tiny random models of each architecture.
final class TinyModelTests: XCTestCase {
    static let cases: [(TinyModel.Arch, ComputeMode)] = [(.llama, .reference), (.llama, .fast), (.gemma3, .reference), (.gemma3, .fast)]
    static let prompt: [Int32] = [5, 17, 3, 88, 42, 7, 19, 60, 2, 31, 9, 77]

    func load(_ arch: TinyModel.Arch, _ mode: ComputeMode, threads: Int = 1) throws -> any LanguageModel {
        try ModelRegistry.standard.load(gguf: TinyModel(arch).write(), mode: mode, threads: threads)
    }

    func maxDiff(_ a: ArraySlice<Float>, _ b: ArraySlice<Float>) -> Float {
        zip(a, b).reduce(0) { max($0, abs($1.0 - $1.1)) }
    }

    func testShapes() throws {
        for (arch, mode) in Self.cases {
            let m = try load(arch, mode)
            let cache = m.makeCache(maxTokens: 32)
            let all = try m.forward(tokens: Self.prompt, cache: cache, wantAllLogits: true)
            XCTAssertEqual(all.positions, Self.prompt.count)
            XCTAssertEqual(all.values.count, Self.prompt.count * 96)
            XCTAssertEqual(cache.count, Self.prompt.count)
            let one = try m.forward(tokens: [4], cache: cache)
            XCTAssertEqual(one.positions, 1)
            XCTAssertEqual(one.last.count, 96)
            XCTAssertTrue(one.values.allSatisfy(\.isFinite), "\(arch) \(mode)")
            XCTAssertEqual(cache.count, Self.prompt.count + 1)
        }
    }

    /// A prompt in one batch and the same prompt one token at a time give the same logits at every position.
    func testPrefillEqualsTokenByTokenDecode() throws {
        for (arch, mode) in Self.cases {
            let m = try load(arch, mode, threads: 2)
            let batch = try m.forward(tokens: Self.prompt, cache: m.makeCache(maxTokens: 32), wantAllLogits: true)
            let cache = m.makeCache(maxTokens: 32)
            for (i, t) in Self.prompt.enumerated() {
                let step = try m.forward(tokens: [t], cache: cache)
                // BLAS GEMM and GEMV round differently; on the quantized path prompt rows round activations
                // to Q8_1F (F32 scale per 32 values) for the panels, decode rows to the dot kernels' Q8_0/Q8_K.
                let scale = batch.row(i).reduce(Float(0)) { max($0, abs($1)) }
                let relative = maxDiff(step.last, batch.row(i)) / max(scale, 1e-6)
                print("\(arch) \(mode) position \(i): max |prefill − decode| / max |logit| = \(relative)")
                XCTAssertLessThanOrEqual(relative, mode == .fast ? 1e-2 : 1e-5, "\(arch) \(mode) position \(i)")
            }
        }
    }

    /// Truncating the cache to a shared prefix and continuing equals computing the new sequence from scratch.
    func testPrefixReuse() throws {
        for (arch, mode) in Self.cases {
            let m = try load(arch, mode)
            let prefix = Array(Self.prompt.prefix(7))
            let cache = m.makeCache(maxTokens: 32)
            _ = try m.forward(tokens: Self.prompt, cache: cache)
            cache.truncate(to: prefix.count)
            XCTAssertEqual(cache.count, 7)
            let reused = try m.forward(tokens: [50, 51, 52], cache: cache)
            let fresh = try m.forward(tokens: prefix + [50, 51, 52], cache: m.makeCache(maxTokens: 32))
            XCTAssertLessThanOrEqual(maxDiff(reused.last, fresh.last), 1e-4, "\(arch) \(mode)")
        }
    }

    /// Gemma's local layers only see the last `window` positions. With every one of the 3 layers local
    /// (window 4), the last position's receptive field reaches 3·(4−1) = 9 positions back, so tokens
    /// before that change nothing.
    func testSlidingWindowHidesOldTokens() throws {
        var tiny = TinyModel(.gemma3)
        tiny.extraMetadata = [("gemma3.attention.sliding_window_pattern", .array(.bool, Array(repeating: .bool(true), count: 3)))]
        let m = try ModelRegistry.standard.load(gguf: tiny.write(), mode: .reference)
        let shared: [Int32] = [10, 11, 12, 13, 14, 15, 16, 17, 18, 19]
        let a = try m.forward(tokens: [1, 2, 3, 4] + shared, cache: m.makeCache(maxTokens: 16))
        let b = try m.forward(tokens: [9, 8, 7, 6] + shared, cache: m.makeCache(maxTokens: 16))
        XCTAssertLessThanOrEqual(maxDiff(a.last, b.last), 1e-5)
        // Position 4 is the oldest one the last position (13) still reaches: changing it matters.
        let b1 = try m.forward(tokens: [1, 2, 3, 4, 90] + shared.dropFirst(), cache: m.makeCache(maxTokens: 16))
        XCTAssertGreaterThan(maxDiff(a.last, b1.last), 1e-3)
        // With the default pattern layer 2 is global and sees everything.
        let g = try load(.gemma3, .reference)
        let c = try g.forward(tokens: [1, 2, 3, 4] + shared, cache: g.makeCache(maxTokens: 16))
        let d = try g.forward(tokens: [9, 8, 7, 6] + shared, cache: g.makeCache(maxTokens: 16))
        XCTAssertGreaterThan(maxDiff(c.last, d.last), 1e-3)
    }

    func testContextFullIsATypedErrorAndLeavesTheCache() throws {
        let m = try load(.llama, .reference)
        let cache = m.makeCache(maxTokens: 8)
        _ = try m.forward(tokens: [1, 2, 3], cache: cache)
        XCTAssertThrowsError(try m.forward(tokens: Array(Self.prompt.prefix(6)), cache: cache)) { e in
            XCTAssertEqual(e as? ModelError, .contextFull(needed: 9, capacity: 8))
            XCTAssertEqual("\(e)", "the input needs 9 tokens of context but the cache holds 8; shorten the prompt or use a larger context")
        }
        XCTAssertEqual(cache.count, 3)
        XCTAssertThrowsError(try m.forward(tokens: [96], cache: cache)) { e in
            XCTAssertEqual("\(e)", "token id 96 is outside the vocabulary (0..<96)")
        }
        XCTAssertThrowsError(try m.forward(tokens: [], cache: cache)) { e in
            XCTAssertEqual(e as? ModelError, .emptyInput)
        }
    }

    func testUnknownArchitectureListsSupportedOnes() throws {
        var w = GGUFWriter()
        w.set("general.architecture", .string("mamba"))
        let path = NSTemporaryDirectory() + "owl-mamba-\(UUID().uuidString).gguf"
        try w.write(to: path)
        defer { try? FileManager.default.removeItem(atPath: path) }
        XCTAssertThrowsError(try ModelRegistry.standard.load(gguf: GGUFFile(path: path), mode: .fast)) { e in
            XCTAssertEqual("\(e)", "architecture 'mamba' is not supported; supported architectures: gemma3, llama")
        }
    }

    func testMissingTensorsAreAllNamed() throws {
        var tiny = TinyModel(.llama)
        tiny.omit = ["blk.1.ffn_up.weight", "output_norm.weight"]
        let file = try tiny.write()
        XCTAssertThrowsError(try ModelRegistry.standard.load(gguf: file, mode: .fast)) { e in
            XCTAssertEqual(e as? ModelError, .missingTensors(path: file.path, names: ["blk.1.ffn_up.weight", "output_norm.weight"]))
            XCTAssertEqual("\(e)", "\(file.path): missing tensors blk.1.ffn_up.weight, output_norm.weight; the file is incomplete or not the architecture it declares")
        }
    }

    func testSeparateOutputHeadIsUsed() throws {
        var tiny = TinyModel(.llama)
        tiny.tiedOutput = false
        let separate = try ModelRegistry.standard.load(gguf: tiny.write(), mode: .reference)
        let tied = try load(.llama, .reference)
        let a = try separate.forward(tokens: [1, 2, 3], cache: separate.makeCache(maxTokens: 8))
        let b = try tied.forward(tokens: [1, 2, 3], cache: tied.makeCache(maxTokens: 8))
        XCTAssertGreaterThan(maxDiff(a.last, b.last), 1e-3)
    }

    /// The fast path stays close to reference math on the tiny models (8-bit activation rounding only).
    func testFastPathIsCloseToReference() throws {
        for arch in [TinyModel.Arch.llama, .gemma3] {
            let file = try TinyModel(arch).write()
            let r = try ModelRegistry.standard.load(gguf: file, mode: .reference)
            let f = try ModelRegistry.standard.load(gguf: file, mode: .fast)
            let a = try r.forward(tokens: Self.prompt, cache: r.makeCache(maxTokens: 16))
            let b = try f.forward(tokens: Self.prompt, cache: f.makeCache(maxTokens: 16))
            let scale = a.last.reduce(0) { max($0, abs($1)) }
            XCTAssertLessThanOrEqual(maxDiff(a.last, b.last), 0.05 * scale, "\(arch)")
            XCTAssertGreaterThan(maxDiff(a.last, b.last), 0, "\(arch): the fast path should not be the F32 path")
        }
    }
}
