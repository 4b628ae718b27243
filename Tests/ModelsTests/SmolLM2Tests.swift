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
