import Checkpoint
import Foundation
import XCTest
@testable import Tokenizer

/// Tiny vocabularies written in memory: merge order, byte fallback, special tokens, and the error messages.
final class SyntheticVocabTests: XCTestCase {
    func metadata(model: String, tokens: [String], types: [Int]? = nil, scores: [Float]? = nil, merges: [String]? = nil,
                  extra: [(String, GGUFValue)] = []) -> GGUFMetadata {
        var m = GGUFMetadata()
        m.set("tokenizer.ggml.model", .string(model))
        m.set("tokenizer.ggml.tokens", .array(.string, tokens.map { .string($0) }))
        if let types { m.set("tokenizer.ggml.token_type", .array(.int32, types.map { .int32(Int32($0)) })) }
        if let scores { m.set("tokenizer.ggml.scores", .array(.float32, scores.map { .float32($0) })) }
        if let merges { m.set("tokenizer.ggml.merges", .array(.string, merges.map { .string($0) })) }
        for (k, v) in extra { m.set(k, v) }
        return m
    }

    func testBPEMergesByRankNotByOrderOfAppearance() throws {
        // "abc": ranks prefer "b c" (rank 0) over "a b" (rank 1), so the result is a + bc.
        let tokens = ["a", "b", "c", "ab", "bc", "<|end|>", "Ġ", "Ġa"]
        let m = metadata(model: "gpt2", tokens: tokens, types: [1, 1, 1, 1, 1, 3, 1, 1], merges: ["b c", "a b", "Ġ a"],
                         extra: [("tokenizer.ggml.pre", .string("gpt-2")), ("tokenizer.ggml.eos_token_id", .uint32(5))])
        let tok = try GGUFTokenizer(metadata: m, path: "mem.gguf")
        XCTAssertEqual(tok.encode("abc", addSpecial: false, parseSpecial: false), [0, 4])
        XCTAssertEqual(tok.encode("ab a", addSpecial: false, parseSpecial: false), [3, 7])
        XCTAssertEqual(tok.encode("a<|end|>", addSpecial: false, parseSpecial: true), [0, 5])
        XCTAssertEqual(tok.endOfGenerationIDs, [5])
        XCTAssertEqual(tok.decode([0, 5, 4], removeSpecial: false, renderSpecial: false), "abc")
        XCTAssertEqual(tok.decode([0, 5, 4], removeSpecial: false, renderSpecial: true), "a<|end|>bc")
    }

    func testPhi3SpecialTokensEatTheWhitespaceAfterThem() throws {
        let tokens = ["a", "b", "c", "ab", "bc", "<|end|>", "Ġ", "Ġa"]
        func make(_ name: String) throws -> GGUFTokenizer {
            let m = metadata(model: "gpt2", tokens: tokens, types: [1, 1, 1, 1, 1, 3, 1, 1], merges: ["Ġ a"],
                             extra: [("tokenizer.ggml.pre", .string("gpt-2")), ("general.name", .string(name))])
            return try GGUFTokenizer(metadata: m, path: "mem.gguf")
        }
        XCTAssertEqual(try make("Phi-3 Mini").encode("a<|end|>  a", addSpecial: false, parseSpecial: true), [0, 5, 0])
        XCTAssertEqual(try make("Other").encode("a<|end|>  a", addSpecial: false, parseSpecial: true), [0, 5, 6, 7])
        // Not parsed as special: no stripping either.
        XCTAssertEqual(try make("Phi-3 Mini").encode("<|end|> a", addSpecial: false, parseSpecial: false).suffix(1), [7])
    }

    func testSentencePieceByteFallbackAndScores() throws {
        var tokens = ["<unk>", "<s>", "</s>", "▁", "h", "i", "hi", "▁hi"]
        var types = [2, 3, 3, 1, 1, 1, 1, 1]
        var scores: [Float] = [0, 0, 0, -1, -2, -2, -1.5, -0.5]
        for b in 0..<256 { tokens.append(String(format: "<0x%02X>", b)); types.append(6); scores.append(0) }
        let m = metadata(model: "llama", tokens: tokens, types: types, scores: scores)
        let tok = try GGUFTokenizer(metadata: m, path: "mem.gguf")
        // Space prefix on (default): "hi" → "▁hi"; "é" is not a token → its two bytes.
        XCTAssertEqual(tok.encode("hi", addSpecial: true, parseSpecial: false), [1, 7])
        XCTAssertEqual(tok.encode("hé", addSpecial: false, parseSpecial: false), [3, 4, 8 + 0xC3, 8 + 0xA9])
        // llama.cpp strips the prefix space from the first piece only when no BOS was removed before it.
        XCTAssertEqual(tok.decode([7, 8 + 0xC3, 8 + 0xA9], removeSpecial: true, renderSpecial: false), "hié")
        XCTAssertEqual(tok.decode([1, 7, 8 + 0xC3, 8 + 0xA9], removeSpecial: true, renderSpecial: false), " hié")
    }

    func testOddMetadataDoesNotCrash() throws {
        // Empty tokens, unknown type codes, a short type array, out-of-range special ids, broken merge lines.
        let tokens = ["", "a", "b", "ab", "<|x|>", "", "Ġ"]
        let m = metadata(model: "gpt2", tokens: tokens, types: [4, 1, 99, 1, 3], merges: ["", "a", "a b", " b", "ab  ", "zz yy"],
                         extra: [("tokenizer.ggml.pre", .string("llama-bpe")), ("tokenizer.ggml.bos_token_id", .uint32(1_000_000)),
                                 ("tokenizer.ggml.eos_token_id", .int32(-3)), ("tokenizer.ggml.add_bos_token", .bool(true))])
        let tok = try GGUFTokenizer(metadata: m, path: "mem.gguf")
        XCTAssertNil(tok.bosID)
        XCTAssertNil(tok.eosID)
        XCTAssertEqual(tok.encode("ab <|x|>", addSpecial: true, parseSpecial: true), [3, 6, 4])
        let spm = metadata(model: "llama", tokens: ["<unk>", "▁", "a"], types: [2], scores: [0])
        let s = try GGUFTokenizer(metadata: spm, path: "mem.gguf")
        XCTAssertEqual(s.encode("a a", addSpecial: false, parseSpecial: false), [1, 2, 1, 2])
        XCTAssertEqual(s.encode("é", addSpecial: false, parseSpecial: false), [1], "no byte tokens: the unknown bytes vanish, as in llama.cpp")
    }

    func testErrorsSayWhatIsWrongAndWhatToDo() {
        XCTAssertThrowsError(try GGUFTokenizer(metadata: GGUFMetadata(), path: "x.gguf")) { e in
            XCTAssertEqual("\(e)", "x.gguf: no tokenizer.ggml.model key; the checkpoint cannot be tokenized, use a file that includes its tokenizer")
        }
        XCTAssertThrowsError(try GGUFTokenizer(metadata: metadata(model: "t5", tokens: ["a"]), path: "x.gguf")) { e in
            XCTAssertEqual("\(e)", "x.gguf: tokenizer 't5' (tokenizer.ggml.model) is not supported; supported: gpt2 (byte-level BPE), llama (SentencePiece BPE), gemma4 (SentencePiece-style BPE), bert (WordPiece)")
        }
        let m = metadata(model: "gpt2", tokens: ["a"], merges: [], extra: [("tokenizer.ggml.pre", .string("klingon"))])
        XCTAssertThrowsError(try GGUFTokenizer(metadata: m, path: "x.gguf")) { e in
            XCTAssertEqual("\(e)", "x.gguf: pre-tokenizer 'klingon' (tokenizer.ggml.pre) is not supported; supported: gpt-2, llama-bpe, qwen2, qwen35, smollm, starcoder, deepseek-llm, deepseek-coder, falcon, default and their aliases")
        }
    }
}

/// The pre-tokenizer scanners against the regex semantics they replace (case table).
final class PreTokenizerTests: XCTestCase {
    func pieces(_ kind: PreTokenizerKind, _ s: String) -> [String] {
        let t = ScalarText(s.unicodeScalars.map(\.value))
        return kind.split(t).map { r in String(String.UnicodeScalarView(r.map { Unicode.Scalar(t.cpts[$0])! })) }
    }

    func testCases() {
        let cases: [(PreTokenizerKind, String, [String])] = [
            (.gpt2, "Hello world", ["Hello", " world"]),
            (.gpt2, "I'm  here!!\n", ["I", "'m", " ", " here", "!!", "\n"]),
            (.gpt2, "DON'T 123", ["DON", "'", "T", " 123"]),
            (.starcoder, "In 2024, x", ["In", " ", "2", "0", "2", "4", ",", " x"]),
            (.llama3, "DON'T 12345\n\n  x", ["DON", "'T", " ", "123", "45", "\n\n", " ", " x"]),
            (.llama3, "a...\n\nb", ["a", "...\n\n", "b"]),
            (.qwen2, "x=123", ["x", "=", "1", "2", "3"]),
            (.deepseekLLM, "Hello, 世界 42", ["Hello", ",", " ", "世界", " ", "42"]),
        ]
        for (kind, input, want) in cases {
            XCTAssertEqual(pieces(kind, input), want, "\(kind) \(input.debugDescription)")
        }
    }
}
