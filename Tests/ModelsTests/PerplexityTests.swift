import Foundation
import Models
import XCTest

/// Perplexity on the shared license text, llama-perplexity's method, against its running values.
/// The token ids come from scripts/smollm2_ppl_tokens.py (a BPE oracle checked against the tokenizer
/// goldens and the golden token count); the fixture holds the first 4 chunks.
final class PerplexityTests: XCTestCase {
    func tokens() throws -> [Int32] {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures/smollm2_ppl_tokens.txt")
        let text = try String(contentsOf: url, encoding: .utf8)
        return text.split(separator: "\n").filter { !$0.hasPrefix("#") }
            .flatMap { $0.split(separator: " ").compactMap { Int32($0) } }
    }

    func golden() throws -> (exact: [Double], q4: [Double]) {
        let j = try Fixtures.json("smollm2-135m/perplexity_smollm2_135m.json")
        let exact = (j["exact_math_reference"] as? [String: Any])?["running_ppl_per_chunk"] as? [Double] ?? []
        let q4 = (j["q4_1_model"] as? [String: Any])?["running_ppl_per_chunk"] as? [Double] ?? []
        return (exact, q4)
    }

    func testReferencePerplexityMatchesExactMath() throws {
        let model = try ModelRegistry.standard.load(gguf: Fixtures.model(Fixtures.smolPath), mode: .reference)
        let ids = try tokens()
        XCTAssertEqual(ids.count, 2048)
        let report = try Perplexity.evaluate(model: model, tokens: ids, context: 512, maxChunks: 2)
        let g = try golden()
        print("reference perplexity running: \(report.running) golden \(g.exact.prefix(2))")
        XCTAssertEqual(report.predictions, 2 * 255)
        for (i, v) in report.running.enumerated() {
            XCTAssertEqual(v, g.exact[i], accuracy: 1e-3 * g.exact[i], "chunk \(i + 1)")
        }
    }

    /// The fast path's perplexity departs from exact math by no more than llama.cpp's Q4_1 run does (+10%).
    func testFastPerplexityIsAsCloseAsLlamaCpp() throws {
        let model = try ModelRegistry.standard.load(gguf: Fixtures.model(Fixtures.smolPath), mode: .fast, threads: 2)
        let report = try Perplexity.evaluate(model: model, tokens: try tokens(), context: 512, maxChunks: 1)
        let g = try golden()
        print("fast perplexity chunk 1: \(report.final); exact \(g.exact[0]), llama.cpp Q4_1 \(g.q4[0])")
        XCTAssertLessThanOrEqual(abs(report.final - g.exact[0]), 1.1 * abs(g.q4[0] - g.exact[0]))
    }
}
