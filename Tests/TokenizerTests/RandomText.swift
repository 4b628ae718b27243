import Foundation
import XCTest

/// A small seeded generator (SplitMix64) so generated cases are reproducible.
struct SplitMix64: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE5_E9B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// Generated text: mixed scripts, accents, punctuation, emoji, whitespace runs, long words, special-token text.
enum RandomText {
    static let pools: [[String]] = [
        ["hello", "World", "tokenizer", "naïve", "Café", "résumé", "Straße", "ÅNGSTRÖM", "don't", "I'M", "we'll"],
        ["你好", "世界", "東京", "タワー", "ひらがな", "안녕하세요", "세계", "Привет", "мир", "Γειά", "σου", "مرحبا", "नमस्ते"],
        ["!", "?", ".", ",", ";", ":", "(", ")", "[", "]", "{", "}", "\"", "'", "-", "—", "…", "$", "%", "#", "@", "&", "*", "+", "=", "<", ">", "/", "\\", "|", "~", "^", "`", "_"],
        ["🦙", "🤗", "👍🏽", "❤️", "🇫🇷", "👨‍👩‍👧", "😀", "🍕"],
        [" ", "  ", "   ", "\t", "\n", "\n\n", "\r\n", " \n ", "\u{00A0}", "\u{3000}", "\u{200B}", "\u{00AD}"],
        ["0", "7", "42", "123", "2024", "3.14159", "1,000,000", "x²", "½", "①", "٣"],
        ["e\u{0301}", "A\u{030A}", "ﬁ", "ＡＢＣ", "İ", "ı", "ǅ", "ß", "Ω", "K", "\u{0000}", "\u{FFFD}"],
        ["[CLS]", "[SEP]", "[UNK]", "[MASK]", "[PAD]", "[pad]", "<|im_start|>", "<|im_end|>", "<|endoftext|>", "<end_of_turn>", "<bos>"],
    ]

    static func mixed<R: RandomNumberGenerator>(_ rng: inout R, maxLength: Int) -> String {
        var s = ""
        let parts = Int.random(in: 0...maxLength / 4, using: &rng)
        for _ in 0..<parts {
            let r = Int.random(in: 0..<100, using: &rng)
            if r < 3 {
                s += String(repeating: "abc", count: Int.random(in: 30...45, using: &rng))  // long word
            } else {
                let pool = pools[Int.random(in: 0..<pools.count, using: &rng)]
                s += pool[Int.random(in: 0..<pool.count, using: &rng)]
            }
            if Int.random(in: 0..<3, using: &rng) == 0 { s += " " }
        }
        return s
    }
}

/// Runs a Python oracle under scripts/ with JSON on stdin (a list of strings) and JSON on stdout (a list of
/// id lists). Skips when python3 or its packages are missing.
enum PythonOracle {
    static func run(script: String, args: [String], inputs: [String]) throws -> [[Int]] {
        let path = Fixtures.repoRoot + "/scripts/" + script
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        p.arguments = ["python3", path] + args
        let stdin = Pipe(), stdout = Pipe(), stderr = Pipe()
        p.standardInput = stdin
        p.standardOutput = stdout
        p.standardError = stderr
        do { try p.run() } catch { throw XCTSkip("python3 is not available: \(error)") }
        let payload = try JSONSerialization.data(withJSONObject: inputs)
        stdin.fileHandleForWriting.write(payload)
        try stdin.fileHandleForWriting.close()
        let out = stdout.fileHandleForReading.readDataToEndOfFile()
        let err = stderr.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        if p.terminationStatus == 3 {
            throw XCTSkip("oracle unavailable: \(String(decoding: err, as: UTF8.self)) (run `make test-deps`)")
        }
        guard p.terminationStatus == 0 else {
            XCTFail("oracle failed: \(String(decoding: err, as: UTF8.self))")
            return []
        }
        let obj = try JSONSerialization.jsonObject(with: out) as? [[NSNumber]] ?? []
        return obj.map { $0.map(\.intValue) }
    }
}
