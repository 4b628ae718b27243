import Foundation
import XCTest
@testable import ChatTemplate

/// Seeded random edits of real templates: every mutant must render or throw, never crash or hang.
final class FuzzTests: XCTestCase {
    /// SplitMix64: a fixed, seedable generator so failures reproduce.
    struct SplitMix64: RandomNumberGenerator {
        var state: UInt64
        mutating func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
    }

    static let pieces = ["{%", "%}", "{{", "}}", "{#", "#}", "-", "(", ")", "[", "]", "{", "}", "'", "\"", "|", "~", ".",
                         ",", ":", "=", "for ", "endfor", "if ", "endif", "else", "macro ", "endmacro", "set ", " in ",
                         " is ", "not ", "loop", "range(9)", "messages", "[::-1]", "* 99", "tojson", "\n", " ", "x"]

    func testMutatedTemplatesNeverCrash() throws {
        let dir = FixtureTests.fixtures.appendingPathComponent("templates")
        let names = ["SmolLM2-135M-Instruct.jinja", "meta-llama-Llama-3.1-8B-Instruct.jinja", "Qwen-Qwen3-0.6B.jinja",
                     "google-gemma-2-2b-it.jinja", "mistralai-Mistral-Nemo-Instruct-2407.jinja"]
        let context = TemplateContext(
            messages: [ChatMessage(role: "system", content: "Be brief."), ChatMessage(role: "user", content: "Hi"),
                       ChatMessage(role: "assistant", content: "Hello"), ChatMessage(role: "user", content: "Bye")],
            tools: [["type": "function", "function": ["name": "f", "parameters": ["type": "object"]]]],
            bosToken: "<s>", eosToken: "</s>", now: FixtureTests.now)
        // OWL_FUZZ_ITERATIONS / OWL_FUZZ_SEED widen the search locally; the defaults keep `make test` fast.
        let env = ProcessInfo.processInfo.environment
        let perTemplate = env["OWL_FUZZ_ITERATIONS"].flatMap(Int.init) ?? 200
        var rng = SplitMix64(state: env["OWL_FUZZ_SEED"].flatMap(UInt64.init) ?? 20_261_128)
        var rendered = 0, threw = 0
        let start = Date()
        for name in names {
            let original = Array(try String(contentsOf: dir.appendingPathComponent(name), encoding: .utf8).utf8)
            for _ in 0..<perTemplate {
                var bytes = original
                for _ in 0..<Int.random(in: 1...4, using: &rng) {
                    let at = Int.random(in: 0..<max(1, bytes.count), using: &rng)
                    switch Int.random(in: 0..<4, using: &rng) {
                    case 0: bytes.removeSubrange(at..<min(bytes.count, at + Int.random(in: 1...8, using: &rng)))
                    case 1: bytes.insert(contentsOf: Array(Self.pieces.randomElement(using: &rng)!.utf8), at: min(at, bytes.count))
                    case 2: if at < bytes.count { bytes[at] = UInt8.random(in: 0...255, using: &rng) }
                    default:
                        let from = Int.random(in: 0..<max(1, bytes.count), using: &rng)
                        let chunk = bytes[from..<min(bytes.count, from + Int.random(in: 1...40, using: &rng))]
                        bytes.insert(contentsOf: chunk, at: min(at, bytes.count))
                    }
                }
                let mutant = String(decoding: bytes, as: UTF8.self)
                do {
                    _ = try ChatTemplate(source: mutant).render(context)
                    rendered += 1
                } catch is TemplateError {
                    threw += 1
                }
            }
        }
        let seconds = Date().timeIntervalSince(start)
        print("fuzz: \(rendered) mutants rendered, \(threw) threw TemplateError, \(String(format: "%.2f", seconds)) s")
        XCTAssertEqual(rendered + threw, names.count * perTemplate)
        XCTAssertLessThan(seconds, 20 * Double(perTemplate) / 200)
    }
}
