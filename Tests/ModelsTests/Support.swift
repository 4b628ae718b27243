import Checkpoint
import Foundation
import Models
import TestSupport
import XCTest

/// Locates the installed models and the shared goldens for the tests.
enum Fixtures {
    /// `$OWL_HOME` (default ~/.owl).
    static var owlHome: String { TestSupport.owlHome }

    static let smolPath = "models/smollm2-135m-instruct/SmolLM2-135M-Instruct.Q4_1.gguf"
    static let gemmaPath = "models/gemma3-270m/gemma-3-270m-q4_k_m.gguf"

    /// Opens an installed model, or skips the test when it is not installed.
    static func model(_ relative: String) throws -> GGUFFile {
        let path = owlHome + "/" + relative
        guard FileManager.default.fileExists(atPath: path) else {
            throw XCTSkip("\(path) is not installed (run scripts/models.sh)")
        }
        return try GGUFFile(path: path)
    }

    /// The shared goldens folder (see `TestSupport.goldensDirectory`).
    static func goldens() throws -> URL { URL(fileURLWithPath: try goldensDirectory()) }

    static func json(_ relative: String) throws -> [String: Any] {
        let data = try Data(contentsOf: goldens().appendingPathComponent(relative))
        guard let obj = try JSONSerialization.jsonObject(with: data) as? [String: Any] else {
            throw XCTSkip("\(relative) is not a JSON object")
        }
        return obj
    }

    static func f32(_ relative: String) throws -> [Float] {
        let data = try Data(contentsOf: goldens().appendingPathComponent(relative))
        return data.withUnsafeBytes { Array($0.bindMemory(to: Float.self)) }
    }
}

/// One golden prompt: ids, top-20, greedy continuation and its margins.
struct GoldenPrompt {
    let name: String
    let ids: [Int32]
    let top: [(id: Int, logit: Double)]
    let greedy: [Int32]
    let margins: [Double]
    let fullLogitsFile: String?

    init(_ d: [String: Any]) {
        name = d["name"] as? String ?? "?"
        ids = (d["prompt_ids"] as? [Int] ?? []).map(Int32.init)
        top = (d["top20_last_position"] as? [Any] ?? []).compactMap { e in
            if let pair = e as? [Any], pair.count == 2, let i = pair[0] as? Int, let v = pair[1] as? Double { return (i, v) }
            if let o = e as? [String: Any], let i = o["id"] as? Int, let v = o["logit"] as? Double { return (i, v) }
            return nil
        }
        greedy = (d["greedy_ids"] as? [Int] ?? []).map(Int32.init)
        margins = d["greedy_top1_top2_margin"] as? [Double] ?? []
        fullLogitsFile = d["full_logits_file"] as? String
    }
}

func argmax(_ v: ArraySlice<Float>) -> Int {
    var best = v.startIndex
    for i in v.indices where v[i] > v[best] { best = i }
    return best - v.startIndex
}

/// Greedy decoding: `steps` tokens after `prompt`, the prompt in one batch then one token per call.
func greedy(_ model: any LanguageModel, prompt: [Int32], steps: Int) throws -> [Int32] {
    let cache = model.makeCache(maxTokens: prompt.count + steps)
    var logits = try model.forward(tokens: prompt, cache: cache)
    var out: [Int32] = []
    for s in 0..<steps {
        let next = Int32(argmax(logits.last))
        out.append(next)
        if s + 1 < steps { logits = try model.forward(tokens: [next], cache: cache) }
    }
    return out
}

/// Number of leading greedy tokens that must agree: up to and including the first step whose golden
/// top1−top2 margin is below `margin` (from there on the reference itself is ambiguous, so the step
/// with a small margin is not checked).
func comparablePrefix(_ margins: [Double], margin: Double) -> Int {
    margins.firstIndex { $0 < margin } ?? margins.count
}
