import Checkpoint
import Foundation
import Models
import XCTest

/// A batched forward over several sequences (each with its own cache, tokens and positions) gives each
/// sequence the logits it gets alone.
final class BatchedForwardTests: XCTestCase {
    /// One sequence: what its cache holds before the batched call, the tokens the batch appends, then one
    /// decode token appended by a second batched call.
    struct Sequence {
        let history: [Int32]
        let new: [Int32]
        let next: Int32
    }

    /// Largest |a − b| over the largest |b| (relative to the logits' scale).
    func relativeError(_ a: ArraySlice<Float>, _ b: ArraySlice<Float>) -> Float {
        let scale = b.reduce(Float(0)) { max($0, abs($1)) }
        return zip(a, b).reduce(Float(0)) { max($0, abs($1.0 - $1.1)) } / max(scale, 1e-6)
    }

    func prefilledCache(_ model: any LanguageModel, _ s: Sequence) throws -> KVCache {
        let cache = model.makeCache(maxTokens: s.history.count + s.new.count + 1)
        if !s.history.isEmpty { _ = try model.forward(tokens: s.history, cache: cache) }
        return cache
    }

    /// Each sequence alone, then all together (a prefill-like call with every logit row, then a decode step
    /// with the last row only); every row must agree within `tolerance` relative error.
    func check(_ model: any LanguageModel, _ seqs: [Sequence], tolerance: Float, label: String) throws {
        var alone: [(Logits, Logits)] = []
        let caches = try seqs.map { try prefilledCache(model, $0) }
        for (s, cache) in zip(seqs, caches) {
            let first = try model.forward(tokens: s.new, cache: cache, wantAllLogits: true)
            let second = try model.forward(tokens: [s.next], cache: cache)
            alone.append((first, second))
            cache.truncate(to: s.history.count)  // back to the history for the batched run
        }
        let first = try model.forward(batch: zip(seqs, caches).map { SequenceInput(tokens: $0.new, cache: $1, wantAllLogits: true) })
        let second = try model.forward(batch: zip(seqs, caches).map { SequenceInput(tokens: [$0.next], cache: $1) })
        XCTAssertEqual(first.count, seqs.count)
        XCTAssertEqual(second.count, seqs.count)
        for (k, s) in seqs.enumerated() {
            XCTAssertEqual(caches[k].count, s.history.count + s.new.count + 1, "\(label) sequence \(k) cache length")
            XCTAssertEqual(first[k].positions, s.new.count)
            XCTAssertEqual(second[k].positions, 1)
            var worst: Float = 0
            for i in 0..<s.new.count { worst = max(worst, relativeError(first[k].row(i), alone[k].0.row(i))) }
            worst = max(worst, relativeError(second[k].last, alone[k].1.last))
            print("\(label) sequence \(k) (at \(s.history.count), +\(s.new.count)): max relative logit difference \(worst)")
            XCTAssertLessThanOrEqual(worst, tolerance, "\(label) sequence \(k)")
        }
    }

    func smolPrompts() throws -> [[Int32]] {
        let j = try Fixtures.json("smollm2-135m/logits_numpy_ref_smollm2_135m.json")
        return (j["items"] as? [[String: Any]] ?? []).map { GoldenPrompt($0).ids }
    }

    func testSmolLM2BatchedEqualsSeparate() throws {
        let prompts = try smolPrompts()
        XCTAssertGreaterThanOrEqual(prompts.count, 2)
        let a = prompts[0], b = prompts[1]
        // Different lengths and positions: a decode step deep in a sequence, a fresh prompt, a chunk mid-sequence.
        let seqs = [
            Sequence(history: a + b, new: [a[0]], next: b[1]),
            Sequence(history: [], new: b, next: a[2]),
            Sequence(history: Array(a.prefix(5)), new: Array(b.prefix(4)), next: a[1]),
        ]
        for mode in [ComputeMode.fast, .reference] {
            let model = try ModelRegistry.standard.load(gguf: Fixtures.model(Fixtures.smolPath), mode: mode, threads: 2)
            // The quantized path rounds each row on its own, so it is the same arithmetic; BLAS may block differently.
            try check(model, seqs, tolerance: mode == .fast ? 1e-6 : 1e-4, label: "smollm2 \(mode)")
        }
    }

    func testGemma3BatchedEqualsSeparateAcrossSlidingWindow() throws {
        let long = try GoldenPrompt(Fixtures.json("gemma3-270m/logits_gemma3_long_exact.json")).ids
        XCTAssertEqual(long.count, 700)
        // The first sequence attends past the 512-position window of the local layers.
        let seqs = [
            Sequence(history: Array(long.prefix(530)), new: Array(long[530..<533]), next: long[533]),
            Sequence(history: [], new: Array(long.prefix(9)), next: long[9]),
            Sequence(history: Array(long.prefix(40)), new: [long[40]], next: long[41]),
        ]
        let model = try ModelRegistry.standard.load(gguf: Fixtures.model(Fixtures.gemmaPath), mode: .fast, threads: 2)
        try check(model, seqs, tolerance: 1e-6, label: "gemma3 fast")
    }

    func testBatchErrorsLeaveEveryCacheUnchanged() throws {
        let model = try ModelRegistry.standard.load(gguf: TinyModel(.llama).write(), mode: .fast)
        let a = model.makeCache(maxTokens: 8), b = model.makeCache(maxTokens: 4)
        _ = try model.forward(tokens: [1, 2, 3], cache: a)
        let cases: [(String, [SequenceInput], ModelError)] = [
            ("same cache twice", [SequenceInput(tokens: [4], cache: a), SequenceInput(tokens: [5], cache: a)], .cacheInBatchTwice),
            ("second does not fit", [SequenceInput(tokens: [4], cache: a), SequenceInput(tokens: [1, 2, 3, 4, 5], cache: b)],
             .contextFull(needed: 5, capacity: 4)),
            ("empty sequence", [SequenceInput(tokens: [4], cache: a), SequenceInput(tokens: [], cache: b)], .emptyInput),
            ("empty batch", [], .emptyInput),
        ]
        for (name, batch, expected) in cases {
            XCTAssertThrowsError(try model.forward(batch: batch), name) { XCTAssertEqual($0 as? ModelError, expected, name) }
            XCTAssertEqual(a.count, 3, name)
            XCTAssertEqual(b.count, 0, name)
        }
        XCTAssertEqual(ModelError.cacheInBatchTwice.description,
                       "the same KV cache appears twice in one batched forward; give each sequence its own cache (makeCache)")
    }

    /// A prompt longer than `prefillChunk` runs in chunks; prompt rows never depend on the other rows of a
    /// call, so its logits and cache equal one call over the whole prompt, bit for bit. A bad token in the
    /// last chunk is found before the first chunk runs.
    func testChunkedPrefillEqualsOneCall() throws {
        let long = try GoldenPrompt(Fixtures.json("gemma3-270m/logits_gemma3_long_exact.json")).ids
        let model = try ModelRegistry.standard.load(gguf: Fixtures.model(Fixtures.gemmaPath), mode: .fast, threads: 2)
        let prompt = Array(long.prefix(2 * model.prefillChunk + 37))
        let whole = model.makeCache(maxTokens: prompt.count + 1), chunked = model.makeCache(maxTokens: prompt.count + 1)
        let one = try model.forward(batch: [SequenceInput(tokens: prompt, cache: whole)])[0]
        let split = try model.forward(tokens: prompt, cache: chunked)
        XCTAssertEqual(chunked.count, prompt.count)
        XCTAssertEqual(Array(split.last), Array(one.last))
        let next = long[prompt.count]
        XCTAssertEqual(Array(try model.forward(tokens: [next], cache: chunked).last),
                       Array(try model.forward(tokens: [next], cache: whole).last), "decode step after the chunked prompt")

        let fresh = model.makeCache(maxTokens: prompt.count + 1)
        var bad = prompt
        bad[bad.count - 1] = Int32(model.config.vocabularySize)
        XCTAssertThrowsError(try model.forward(tokens: bad, cache: fresh)) {
            XCTAssertEqual($0 as? ModelError, .invalidToken(id: Int32(model.config.vocabularySize),
                                                           vocabularySize: model.config.vocabularySize))
        }
        XCTAssertEqual(fresh.count, 0, "nothing written when a later chunk is bad")
        let small = model.makeCache(maxTokens: prompt.count - 1)
        XCTAssertThrowsError(try model.forward(tokens: prompt, cache: small))
        XCTAssertEqual(small.count, 0, "nothing written when the prompt does not fit")
    }

    /// A sequence that asks for no logits (a prompt chunk that does not end the prompt) still fills its
    /// cache, gets an empty `Logits`, and leaves the other sequences' logits as they are.
    func testSequenceWithoutLogits() throws {
        let model = try ModelRegistry.standard.load(gguf: TinyModel(.llama).write(), mode: .fast)
        let a = model.makeCache(maxTokens: 8), b = model.makeCache(maxTokens: 8), c = model.makeCache(maxTokens: 8)
        let out = try model.forward(batch: [SequenceInput(tokens: [1, 2, 3], cache: a, wantLogits: false),
                                            SequenceInput(tokens: [4, 5], cache: b)])
        XCTAssertEqual(out.map(\.positions), [0, 1])
        XCTAssertEqual(out[0].values.count, 0)
        XCTAssertEqual([a.count, b.count], [3, 2])
        XCTAssertEqual(Array(out[1].last), Array(try model.forward(tokens: [4, 5], cache: c).last))
        let next = try model.forward(tokens: [6], cache: a), fresh = model.makeCache(maxTokens: 8)
        _ = try model.forward(batch: [SequenceInput(tokens: [1, 2, 3], cache: fresh)])
        XCTAssertEqual(Array(next.last), Array(try model.forward(tokens: [6], cache: fresh).last), "the cache filled without logits")
    }
}
