import Foundation
import Models
import XCTest

/// Tiny random models against the exact numpy reference (shared/tools/reference/owl_reference.py):
/// covers settings the real checkpoints do not use (linear RoPE scaling, a separate output head,
/// GQA with 2 KV heads, a short sliding window on Gemma 3).
final class TinyOracleTests: XCTestCase {
    /// Runs the oracle; skips when python3 with numpy and gguf is not available.
    func oracle(_ path: String, ids: [Int32]) throws -> [(Int, Double)] {
        let script = try Fixtures.goldens().deletingLastPathComponent().appendingPathComponent("tools/reference/owl_reference.py")
        guard FileManager.default.fileExists(atPath: script.path) else { throw XCTSkip("no \(script.path)") }
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        p.arguments = ["python3", script.path, path, "--ids", ids.map(String.init).joined(separator: ","),
                       "--steps", "1", "--top", "96"]
        let out = Pipe(), err = Pipe()
        p.standardOutput = out
        p.standardError = err
        try p.run()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        guard p.terminationStatus == 0,
              let obj = try JSONSerialization.jsonObject(with: data) as? [String: Any],
              let top = obj["top96_last_position"] as? [[Any]] else {
            let msg = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            if msg.contains("ModuleNotFoundError") { throw XCTSkip("python3 lacks numpy/gguf: \(msg)") }
            XCTFail("oracle failed: \(msg)")
            return []
        }
        return top.compactMap { pair in
            guard let i = pair.first as? Int, let v = pair.last as? Double else { return nil }
            return (i, v)
        }
    }

    func testTinyModelsMatchTheNumpyReference() throws {
        var linear = TinyModel(.llama)
        linear.extraMetadata = [("llama.rope.scaling.type", .string("linear")), ("llama.rope.scaling.factor", .float32(4))]
        linear.tiedOutput = false
        var gemma = TinyModel(.gemma3)
        gemma.seed = 3
        let cases: [(String, TinyModel)] = [("llama", TinyModel(.llama)), ("llama linear rope, separate head", linear),
                                            ("gemma3 window 4", gemma)]
        let ids: [Int32] = [5, 17, 3, 88, 42, 7, 19, 60, 2, 31, 9, 77]
        for (name, tiny) in cases {
            let path = try tiny.writeFile()
            defer { try? FileManager.default.removeItem(atPath: path) }
            let expected = try oracle(path, ids: ids)
            XCTAssertEqual(expected.count, 96, name)
            let model = try ModelRegistry.standard.load(gguf: .init(path: path), mode: .reference)
            let logits = try model.forward(tokens: ids, cache: model.makeCache(maxTokens: 16))
            let scale = expected.map { abs($0.1) }.max() ?? 1
            var maxErr = 0.0
            for (i, v) in expected { maxErr = max(maxErr, abs(Double(logits.last[logits.last.startIndex + i]) - v)) }
            print("tiny \(name): max |logit diff| \(maxErr) (logits up to \(scale))")
            XCTAssertLessThanOrEqual(maxErr, 1e-4 * max(1, scale), name)
        }
    }
}
