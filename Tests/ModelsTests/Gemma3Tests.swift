import Checkpoint
import Foundation
import Models
import XCTest

/// Gemma 3 270M against the exact float64 reference (tools/reference/owl_reference.py).
final class Gemma3Tests: XCTestCase {
    static let goldenDir = "gemma3-270m/"

    func prompts() throws -> [GoldenPrompt] {
        let j = try Fixtures.json(Self.goldenDir + "logits_gemma3_270m_exact.json")
        return (j["prompts"] as? [[String: Any]] ?? []).map(GoldenPrompt.init)
    }

    func longPrompt() throws -> GoldenPrompt {
        var j = try Fixtures.json(Self.goldenDir + "logits_gemma3_long_exact.json")
        j["name"] = "long"
        return GoldenPrompt(j)
    }

    func testReferenceTop20MatchesExactMath() throws {
        let model = try ModelRegistry.standard.load(gguf: Fixtures.model(Fixtures.gemmaPath), mode: .reference)
        for p in try prompts() {
            let logits = try model.forward(tokens: p.ids, cache: model.makeCache(maxTokens: 64))
            var maxErr = 0.0
            for (id, v) in p.top { maxErr = max(maxErr, abs(Double(logits.last[logits.last.startIndex + id]) - v)) }
            print("gemma3 reference \(p.name): max |top-20 logit diff| = \(maxErr)")
            XCTAssertLessThanOrEqual(maxErr, 1e-3, p.name)
        }
    }

    func testReferenceGreedyMatchesExactMath() throws {
        let model = try ModelRegistry.standard.load(gguf: Fixtures.model(Fixtures.gemmaPath), mode: .reference, threads: 2)
        for p in try prompts() {
            let k = comparablePrefix(p.margins, margin: 0.1)
            let got = try greedy(model, prompt: p.ids, steps: k)
            print("gemma3 reference greedy \(p.name): \(k) comparable steps")
            XCTAssertEqual(got, Array(p.greedy.prefix(k)), p.name)
        }
    }

    func testReferenceLongPromptExercisesSlidingWindow() throws {
        let model = try ModelRegistry.standard.load(gguf: Fixtures.model(Fixtures.gemmaPath), mode: .reference, threads: 2)
        let p = try longPrompt()
        XCTAssertEqual(p.ids.count, 700)
        let exact = try Fixtures.f32(Self.goldenDir + "logits_gemma3_long_exact_last.f32")
        let cache = model.makeCache(maxTokens: 720)
        let logits = try model.forward(tokens: p.ids, cache: cache)
        var maxErr: Float = 0
        for (a, b) in zip(logits.last, exact) { maxErr = max(maxErr, abs(a - b)) }
        print("gemma3 reference long (700 tokens): max |logit diff| = \(maxErr)")
        XCTAssertLessThanOrEqual(maxErr, 1e-3)
        // Greedy steps continue from the same cache (positions 700…, still past the window).
        let k = comparablePrefix(p.margins, margin: 0.1)
        var got: [Int32] = []
        var last = logits
        for s in 0..<k {
            got.append(Int32(argmax(last.last)))
            if s + 1 < k { last = try model.forward(tokens: [got[s]], cache: cache) }
        }
        print("gemma3 reference long greedy: \(k) comparable steps")
        XCTAssertEqual(got, Array(p.greedy.prefix(k)))
    }
}

extension Gemma3Tests {
    func testFastPathTop1AndGreedyMatchExactMath() throws {
        let model = try ModelRegistry.standard.load(gguf: Fixtures.model(Fixtures.gemmaPath), mode: .fast, threads: 2)
        for p in try prompts() {
            let logits = try model.forward(tokens: p.ids, cache: model.makeCache(maxTokens: 64))
            var maxErr = 0.0
            for (id, v) in p.top { maxErr = max(maxErr, abs(Double(logits.last[logits.last.startIndex + id]) - v)) }
            print("gemma3 fast \(p.name): max |top-20 logit diff| = \(maxErr)")
            if p.margins[0] >= 0.5 { XCTAssertEqual(argmax(logits.last), Int(p.greedy[0]), "top-1 of \(p.name)") }
            let k = comparablePrefix(p.margins, margin: 0.5)
            let got = try greedy(model, prompt: p.ids, steps: k)
            print("gemma3 fast greedy \(p.name): \(k) comparable steps")
            XCTAssertEqual(got, Array(p.greedy.prefix(k)), p.name)
        }
    }

    func testFastPathLongPromptTop1() throws {
        let model = try ModelRegistry.standard.load(gguf: Fixtures.model(Fixtures.gemmaPath), mode: .fast, threads: 2)
        let p = try longPrompt()
        let exact = try Fixtures.f32(Self.goldenDir + "logits_gemma3_long_exact_last.f32")
        let start = Date()
        let logits = try model.forward(tokens: p.ids, cache: model.makeCache(maxTokens: 720))
        var maxErr: Float = 0, sum = 0.0
        for (a, b) in zip(logits.last, exact) { maxErr = max(maxErr, abs(a - b)); sum += Double(abs(a - b)) }
        print("gemma3 fast long: \(Date().timeIntervalSince(start)) s, max |diff| \(maxErr), mean |diff| \(sum / Double(exact.count))")
        XCTAssertGreaterThanOrEqual(p.margins[0], 0.5)
        XCTAssertEqual(argmax(logits.last), Int(p.greedy[0]))
    }
}
