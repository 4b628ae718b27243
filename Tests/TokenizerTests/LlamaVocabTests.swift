import Foundation
import XCTest
@testable import Tokenizer

/// llama.cpp's tokenizer test cases: vocab-only GGUF files with inputs (`.inp`, separated by
/// `\n__ggml_vocab_test__\n`) and expected ids (`.out`, one line per input), tokenized with
/// add_special=false, parse_special=false. Fixtures: scripts/fetch-llama-vocab.sh (run by `make test-deps`).
final class LlamaVocabTests: XCTestCase {
    static var vocabDir: String? {
        let candidates = [Fixtures.env["OWL_LLAMA_VOCAB_DIR"], Fixtures.owlHome + "/cache/llama-vocab"].compactMap { $0 }
        return candidates.first { FileManager.default.fileExists(atPath: $0 + "/ggml-vocab-gpt-2.gguf") }
    }

    /// (file, expected pass count = all cases): every vocabulary whose algorithm and pre-tokenizer Owl implements.
    static let supported = [
        "gpt-2", "llama-bpe", "qwen2", "qwen35", "deepseek-llm", "deepseek-coder", "starcoder", "falcon", "refact", "command-r",
        "mpt", "llama-spm", "phi-3", "bert-bge", "gemma-4",
    ]

    func cases(_ name: String, in dir: String) throws -> [(String, [Int])] {
        let raw = try Data(contentsOf: URL(fileURLWithPath: "\(dir)/ggml-vocab-\(name).gguf.inp"))
        let out = try String(contentsOfFile: "\(dir)/ggml-vocab-\(name).gguf.out", encoding: .utf8)
        let sep = Array("\n__ggml_vocab_test__\n".utf8)
        var inputs: [String] = []
        let bytes = [UInt8](raw)
        var pos = 0
        while pos < bytes.count {
            var next = -1
            var i = pos
            while i + sep.count <= bytes.count {
                if bytes[i] == sep[0] && Array(bytes[i..<i + sep.count]) == sep { next = i; break }
                i += 1
            }
            if next < 0 { inputs.append(String(decoding: bytes[pos...], as: UTF8.self)); break }
            inputs.append(String(decoding: bytes[pos..<next], as: UTF8.self))
            pos = next + sep.count
        }
        var lines = out.components(separatedBy: "\n")
        if lines.last == "" { lines.removeLast() }
        XCTAssertEqual(inputs.count, lines.count, name)
        return zip(inputs, lines).map { input, line in
            (input, line.split(separator: " ").compactMap { Int($0) })
        }
    }

    func testAllSupportedVocabularies() throws {
        guard let dir = Self.vocabDir else {
            throw XCTSkip("llama.cpp vocab fixtures absent: run scripts/fetch-llama-vocab.sh (make test-deps), or set OWL_LLAMA_VOCAB_DIR")
        }
        var report: [String] = []
        for name in Self.supported {
            let tok = try Tokenizer.load(ggufPath: "\(dir)/ggml-vocab-\(name).gguf")
            let cs = try cases(name, in: dir)
            var pass = 0
            for (input, want) in cs {
                let got = tok.encode(input, addSpecial: false, parseSpecial: false)
                if got == want { pass += 1 } else {
                    XCTFail("\(name): \(input.debugDescription.prefix(80)): got \(got.prefix(40)), want \(want.prefix(40))")
                }
            }
            report.append("\(name) \(pass)/\(cs.count)")
        }
        print("llama.cpp vocab cases: " + report.joined(separator: ", "))
    }
}
