import Foundation
import XCTest
@testable import ChatTemplate

/// Mutants of the fixture templates rendered by jinja2 (scripts/diff_fuzz_chat_templates.py): the Swift
/// renderer must agree on every one. Runs only when OWL_CHAT_TEMPLATE_DIFF names the generated file.
final class DifferentialTests: XCTestCase {
    func testMutantsRenderLikeJinja2() throws {
        guard let path = ProcessInfo.processInfo.environment["OWL_CHAT_TEMPLATE_DIFF"] else {
            throw XCTSkip("set OWL_CHAT_TEMPLATE_DIFF to a file from scripts/diff_fuzz_chat_templates.py")
        }
        guard case .array(let cases)? = try Value(json: String(contentsOfFile: path, encoding: .utf8))["cases"] else {
            return XCTFail("malformed \(path)")
        }
        // The conversation the script renders with (the fixtures' system/user/assistant/user turns and tools).
        let fixture = try Value(json: String(contentsOf: FixtureTests.fixtures.appendingPathComponent("cases/Qwen-Qwen3-0.6B.json"), encoding: .utf8))
        var messages: [Value] = [], tools: [Value] = []
        if case .array(let fcases)? = fixture["cases"] {
            for c in fcases {
                if c["name"] == "multi_turn", case .array(let m)? = c["context"]?["messages"] { messages = m }
                if c["name"] == "tools_request", case .array(let t)? = c["context"]?["tools"] { tools = t }
            }
        }
        let context = TemplateContext(messageValues: messages, tools: tools, addGenerationPrompt: true,
                                      bosToken: "<s>", eosToken: "</s>", now: FixtureTests.now)
        var mismatches: [String] = []
        for (n, c) in cases.enumerated() {
            let source = c["template"]?.stringValue ?? ""
            var got: String? = nil, failure = ""
            do { got = try ChatTemplate(source: source).render(context) } catch { failure = "\(error)" }
            let expected = c["expected"]?.stringValue
            if got != expected {
                let jinja = expected.map { "rendered \($0.utf8.count) bytes" } ?? (c["error"]?.stringValue ?? "")
                mismatches.append("#\(n): jinja2 \(jinja); swift \(got.map { "rendered \($0.utf8.count) bytes" } ?? failure)")
            }
        }
        print("differential: \(cases.count - mismatches.count)/\(cases.count) mutants agree")
        XCTAssertEqual(mismatches, [])
    }
}
