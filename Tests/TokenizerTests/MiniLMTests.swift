import Foundation
import TestSupport
import XCTest
@testable import Tokenizer

/// all-MiniLM-L6-v2's WordPiece tokenizer against sentence-transformers' goldens.
final class MiniLMTests: XCTestCase {
    func testGoldens() throws {
        let tok = try Fixtures.miniLM()
        let root = try Fixtures.json(Fixtures.goldens + "/minilm/minilm_goldens.json") as? [String: Any]
        let cases = root?["tokenization"] as? [[String: Any]] ?? []
        XCTAssertEqual(cases.count, 32)
        XCTAssertEqual(tok.maxSequenceLength, 256, "sentence_bert_config.json overrides tokenizer.json's 128")
        for c in cases {
            let name = c["name"] as? String ?? "?"
            let input = c["input"] as? String ?? ""
            let want = (c["input_ids"] as? [NSNumber])?.ints ?? []
            let got = tok.truncate(tok.encode(input, addSpecial: true, parseSpecial: true))
            XCTAssertEqual(got, want, name)
            if let tokens = c["tokens"] as? [String] {
                XCTAssertEqual(got.compactMap { tok.tokenText($0) }, tokens, "\(name) tokens")
            }
        }
        let meta = root?["meta"] as? [String: Any]
        let observations = meta?["tokenizer_observations"] as? [[String: Any]] ?? []
        XCTAssertGreaterThan(observations.count, 10)
        for o in observations {
            guard let input = o["input"] as? String, let want = (o["input_ids"] as? [NSNumber])?.ints else { continue }
            XCTAssertEqual(tok.truncate(tok.encode(input, addSpecial: true, parseSpecial: true)), want, o["what"] as? String ?? input)
        }
    }

    func testEncodeNeverTruncatesButTruncateKeepsClsAndSep() throws {
        let tok = try Fixtures.miniLM()
        let long = Array(repeating: "word", count: 300).joined(separator: " ")
        let ids = tok.encode(long, addSpecial: true, parseSpecial: true)
        XCTAssertEqual(ids.count, 302)
        let cut = tok.truncate(ids)
        XCTAssertEqual(cut.count, 256)
        XCTAssertEqual(cut.first, 101)
        XCTAssertEqual(cut.last, 102)
    }

    /// The `tokenizers` library (scripts/tokenizer_oracle.py) on a few hundred generated strings.
    func testAgainstHuggingFaceTokenizers() throws {
        let tok = try Fixtures.miniLM()
        let folder = Fixtures.owlHome + "/models/all-minilm-l6-v2"
        var rng = SplitMix64(seed: 0x5EED_0001)
        var inputs: [String] = []
        for _ in 0..<400 { inputs.append(RandomText.mixed(&rng, maxLength: 60)) }
        let oracle = try PythonOracle.run(script: "tokenizer_oracle.py", args: ["wordpiece", folder + "/tokenizer.json", "256"], inputs: inputs)
        XCTAssertEqual(oracle.count, inputs.count)
        var mismatches = 0
        for (input, want) in zip(inputs, oracle) {
            let got = tok.truncate(tok.encode(input, addSpecial: true, parseSpecial: true))
            if got != want {
                mismatches += 1
                if mismatches <= 5 { XCTFail("\(input.unicodeScalars.map { String($0.value, radix: 16) }): got \(got), want \(want)") }
            }
        }
        XCTAssertEqual(mismatches, 0, "of \(inputs.count) strings")
    }
}
