import Checkpoint
import Foundation
import Models
import XCTest

/// SmolLM2-135M (llama) against the exact float64 reference and llama.cpp.
final class SmolLM2Tests: XCTestCase {
    static let goldenDir = "smollm2-135m/"

    func prompts() throws -> [GoldenPrompt] {
        let j = try Fixtures.json(Self.goldenDir + "logits_numpy_ref_smollm2_135m.json")
        return (j["items"] as? [[String: Any]] ?? []).map(GoldenPrompt.init)
    }

    func testReferenceLogitsMatchExactMath() throws {
        let g = try Fixtures.model(Fixtures.smolPath)
        let model = try ModelRegistry.standard.load(gguf: g, mode: .reference)
        let ps = try prompts()
        XCTAssertEqual(ps.count, 6)
        for p in ps {
            let exact = try Fixtures.f32(Self.goldenDir + "logits_ref_last_\(p.name).f32")
            let cache = model.makeCache(maxTokens: 256)
            let logits = try model.forward(tokens: p.ids, cache: cache)
            var maxErr: Float = 0
            for (a, b) in zip(logits.last, exact) { maxErr = max(maxErr, abs(a - b)) }
            print("reference \(p.name): max |logit diff| = \(maxErr)")
            XCTAssertLessThanOrEqual(maxErr, 1e-3, p.name)
        }
    }
}

extension SmolLM2Tests {
    /// Top-1 on every prompt with margin ≥ 0.5, and the mean absolute logit error against exact math at
    /// most 1.1× llama.cpp's over the six prompts — at every prompt position (178), not only the last.
    ///
    /// Six last positions are six correlated draws: any last-bit change of rounding moves their mean by
    /// ±15%, and llama.cpp itself, rerun on this machine, lands at 1.16× its own golden on them. The
    /// all-position golden (scripts/goldens/smollm2_all_positions.py: exact float64 pass and llama.cpp
    /// 0c1e570 on a seeded 1,024-id sample of the vocabulary) measures the same error with a stable mean.
    func testFastPathIsAsCloseToExactMathAsLlamaCpp() throws {
        let g = try Fixtures.model(Fixtures.smolPath)
        let model = try ModelRegistry.standard.load(gguf: g, mode: .fast, threads: 2)
        let golden = try AllPositionsGolden.load()
        var ours = 0.0, peer = 0.0, lastOurs = 0.0, lastPeer = 0.0, n = 0, row = 0
        for p in try prompts() {
            let exact = try Fixtures.f32(Self.goldenDir + "logits_ref_last_\(p.name).f32")
            let llama = try Fixtures.f32(Self.goldenDir + "logits_last_\(p.name).f32")
            let logits = try model.forward(tokens: p.ids, cache: model.makeCache(maxTokens: 256), wantAllLogits: true)
            XCTAssertEqual(logits.positions, p.ids.count)
            let last = logits.last
            for i in 0..<exact.count {
                lastOurs += Double(abs(last[last.startIndex + i] - exact[i]))
                lastPeer += Double(abs(llama[i] - exact[i]))
            }
            var sum = 0.0, peerSum = 0.0
            for t in 0..<logits.positions {
                let mine = logits.row(t), base = mine.startIndex
                for (k, id) in golden.vocab.enumerated() {
                    let e = Double(golden.exact[row * golden.vocab.count + k])
                    sum += abs(Double(mine[base + id]) - e)
                    peerSum += abs(Double(golden.llama[row * golden.vocab.count + k]) - e)
                }
                row += 1
            }
            print("fast \(p.name): mean |diff| at all \(logits.positions) positions \(sum / Double(logits.positions * golden.vocab.count)), llama.cpp \(peerSum / Double(logits.positions * golden.vocab.count))")
            ours += sum; peer += peerSum; n += logits.positions * golden.vocab.count
            if p.margins.first.map({ $0 >= 0.5 }) ?? false {
                XCTAssertEqual(argmax(last), Int(p.greedy[0]), "top-1 of \(p.name)")
            }
        }
        XCTAssertEqual(row, golden.positions, "prompt positions in the all-position golden")
        print("fast mean |diff|, last positions only: \(lastOurs / Double(6 * 49152)) vs llama.cpp golden \(lastPeer / Double(6 * 49152))")
        print("fast mean |diff|, all positions: \(ours / Double(n)) vs llama.cpp \(peer / Double(n)) (ratio \(ours / peer))")
        XCTAssertLessThanOrEqual(ours, 1.1 * peer)
    }

    func testGreedyContinuationsMatchExactMath() throws {
        let g = try Fixtures.model(Fixtures.smolPath)
        for (mode, margin) in [(ComputeMode.reference, 0.1), (.fast, 0.5)] {
            let model = try ModelRegistry.standard.load(gguf: g, mode: mode, threads: 2)
            for p in try prompts() {
                let k = comparablePrefix(p.margins, margin: margin)
                let got = try greedy(model, prompt: p.ids, steps: k)
                print("\(mode) greedy \(p.name): \(k) comparable steps")
                XCTAssertEqual(got, Array(p.greedy.prefix(k)), "\(mode) \(p.name)")
            }
        }
    }
}

/// The all-position golden: a JSON header line, then float32 exact and llama.cpp logits [positions, ids].
struct AllPositionsGolden {
    let vocab: [Int]
    let positions: Int
    let exact: [Float]
    let llama: [Float]

    static func load() throws -> AllPositionsGolden {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
            .appendingPathComponent("Fixtures/smollm2_all_positions.bin")
        let data = try Data(contentsOf: url)
        guard let newline = data.firstIndex(of: 0x0A),
              let header = try JSONSerialization.jsonObject(with: data[..<newline]) as? [String: Any],
              let vocab = header["vocab_ids"] as? [Int], let positions = header["positions"] as? Int else {
            throw CocoaError(.fileReadCorruptFile)
        }
        let count = positions * vocab.count
        let body = data[(newline + 1)...]
        guard body.count == 2 * count * 4 else { throw CocoaError(.fileReadCorruptFile) }
        let floats = body.withUnsafeBytes { raw in (0..<(2 * count)).map { raw.loadUnaligned(fromByteOffset: $0 * 4, as: Float.self) } }
        return AllPositionsGolden(vocab: vocab, positions: positions, exact: Array(floats[..<count]), llama: Array(floats[count...]))
    }
}
