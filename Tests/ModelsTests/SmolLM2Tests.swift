import Checkpoint
import Foundation
import Models
import XCTest

/// SmolLM2-135M (llama) against the exact float64 reference and llama.cpp.
final class SmolLM2Tests: XCTestCase {
    static let goldenDir = "smollm2-135m/"

    func prompts() throws -> [GoldenPrompt] {
        let j = try Fixtures.json(Self.goldenDir + "logits_numpy_ref_smollm2_135m.json")
        return (j["items"] as? [[String: Any]] ?? []).map(GoldenPrompt.init)
    }

    func testReferenceLogitsMatchExactMath() throws {
        let g = try Fixtures.model(Fixtures.smolPath)
        let model = try ModelRegistry.standard.load(gguf: g, mode: .reference)
        let ps = try prompts()
        XCTAssertEqual(ps.count, 6)
        for p in ps {
            let exact = try Fixtures.f32(Self.goldenDir + "logits_ref_last_\(p.name).f32")
            let cache = model.makeCache(maxTokens: 256)
            let logits = try model.forward(tokens: p.ids, cache: cache)
            var maxErr: Float = 0
            for (a, b) in zip(logits.last, exact) { maxErr = max(maxErr, abs(a - b)) }
            print("reference \(p.name): max |logit diff| = \(maxErr)")
            XCTAssertLessThanOrEqual(maxErr, 1e-3, p.name)
        }
    }
}

extension SmolLM2Tests {
    func testFastPathIsAsCloseToExactMathAsLlamaCpp() throws {
        let g = try Fixtures.model(Fixtures.smolPath)
        let model = try ModelRegistry.standard.load(gguf: g, mode: .fast, threads: 2)
        var ours = 0.0, peer = 0.0, n = 0
        for p in try prompts() {
            let exact = try Fixtures.f32(Self.goldenDir + "logits_ref_last_\(p.name).f32")
            let llama = try Fixtures.f32(Self.goldenDir + "logits_last_\(p.name).f32")
            let logits = try model.forward(tokens: p.ids, cache: model.makeCache(maxTokens: 256))
            var maxErr: Float = 0, sum = 0.0, peerSum = 0.0
            for i in 0..<exact.count {
                let e = abs(logits.last[logits.last.startIndex + i] - exact[i])
                maxErr = max(maxErr, e)
                sum += Double(e)
                peerSum += Double(abs(llama[i] - exact[i]))
            }
            print("fast \(p.name): max |diff| \(maxErr), mean |diff| \(sum / Double(exact.count)), llama.cpp mean \(peerSum / Double(exact.count))")
            ours += sum; peer += peerSum; n += exact.count
            if p.margins.first.map({ $0 >= 0.5 }) ?? false {
                XCTAssertEqual(argmax(logits.last), Int(p.greedy[0]), "top-1 of \(p.name)")
            }
        }
        print("fast mean |diff| over all prompts: \(ours / Double(n)) vs llama.cpp \(peer / Double(n))")
        XCTAssertLessThanOrEqual(ours, 1.1 * peer)
    }

    func testGreedyContinuationsMatchExactMath() throws {
        let g = try Fixtures.model(Fixtures.smolPath)
        for (mode, margin) in [(ComputeMode.reference, 0.1), (.fast, 0.5)] {
            let model = try ModelRegistry.standard.load(gguf: g, mode: mode, threads: 2)
            for p in try prompts() {
                let k = comparablePrefix(p.margins, margin: margin)
                let got = try greedy(model, prompt: p.ids, steps: k)
                print("\(mode) greedy \(p.name): \(k) comparable steps")
                XCTAssertEqual(got, Array(p.greedy.prefix(k)), "\(mode) \(p.name)")
            }
        }
    }
}
