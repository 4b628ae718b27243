import Foundation
import TestSupport
import XCTest

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
/// id lists). Fails when python3 or its packages are missing (run `make test-deps`), unless
/// OWL_SKIP_PYTHON_ORACLES=1, as the other oracles do.
enum PythonOracle {
    static func run(script: String, args: [String], inputs: [String]) throws -> [[Int]] {
        if ProcessInfo.processInfo.environment["OWL_SKIP_PYTHON_ORACLES"] == "1" {
            throw XCTSkip("Python oracles disabled by OWL_SKIP_PYTHON_ORACLES=1")
        }
        let path = Fixtures.repoRoot + "/scripts/" + script
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        p.arguments = ["python3", path] + args
        let stdin = Pipe(), stdout = Pipe(), stderr = Pipe()
        p.standardInput = stdin
        p.standardOutput = stdout
        p.standardError = stderr
        try p.run()
        let payload = try JSONSerialization.data(withJSONObject: inputs)
        stdin.fileHandleForWriting.write(payload)
        try stdin.fileHandleForWriting.close()
        let out = stdout.fileHandleForReading.readDataToEndOfFile()
        let err = stderr.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        guard p.terminationStatus == 0 else {
            XCTFail("oracle failed (run `make test-deps`): \(String(decoding: err, as: UTF8.self))")
            return []
        }
        let obj = try JSONSerialization.jsonObject(with: out) as? [[NSNumber]] ?? []
        return obj.map { $0.map(\.intValue) }
    }
}
