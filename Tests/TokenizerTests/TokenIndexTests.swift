import Checkpoint
import TestSupport
import XCTest
@testable import Tokenizer

/// The compact text → id table must answer exactly as a plain dictionary over the token strings would
/// (duplicates: the last id wins, as llama.cpp builds its map).
final class TokenIndexTests: XCTestCase {
    /// A dictionary built the straightforward way from `tokenizer.ggml.tokens`.
    static func reference(_ tokens: [String]) -> [TokenKey: Int] {
        var d: [TokenKey: Int] = [:]
        for (i, t) in tokens.enumerated() { d[t] = i }
        return d
    }

    func checkModel(_ file: String, expectedCount: Int) throws {
        let g = try GGUFFile(path: Fixtures.file(Fixtures.owlHome + "/models/" + file))
        let tok = try GGUFTokenizer(gguf: g)
        guard let tokens = g.metadata["tokenizer.ggml.tokens"]?.stringArray else { return XCTFail("no tokens") }
        XCTAssertEqual(tokens.count, expectedCount)
        XCTAssertEqual(tok.vocabularySize, expectedCount)
        let ref = Self.reference(tokens)
        var wrongIDs = 0, wrongTexts = 0, wrongMisses = 0
        for (i, t) in tokens.enumerated() {
            if tok.vocab.tokenIDs[t] != ref[t] { wrongIDs += 1 }
            if tok.tokenText(i) != t || !tok.vocab.utf8(i).elementsEqual(t.utf8) { wrongTexts += 1 }
            // Texts near the tokens that are mostly not tokens: the answers must agree too.
            for probe in [t + "\u{1}", String(t.dropLast()), "\u{2581}" + t] where tok.vocab.tokenIDs[probe] != ref[probe] {
                wrongMisses += 1
            }
        }
        XCTAssertEqual(wrongIDs, 0, "ids that differ from the dictionary")
        XCTAssertEqual(wrongTexts, 0, "token texts that differ from the metadata strings")
        XCTAssertEqual(wrongMisses, 0, "probe texts answered differently")
        XCTAssertEqual(Set(ref.values).count, ref.count)
        XCTAssertNil(tok.vocab.tokenIDs["\u{1}\u{2}not a token\u{3}"])
    }

    func testIndexMatchesDictionaryOnEverySmolLM2Token() throws {
        try checkModel("smollm2-135m-instruct/SmolLM2-135M-Instruct.Q4_1.gguf", expectedCount: 49152)
    }

    func testIndexMatchesDictionaryOnEveryGemma3Token() throws {
        try checkModel("gemma3-270m/gemma-3-270m-q4_k_m.gguf", expectedCount: 262_144)
    }

    func testDuplicatesLastIDWinsAndEmptyText() {
        let texts = ["a", "b", "a", "", "ü", "b", "", ";", "\u{037E}"]
        let index = TokenIndex(texts: GGUFArray(strings: texts))
        let ref = Self.reference(texts)
        for t in texts + ["c", "ab", "u\u{308}"] { XCTAssertEqual(index[t], ref[t], t) }
        XCTAssertEqual(index["a"], 2)
        XCTAssertEqual(index["b"], 5)
        XCTAssertEqual(index[""], 6)
        // `;` and the Greek question mark are canonically equivalent but distinct tokens.
        XCTAssertEqual(index[";"], 7)
        XCTAssertEqual(index["\u{037E}"], 8)
    }

    func testDecodingLookupRepairsInvalidUTF8AsStringDecodingDoes() {
        let texts = ["\u{FFFD}", "a\u{FFFD}", "ü", "x"]
        let index = TokenIndex(texts: GGUFArray(strings: texts))
        let cases: [([UInt8], Int?)] = [
            ([0xC3, 0xBC], 2), ([0xFF], 0), ([0x61, 0xC3], 1), ([0xC3], 0), ([0x78], 3), ([0x79], nil), ([], nil),
        ]
        for (bytes, expected) in cases {
            XCTAssertEqual(index.id(decoding: bytes[...]), expected, "\(bytes)")
            XCTAssertEqual(index.id(decoding: bytes[...]), Self.reference(texts)[String(decoding: bytes, as: UTF8.self)], "\(bytes)")
        }
        XCTAssertNil(index.id(exactly: [0xFF][...]))
        XCTAssertEqual(index.id(exactly: [0xEF, 0xBF, 0xBD][...]), 0)
    }

    func testManyTokensWithCollidingPrefixes() {
        // Enough texts to force probing chains; every one must be found, and near misses must not.
        let texts = (0..<5000).map { "tok\($0 % 2500)_\($0 / 2500)" }
        let index = TokenIndex(texts: GGUFArray(strings: texts))
        for (i, t) in texts.enumerated() { XCTAssertEqual(index[t], i) }
        for i in 0..<100 { XCTAssertNil(index["tok\(i)_2"]) }
    }
}
