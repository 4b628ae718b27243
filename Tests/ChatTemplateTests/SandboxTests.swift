import Foundation
import XCTest
@testable import ChatTemplate

/// Templates come from strangers: runaway loops, recursion and blow-ups must fail cleanly and fast.
final class SandboxTests: XCTestCase {
    static let hostile: [(name: String, source: String)] = [
        ("huge range", "{% for i in range(999999999) %}x{% endfor %}"),
        ("nested loops", "{% for i in range(100000) %}{% for j in range(100000) %}{% endfor %}{% endfor %}"),
        ("nested loops printing", "{% for i in range(100000) %}{% for j in range(100000) %}xxxxxxxxxxxxxxxx{% endfor %}{% endfor %}"),
        ("self recursion", "{% macro f(n) %}{{ f(n + 1) }}{% endmacro %}{{ f(0) }}"),
        ("fan-out recursion", "{% macro f(n) %}{% if n > 0 %}{{ f(n - 1) }}{{ f(n - 1) }}{% endif %}{% endmacro %}{{ f(60) }}"),
        ("string multiplication", "{{ 'a' * 10**9 }}"),
        ("list multiplication", "{{ [1, 2] * 10**9 }}"),
        ("string doubling", "{% set ns = namespace(s='ab') %}{% for i in range(100) %}{% set ns.s = ns.s ~ ns.s %}{% endfor %}{{ ns.s }}"),
        ("repeated big strings", "{% for i in range(100000) %}{% set s = 'x' * 4000000 %}{% endfor %}"),
        ("replace blow-up", "{{ ('a' * 1000000) | replace('a', 'aaaaaaaa') }}"),
        ("deep nesting", "{% set ns = namespace(x=[]) %}{% for i in range(100000) %}{% set ns.x = [ns.x] %}{% endfor %}{{ ns.x }}"),
        ("shared blow-up", "{% set ns = namespace(x=[1]) %}{% for i in range(60) %}{% set ns.x = [ns.x, ns.x] %}{% endfor %}{{ ns.x }}"),
        ("shared tojson", "{% set ns = namespace(x=[1]) %}{% for i in range(60) %}{% set ns.x = [ns.x, ns.x] %}{% endfor %}{{ ns.x | tojson }}"),
        ("self namespace", "{% set ns = namespace() %}{% set ns.me = ns %}{{ ns }}"),
        ("big power", "{{ 10 ** 10 ** 10 }}"),
        ("join blow-up", "{{ range(100000) | join('x' * 1000) }}"),
    ]

    func testHostileTemplatesFailFastWithLimitErrors() throws {
        var report: [String] = []
        for (name, source) in Self.hostile {
            let start = Date()
            var outcome = "rendered"
            do {
                let out = try ChatTemplate(source: source).render(TemplateContext(messages: []))
                outcome = "rendered \(out.utf8.count) bytes"
            } catch let e as TemplateError {
                outcome = "\(e.kind): \(e.message)"
                XCTAssert([.limit, .runtime].contains(e.kind), "\(name): \(e)")
                XCTAssertGreaterThan(e.line, 0, "\(name): error has no position")
            }
            let seconds = Date().timeIntervalSince(start)
            report.append(String(format: "%-24@ %7.1f ms  %@", name as NSString, seconds * 1000, outcome))
            // Typically 0-150 ms each on one core; the bound leaves room for a loaded CI machine.
            XCTAssertLessThan(seconds, 1.0, "\(name) took \(seconds) s")
            XCTAssertFalse(outcome.hasPrefix("rendered"), "\(name) should have been stopped")
        }
        print("hostile templates:\n" + report.joined(separator: "\n"))
    }

    func testDeepSyntaxIsRejectedNotOverflowed() {
        let cases = [
            String(repeating: "(", count: 100_000) + "1" + String(repeating: ")", count: 100_000),
            "{{ " + Array(repeating: "1", count: 100_000).joined(separator: " + ") + " }}",
            "{{ x" + String(repeating: ".a", count: 100_000) + " }}",
            String(repeating: "{% if true %}", count: 100_000),
            "{{ " + String(repeating: "not ", count: 100_000) + "x }}",
        ]
        for source in cases {
            let src = source.hasPrefix("(") ? "{{ \(source) }}" : source
            XCTAssertThrowsError(try ChatTemplate(source: src)) { error in
                XCTAssertEqual((error as? TemplateError)?.kind, .syntax)
            }
        }
    }

    func testNoFileOrTemplateLoading() {
        for tag in ["include 'x.jinja'", "import 'm.jinja' as m", "from 'm.jinja' import x", "extends 'base.jinja'"] {
            XCTAssertThrowsError(try ChatTemplate(source: "a\n{% \(tag) %}")) { error in
                let name = String(tag.prefix { $0 != " " })
                XCTAssertEqual("\(error)", "chat template syntax error at line 2, column 4: '\(name)' is not allowed: chat templates cannot load or inherit other templates")
            }
        }
    }

    func testLimitsAreConfigurable() throws {
        let t = try ChatTemplate(source: "{% for i in range(10) %}{{ i }}{% endfor %}", limits: TemplateLimits(maxSteps: 5))
        XCTAssertThrowsError(try t.render(TemplateContext(messages: []))) { error in
            XCTAssertEqual((error as? TemplateError)?.kind, .limit)
        }
        let small = try ChatTemplate(source: "{{ 'abcdef' }}", limits: TemplateLimits(maxOutputBytes: 4))
        XCTAssertThrowsError(try small.render(TemplateContext(messages: [])))
    }
}

/// Servers render on worker threads (512 KiB stacks on Linux): the deepest template the limits allow
/// must still fit.
final class StackTests: XCTestCase {
    func testWorstCaseNestingFitsOnASmallThreadStack() throws {
        let deepExpr = String(repeating: "(", count: 60) + "n" + String(repeating: ")", count: 60)
        let deepIfs = String(repeating: "{% if true %}", count: 60) + "{{ f(\(deepExpr) + 1) }}" + String(repeating: "{% endif %}", count: 60)
        let source = "{% macro f(n) %}\(deepIfs){% endmacro %}{{ f(0) }}"
        let template = try ChatTemplate(source: source)
        let done = DispatchSemaphore(value: 0)
        final class Box: @unchecked Sendable { var error: Error? }
        let box = Box()
        let thread = Thread {
            do { _ = try template.render(TemplateContext(messages: [])) } catch { box.error = error }
            done.signal()
        }
        thread.stackSize = 512 << 10
        thread.start()
        done.wait()
        XCTAssertEqual((box.error as? TemplateError)?.kind, .limit, "\(String(describing: box.error))")
    }
}
