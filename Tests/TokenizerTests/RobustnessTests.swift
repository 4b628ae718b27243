import Foundation
import TestSupport
import XCTest
@testable import Tokenizer

/// Random and mutated inputs: no crash, and byte-level BPE round-trips any valid text exactly.
final class RobustnessTests: XCTestCase {
    /// Random bytes (including invalid UTF-8) decoded as the CLI does; every tokenizer must cope.
    func randomByteStrings(count: Int, seed: UInt64) -> [String] {
        var rng = SplitMix64(seed: seed)
        var out: [String] = []
        for _ in 0..<count {
            let n = Int.random(in: 0...64, using: &rng)
            var bytes = (0..<n).map { _ in UInt8.random(in: 0...255, using: &rng) }
            // Bias towards interesting bytes: ASCII, spaces, UTF-8 leads and continuations.
            for i in bytes.indices where Int.random(in: 0..<3, using: &rng) == 0 {
                bytes[i] = [0x20, 0x0A, 0x27, 0x3C, 0x7C, 0xC3, 0xA9, 0xE2, 0x96, 0x81, 0xF0, 0x9F][Int.random(in: 0..<12, using: &rng)]
            }
            out.append(String(decoding: bytes, as: UTF8.self))
        }
        return out
    }

    func testByteLevelBPERoundTripsEverything() throws {
        let tok = try Fixtures.smolLM()
        var rng = SplitMix64(seed: 42)
        let texts = randomByteStrings(count: 300, seed: 7) + (0..<300).map { _ in RandomText.mixed(&rng, maxLength: 80) }
        // SmolLM2's vocabulary lacks the byte tokens of 21 bytes (0x04, 0x14, 0xC0, 0xFF, ...): text using them
        // cannot round-trip (llama.cpp drops them too); every other text must.
        let representable = (0..<256).map { b in tok.vocab.tokenIDs[String(ByteLevel.scalar(UInt8(b)))] != nil }
        XCTAssertEqual(representable.filter { !$0 }.count, 21)
        var roundTrips = 0
        for t in texts {
            for parse in [false, true] {
                let ids = tok.encode(t, addSpecial: false, parseSpecial: parse)
                XCTAssertTrue(ids.allSatisfy { $0 >= 0 && $0 < tok.vocabularySize })
                guard t.utf8.allSatisfy({ representable[Int($0)] }) else { continue }
                roundTrips += 1
                XCTAssertEqual(tok.decode(ids, removeSpecial: false, renderSpecial: true), t, "\(t.debugDescription) parse=\(parse)")
                var stream = tok.makeStreamingDetokenizer(renderSpecial: true)
                var streamed = ""
                for id in ids { streamed += stream.append(id) }
                streamed += stream.finish()
                XCTAssertEqual(streamed, t)
            }
        }
        XCTAssertGreaterThan(roundTrips, 800)
    }

    func testSentencePieceAndWordPieceNeverCrash() throws {
        let gemma = try Fixtures.gemma()
        let mini = try Fixtures.miniLM()
        var rng = SplitMix64(seed: 99)
        let texts = randomByteStrings(count: 200, seed: 8) + (0..<200).map { _ in RandomText.mixed(&rng, maxLength: 80) }
        for t in texts {
            for parse in [false, true] {
                let g = gemma.encode(t, addSpecial: true, parseSpecial: parse)
                XCTAssertTrue(g.allSatisfy { $0 >= 0 && $0 < gemma.vocabularySize })
                // SentencePiece with byte fallback is lossless except for a literal ▁, which reads back as a space.
                let back = gemma.decode(g, removeSpecial: true, renderSpecial: true)
                if !t.unicodeScalars.contains("\u{2581}"), back != t { XCTFail("\(back.debugDescription) != \(t.debugDescription) parse=\(parse) ids \(g)") }
                let m = mini.encode(t, addSpecial: true, parseSpecial: parse)
                XCTAssertTrue(m.allSatisfy { $0 >= 0 && $0 < mini.vocabularySize })
                _ = mini.decode(m, removeSpecial: true, renderSpecial: false)
            }
        }
    }

    /// Many special-token candidates share a first byte (Gemma 3 has ~6,400 `<…>` tokens): text full of `<`
    /// and of chat markup must stay fast and exact.
    func testSpecialTokenHeavyText() throws {
        let gemma = try Fixtures.gemma()
        let turn = "<start_of_turn>user\nHi<end_of_turn>\n"
        let t0 = DispatchTime.now().uptimeNanoseconds
        let ids = gemma.encode(String(repeating: turn, count: 2_000), addSpecial: false, parseSpecial: true)
        let angles = gemma.encode(String(repeating: "<", count: 100_000), addSpecial: false, parseSpecial: true)
        let ms = Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e6
        let one = gemma.encode(turn, addSpecial: false, parseSpecial: true)
        XCTAssertEqual(one.first, 105)
        XCTAssertEqual(ids, Array([[Int]](repeating: one, count: 2_000).joined()))
        XCTAssertEqual(gemma.decode(angles), String(repeating: "<", count: 100_000))
        print(String(format: "special-token-heavy text (84 KB markup + 100 KB of '<'): %.1f ms", ms))
    }

    func testOutOfRangeIdsDecodeToNothing() throws {
        let tok = try Fixtures.smolLM()
        XCTAssertEqual(tok.pieceBytes(-1, renderSpecial: true), [])
        XCTAssertEqual(tok.pieceBytes(tok.vocabularySize, renderSpecial: true), [])
        XCTAssertEqual(tok.decode([-5, 19556, 1 << 40]), "Hello")
    }
}

/// The streaming detokenizer holds back incomplete UTF-8 and never prints half a character.
final class StreamingDetokenizerTests: XCTestCase {
    func testCompletePrefixLength() {
        let cases: [([UInt8], Int)] = [
            ([], 0),
            ([0x41], 1),
            ([0x41, 0xC3], 1),              // é started
            ([0x41, 0xC3, 0xA9], 3),        // é complete
            ([0xF0, 0x9F, 0xA6], 0),        // 🦙 three of four bytes
            ([0xF0, 0x9F, 0xA6, 0x99], 4),
            ([0x41, 0xFF], 2),              // invalid byte: printed (as U+FFFD), not held
            ([0xE0, 0x80], 2),              // overlong start: can never complete
            ([0xED, 0xA0], 2),              // surrogate start
            ([0x80, 0x80], 2),              // stray continuations
            ([0xE2, 0x96], 0),              // ▁ started
        ]
        for (bytes, want) in cases {
            XCTAssertEqual(StreamingDetokenizer.completePrefixLength(bytes), want, "\(bytes)")
        }
    }

    func testStreamsEmojiSplitAcrossTokens() throws {
        let tok = try Fixtures.smolLM()
        let ids = tok.encode("I love 🦙!", addSpecial: false, parseSpecial: false)
        var d = tok.makeStreamingDetokenizer()
        var chunks: [String] = []
        for id in ids { chunks.append(d.append(id)) }
        chunks.append(d.finish())
        XCTAssertEqual(chunks.joined(), "I love 🦙!")
        XCTAssertTrue(chunks.contains(""), "a token ending inside 🦙 yields nothing until the character completes")
        XCTAssertFalse(chunks.contains { $0.contains("\u{FFFD}") })
    }

    func testFinishReplacesIncompleteTail() throws {
        let tok = try Fixtures.smolLM()
        var d = tok.makeStreamingDetokenizer()
        XCTAssertEqual(d.append(bytes: [0x61, 0xF0, 0x9F]), "a")
        XCTAssertEqual(d.finish(), "\u{FFFD}")
        XCTAssertEqual(d.finish(), "")
    }
}

/// llama.cpp's `clean_up_tokenization_spaces` passes (GPT-2 and BERT decoding).
final class CleanUpSpacesTests: XCTestCase {
    func testCases() {
        let cases: [(String, String)] = [
            ("Hello , world !", "Hello, world!"),
            ("a . b ?", "a. b?"),
            ("it ' s", "it's"),
            ("he 's she 'm we 're they 've", "he's she'm we're they've"),
            ("don 't we 'll I 'd", "don 't we 'll I 'd"),
            (" ,", ","),
            ("", ""),
        ]
        for (input, want) in cases {
            XCTAssertEqual(String(decoding: GGUFTokenizer.cleanUpSpaces(Array(input.utf8)), as: UTF8.self), want, input)
        }
    }
}
