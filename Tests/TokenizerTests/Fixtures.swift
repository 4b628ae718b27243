import Foundation
import TestSupport
import XCTest
@testable import Tokenizer

/// Where the tests find models, goldens and cached downloads.
enum Fixtures {
    static let env = ProcessInfo.processInfo.environment
    static var owlHome: String { TestSupport.owlHome }
    /// The shared goldens folder (see `TestSupport.goldensDirectory`).
    static var goldens: String { (try? goldensDirectory()) ?? "shared/goldens (not found; set OWL_GOLDENS)" }
    static var repoRoot: String {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().path
    }

    static func file(_ path: String) throws -> String {
        guard FileManager.default.fileExists(atPath: path) else { throw XCTSkip("\(path) is absent (run `make models` / see /work/shared/goldens)") }
        return path
    }

    static func json(_ path: String) throws -> Any {
        let data = try Data(contentsOf: URL(fileURLWithPath: try file(path)))
        return try JSONSerialization.jsonObject(with: data)
    }

    static func smolLM() throws -> GGUFTokenizer {
        try Tokenizer.load(ggufPath: file(owlHome + "/models/smollm2-135m-instruct/SmolLM2-135M-Instruct.Q4_1.gguf"))
    }

    static func gemma() throws -> GGUFTokenizer {
        try Tokenizer.load(ggufPath: file(owlHome + "/models/gemma3-270m/gemma-3-270m-q4_k_m.gguf"))
    }

    static func miniLM() throws -> WordPieceTokenizer {
        try WordPieceTokenizer(folder: file(owlHome + "/models/all-minilm-l6-v2"))
    }

    /// Bytes as Python's `decode('utf-8', 'backslashreplace')` shows them.
    static func backslashReplace(_ b: [UInt8]) -> String {
        var out = ""
        var i = 0
        while i < b.count {
            let n = utf8SequenceLength(b[i])
            if i + n <= b.count, let s = String(validating: b[i..<i + n], as: UTF8.self), (b[i] < 0x80 || n > 1) {
                out += s; i += n
            } else {
                out += "\\x" + String(b[i], radix: 16).leftPadded(2); i += 1
            }
        }
        return out
    }
}

extension Array where Element == NSNumber { var ints: [Int] { map(\.intValue) } }
