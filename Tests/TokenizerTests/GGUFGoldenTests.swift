import Foundation
import XCTest
@testable import Tokenizer

/// llama.cpp's own tokenizations of 42 inputs for SmolLM2 (byte-level BPE) and Gemma 3 (SentencePiece).
final class GGUFGoldenTests: XCTestCase {
    func cases(_ path: String) throws -> [[String: Any]] {
        let root = try Fixtures.json(Fixtures.goldens + path) as? [String: Any]
        let cases = root?["cases"] as? [[String: Any]] ?? []
        XCTAssertEqual(cases.count, 42)
        return cases
    }

    func testSmolLMGoldens() throws {
        let tok = try Fixtures.smolLM()
        var checked = 0
        for c in try cases("/smollm2-135m/tokenizer_smollm2_135m.json") {
            let name = c["name"] as? String ?? "?"
            let input = c["input"] as? String ?? ""
            let plain = (c["ids_parse_special_false"] as? [NSNumber])?.ints ?? []
            let parsed = (c["ids_parse_special_true"] as? [NSNumber])?.ints ?? []
            XCTAssertEqual(tok.encode(input, addSpecial: false, parseSpecial: false), plain, "\(name) parse_special=false")
            XCTAssertEqual(tok.encode(input, addSpecial: false, parseSpecial: true), parsed, "\(name) parse_special=true")
            XCTAssertEqual(tok.encode(input, addSpecial: true, parseSpecial: true), parsed, "\(name) add_bos_token=false adds nothing")
            if let pieces = c["pieces_parse_special_false"] as? [String] {
                XCTAssertEqual(plain.map { Fixtures.backslashReplace(tok.pieceBytes($0, renderSpecial: true)) }, pieces, "\(name) pieces")
            }
            if let d = c["detok_parse_special_false"] as? String {
                XCTAssertEqual(tok.decode(plain, removeSpecial: false, renderSpecial: false), d, "\(name) detok")
            }
            if let d = c["detok_parse_special_true_render_special"] as? String {
                XCTAssertEqual(tok.decode(parsed, removeSpecial: false, renderSpecial: true), d, "\(name) detok render")
            }
            if let d = c["detok_parse_special_true_skip_special"] as? String {
                XCTAssertEqual(tok.decode(parsed, removeSpecial: false, renderSpecial: false), d, "\(name) detok skip")
            }
            checked += 1
        }
        XCTAssertEqual(checked, 42)
    }

    func testGemmaGoldens() throws {
        let tok = try Fixtures.gemma()
        var checked = 0
        for c in try cases("/gemma3-270m/tokenizer_gemma3_270m.json") {
            let name = c["name"] as? String ?? "?"
            let input = c["input"] as? String ?? ""
            let plain = (c["ids_parse_special_false"] as? [NSNumber])?.ints ?? []
            XCTAssertEqual(tok.encode(input, addSpecial: false, parseSpecial: false), plain, "\(name) parse_special=false")
            if let parsed = (c["ids_parse_special_true"] as? [NSNumber])?.ints {
                XCTAssertEqual(tok.encode(input, addSpecial: false, parseSpecial: true), parsed, "\(name) parse_special=true")
            }
            if let bos = (c["ids_add_bos_parse_special_true"] as? [NSNumber])?.ints {
                XCTAssertEqual(tok.encode(input, addSpecial: true, parseSpecial: true), bos, "\(name) with BOS")
            }
            if let d = c["detok_parse_special_false"] as? String {
                XCTAssertEqual(tok.decode(plain, removeSpecial: false, renderSpecial: false), d, "\(name) detok")
            }
            checked += 1
        }
        XCTAssertEqual(checked, 42)
    }

    func testEndOfGenerationSets() throws {
        let smol = try Fixtures.smolLM()
        // <|endoftext|> 0 and <|im_end|> 2 (also eos) end generation; <|im_start|> does not.
        XCTAssertEqual(smol.endOfGenerationIDs, [0, 2])
        let gemma = try Fixtures.gemma()
        XCTAssertEqual(gemma.tokenText(106), "<end_of_turn>")
        XCTAssertEqual(gemma.endOfGenerationIDs, [1, 106])
        XCTAssertEqual(gemma.bosID, 2)
        XCTAssertTrue(gemma.addsBOS)
        XCTAssertFalse(smol.addsBOS)
    }
}
