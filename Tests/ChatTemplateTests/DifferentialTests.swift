import Foundation
import XCTest
@testable import ChatTemplate

/// Mutants of the fixture templates, each rendered by jinja2 with one of the fixture conversations (scripts/diff_fuzz_chat_templates.py): the Swift
/// renderer must agree on every one. Runs only when OWL_CHAT_TEMPLATE_DIFF names the generated file.
final class DifferentialTests: XCTestCase {
    func testMutantsRenderLikeJinja2() throws {
        guard let path = ProcessInfo.processInfo.environment["OWL_CHAT_TEMPLATE_DIFF"] else {
            throw XCTSkip("set OWL_CHAT_TEMPLATE_DIFF to a file from scripts/diff_fuzz_chat_templates.py")
        }
        guard case .array(let cases)? = try Value(json: String(contentsOfFile: path, encoding: .utf8))["cases"] else {
            return XCTFail("malformed \(path)")
        }
        var mismatches: [String] = []
        for (n, c) in cases.enumerated() {
            let source = c["template"]?.stringValue ?? ""
            var got: String? = nil, failure = ""
            guard case .object(let ctx)? = c["context"] else { XCTFail("case \(n) has no context"); continue }
            let context = FixtureTests.context(ctx, bos: "<s>", eos: "</s>")
            do { got = try ChatTemplate(source: source).render(context) } catch { failure = "\(error)" }
            let expected = c["expected"]?.stringValue
            if got != expected {
                let jinja = expected.map { "rendered \($0.prefix(160).debugDescription)" } ?? (c["error"]?.stringValue ?? "")
                let swift = got.map { "rendered \($0.prefix(160).debugDescription)" } ?? failure
                mismatches.append("#\(n) \(source.count < 300 ? source : "(long template)")\n    jinja2 \(jinja)\n    swift  \(swift)")
            }
        }
        print("differential: \(cases.count - mismatches.count)/\(cases.count) mutants agree")
        for m in mismatches.prefix(40) { print(m) }
        XCTAssertEqual(mismatches.count, 0)
    }
}
