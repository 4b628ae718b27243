import Foundation
import TestSupport
import XCTest

/// `owl tokenize` end to end, checked against llama.cpp's ids from the shared goldens.
final class TokenizeCLITests: XCTestCase {
    func requireModels() throws {
        guard FileManager.default.fileExists(atPath: owlHome + "/models/gemma3-270m/manifest.json") else {
            throw XCTSkip("catalog models not installed; run `make models`")
        }
    }

    func json(_ args: [String], stdin: String? = nil) throws -> (ids: [Int], pieces: [String]) {
        let r = try runOwl(["tokenize"] + args + ["--json"], home: owlHome, stdin: stdin.map { Data($0.utf8) })
        XCTAssertEqual(r.status, 0, r.stderr)
        let j = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any])
        return ((j["ids"] as? [Int]) ?? [], (j["pieces"] as? [String]) ?? [])
    }

    func testChatMarkupWithAndWithoutSpecialParsing() throws {
        try requireModels()
        // tokenizer_smollm2_135m.json, case chat_user.
        let text = "<|im_start|>user\nHi<|im_end|>"
        let parsed = try json(["smollm2-135m-instruct", text])
        XCTAssertEqual(parsed.ids, [1, 4093, 198, 26843, 2])
        XCTAssertEqual(parsed.pieces, ["<|im_start|>", "user", "\n", "Hi", "<|im_end|>"])
        let plain = try json(["smollm2-135m-instruct", text, "--no-special"])
        XCTAssertEqual(plain.ids, [44, 108, 306, 79, 3738, 108, 46, 4093, 198, 26843, 44, 108, 306, 79, 486, 108, 46])
    }

    func testStandardInputKeepsTheTrailingNewline() throws {
        try requireModels()
        let r = try json(["smollm2-135m-instruct", "-"], stdin: "Hello world\n")
        XCTAssertEqual(r.ids, [19556, 905, 198])
    }

    func testAddSpecialFollowsTheModel() throws {
        try requireModels()
        // Gemma 3 asks for BOS (id 2); tokenizer_gemma3_270m.json, case two_leading_spaces.
        XCTAssertEqual(try json(["gemma3-270m", "  Hello", "--add-special"]).ids, [2, 138, 9259])
        XCTAssertEqual(try json(["gemma3-270m", "  Hello"]).ids, [138, 9259])
        // SmolLM2 asks for nothing; MiniLM gets [CLS] … [SEP] (minilm_goldens.json, plain_simple), never truncated.
        XCTAssertEqual(try json(["smollm2-135m-instruct", "Hello world", "--add-special"]).ids, [19556, 905])
        XCTAssertEqual(try json(["all-minilm-l6-v2", "This is a simple sentence.", "--add-special"]).ids,
                       [101, 2023, 2003, 1037, 3722, 6251, 1012, 102])
        let long = Array(repeating: "word", count: 300).joined(separator: " ")
        XCTAssertEqual(try json(["all-minilm-l6-v2", long, "--add-special"]).ids.count, 302)
    }

    func testTextOutputAndUsageErrors() throws {
        try requireModels()
        let r = try runOwl(["tokenize", "smollm2-135m-instruct", "Hello world"], home: owlHome)
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertEqual(r.stdout, "19556\t\"Hello\"\n905\t\" world\"\n")
        let missing = try runOwl(["tokenize", "smollm2-135m-instruct"], home: owlHome)
        XCTAssertEqual(missing.status, 2)
        XCTAssertEqual(missing.stderr, "owl tokenize: expected MODEL and TEXT (or - for standard input), got 1 arguments\nRun `owl tokenize --help` for usage.\n")
        let unknown = try runOwl(["tokenize", "no-such-model", "x"], home: owlHome)
        XCTAssertEqual(unknown.status, 1)
        XCTAssertTrue(unknown.stderr.hasPrefix("owl tokenize: unknown model 'no-such-model'"), unknown.stderr)
    }
}
