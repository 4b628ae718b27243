import Checkpoint
import Foundation
import Models
import XCTest

/// Cache precision per compute mode, its byte size, and what F16 keys and values do to the logits.
final class KVCacheTests: XCTestCase {
    func maxDiff(_ a: ArraySlice<Float>, _ b: ArraySlice<Float>) -> Float {
        zip(a, b).reduce(0) { max($0, abs($1.0 - $1.1)) }
    }

    /// Fast mode keeps keys and values in F16 (2 bytes each), reference mode in F32 (4 bytes), for every
    /// architecture; the size is layers × positions × (keyWidth + valueWidth) × bytes, positions clamped
    /// to the trained context.
    func testCachePrecisionAndSizeFollowTheMode() throws {
        let cases: [(TinyModel.Arch, ComputeMode, KVCache.Precision, Int)] = [
            (.llama, .fast, .f16, 2), (.llama, .reference, .f32, 4), (.gemma3, .fast, .f16, 2), (.gemma3, .reference, .f32, 4),
        ]
        for (arch, mode, precision, bytes) in cases {
            let m = try ModelRegistry.standard.load(gguf: TinyModel(arch).write(), mode: mode)
            XCTAssertEqual(m.cachePrecision, precision, "\(arch) \(mode)")
            let cache = m.makeCache(maxTokens: 20)
            let c = m.config
            XCTAssertEqual(cache.precision, precision, "\(arch) \(mode)")
            XCTAssertEqual(cache.byteCount, c.layerCount * 20 * (c.keyWidth + c.valueWidth) * bytes, "\(arch) \(mode)")
            let clamped = m.makeCache(maxTokens: c.contextLength + 1000)
            XCTAssertEqual(clamped.byteCount, c.layerCount * c.contextLength * (c.keyWidth + c.valueWidth) * bytes)
        }
        // SmolLM2-135M (30 layers, 3 KV heads × 64): 23 040 bytes per position in F16.
        XCTAssertEqual(KVCache.byteCount(layers: 30, capacity: 1, keyWidth: 192, valueWidth: 192, precision: .f16), 23_040)
        XCTAssertEqual(KVCache.Precision(mode: .fast), .f16)
        XCTAssertEqual(KVCache.Precision(mode: .reference), .f32)
    }

    /// A fast model with an F16 cache against the same model with an F32 cache: the rows' rounding (relative
    /// 2⁻¹¹) moves the logits a little, never a lot; decoding step by step after a prompt agrees as well.
    func testF16CacheStaysCloseToF32Cache() throws {
        let prompt: [Int32] = [5, 17, 3, 88, 42, 7, 19, 60, 2, 31, 9, 77]
        for arch in [TinyModel.Arch.llama, .gemma3] {
            let m = try ModelRegistry.standard.load(gguf: TinyModel(arch).write(), mode: .fast)
            let c = m.config
            let half = m.makeCache(maxTokens: 32)
            let full = KVCache(layers: c.layerCount, capacity: 32, keyWidth: c.keyWidth, valueWidth: c.valueWidth, precision: .f32)
            let a = try m.forward(tokens: prompt, cache: half, wantAllLogits: true)
            let b = try m.forward(tokens: prompt, cache: full, wantAllLogits: true)
            let scale = b.values.map(abs).max() ?? 1
            let d = maxDiff(a.values[...], b.values[...])
            XCTAssertLessThanOrEqual(d, 2e-2 * scale, "\(arch)")
            XCTAssertGreaterThan(d, 0, "\(arch): an F16 cache rounds keys and values, so some logit moves")
            let s1 = try m.forward(tokens: [4], cache: half), s2 = try m.forward(tokens: [4], cache: full)
            XCTAssertLessThanOrEqual(maxDiff(s1.last, s2.last), 2e-2 * scale, "\(arch) decode step")
        }
    }
}
