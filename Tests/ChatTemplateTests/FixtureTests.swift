import Foundation
import XCTest
@testable import ChatTemplate

/// Real chat templates (llama.cpp's collection + SmolLM2's) rendered by jinja2 under Hugging Face
/// conventions (scripts/gen_chat_template_fixtures.py); every case must match byte for byte, and every
/// case where jinja2 raised must throw here too.
final class FixtureTests: XCTestCase {
    static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures")
    /// The generator's fixed clock, 2025-03-14 09:26:53 UTC.
    static let now = 1_741_944_413.0

    struct Case {
        let template: String
        let name: String
        let context: TemplateContext
        let expected: String?
        let error: String?
    }

    /// The generator's render variables (`messages`, `tools`, `add_generation_prompt`, extras) as a context.
    static func context(_ ctx: OrderedObject, bos: String, eos: String) -> TemplateContext {
        var extra = OrderedObject()
        var messages: [Value] = [], tools: [Value]? = nil, agp = false
        for (k, v) in ctx.pairs {
            switch k {
            case "messages": if case .array(let m) = v { messages = m }
            case "tools": if case .array(let t) = v { tools = t }
            case "add_generation_prompt": agp = v == .bool(true)
            default: extra[k] = v
            }
        }
        return TemplateContext(messageValues: messages, tools: tools, addGenerationPrompt: agp,
                               bosToken: bos, eosToken: eos, extra: extra, now: now)
    }

    static func loadCases() throws -> [Case] {
        let dir = fixtures.appendingPathComponent("cases")
        var out: [Case] = []
        for file in try FileManager.default.contentsOfDirectory(atPath: dir.path).sorted() where file.hasSuffix(".json") {
            let text = try String(contentsOf: dir.appendingPathComponent(file), encoding: .utf8)
            let doc = try Value(json: text)
            guard case .string(let template)? = doc["template"], case .array(let cases)? = doc["cases"],
                  case .string(let bos)? = doc["bos_token"], case .string(let eos)? = doc["eos_token"] else {
                XCTFail("malformed fixture \(file)"); continue
            }
            for c in cases {
                guard case .object(let ctx)? = c["context"], case .string(let name)? = c["name"] else { continue }
                let context = Self.context(ctx, bos: bos, eos: eos)
                out.append(Case(template: template, name: name, context: context,
                                expected: c["expected"]?.stringValue, error: c["error"]?.stringValue))
            }
        }
        return out
    }

    func testAllFixturesRenderLikeJinja2() throws {
        let cases = try Self.loadCases()
        XCTAssertGreaterThan(cases.count, 500, "fixtures missing: run scripts/gen_chat_template_fixtures.py")
        var compiled: [String: ChatTemplate] = [:]
        var passed = 0, failed: [String] = []
        for c in cases {
            let id = "\(c.template)/\(c.name)"
            do {
                let t: ChatTemplate
                if let hit = compiled[c.template] { t = hit } else {
                    let src = try String(contentsOf: Self.fixtures.appendingPathComponent("templates/\(c.template)"), encoding: .utf8)
                    t = try ChatTemplate(source: src)
                    compiled[c.template] = t
                }
                let got = try t.render(c.context)
                if let expected = c.expected, got == expected { passed += 1 }
                else if let expected = c.expected { failed.append("\(id): mismatch\n--- expected\n\(expected)\n--- got\n\(got)") }
                else { failed.append("\(id): rendered, but jinja2 raised: \(c.error ?? "")") }
            } catch let e as TemplateError {
                if let err = c.error {
                    // The template's own raise_exception message must come through unchanged.
                    if e.kind == .raised && !err.contains(":") { XCTAssertEqual(e.message, err, id) }
                    passed += 1
                } else { failed.append("\(id): threw \(e)") }
            }
        }
        print("chat template fixtures: \(passed)/\(cases.count) cases pass, \(compiled.count) templates")
        for f in failed.prefix(8) { print(f) }
        XCTAssertEqual(failed.count, 0, "failing: \(failed.map { $0.split(separator: "\n")[0] }.joined(separator: "; "))")
    }

    /// One feature per snippet (whitespace control, operators, loops, macros, filters, tests, methods).
    func testSnippetsRenderLikeJinja2() throws {
        let text = try String(contentsOf: Self.fixtures.appendingPathComponent("snippets.json"), encoding: .utf8)
        guard case .array(let snippets)? = try Value(json: text)["snippets"] else { return XCTFail("malformed snippets.json") }
        XCTAssertGreaterThan(snippets.count, 50)
        var failures: [String] = []
        for snippet in snippets {
            guard case .string(let source)? = snippet["template"], case .object(let vars)? = snippet["variables"] else {
                XCTFail("malformed snippet"); continue
            }
            var extra = vars
            var messages: [Value] = []
            if case .array(let m)? = vars["messages"] { messages = m; extra["messages"] = nil }
            let agp = vars["add_generation_prompt"] == .bool(true)
            extra["add_generation_prompt"] = nil
            let context = TemplateContext(messageValues: messages, addGenerationPrompt: agp, bosToken: "<s>",
                                          eosToken: "</s>", extra: extra, now: Self.now)
            do {
                let got = try ChatTemplate(source: source).render(context)
                if let expected = snippet["expected"]?.stringValue {
                    if got != expected { failures.append("\(source)\n  expected: \(expected.debugDescription)\n  got:      \(got.debugDescription)") }
                } else {
                    failures.append("\(source)\n  rendered \(got.debugDescription) but jinja2 raised \(snippet["error"]?.stringValue ?? "")")
                }
            } catch {
                if snippet["expected"] != nil { failures.append("\(source)\n  threw \(error)") }
            }
        }
        print("chat template snippets: \(snippets.count - failures.count)/\(snippets.count) pass")
        XCTAssertEqual(failures, [], failures.joined(separator: "\n"))
    }
}
