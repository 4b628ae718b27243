import Checkpoint
import Foundation
import Models
import XCTest

/// A tiny random BERT: the GGUF path against the same weights from safetensors, both against an
/// independent float64 numpy forward pass, and the loader's errors by their exact text.
final class BERTTinyTests: XCTestCase {
    static let batch: [[Int32]] = [[1, 7, 3, 2], [1, 49, 2], [1, 5, 6, 7, 8, 9, 10, 11, 12, 13, 2], [4], []]

    func testGGUFMatchesSafetensorsExactly() throws {
        let dir = try temporaryFolder(self)
        let tiny = BERTTinyModel(seed: 1)
        try tiny.writeFolder(dir + "/hf")
        try tiny.writeGGUF(dir + "/tiny.gguf")
        try tiny.writeGGUF(dir + "/fused.gguf", fuseQKV: true)
        let hf = try BERTModel(path: dir + "/hf")
        let gguf = try BERTModel(path: dir + "/tiny.gguf")
        let fused = try BERTModel(path: dir + "/fused.gguf")
        XCTAssertEqual(hf.config, gguf.config)
        XCTAssertEqual(gguf.config.pooling, BERTPooling(mode: .mean, normalize: true))
        let a = try hf.encode(batch: Self.batch)
        XCTAssertEqual(a, try gguf.encode(batch: Self.batch))
        XCTAssertEqual(a, try fused.encode(batch: Self.batch))
        XCTAssertEqual(a[4], [Float](repeating: 0, count: BERTTinyModel.hidden), "empty sequence")
        for v in a.prefix(4) { XCTAssertEqual(BERTTestFiles.dot(v, v), 1, accuracy: 1e-5) }
    }

    func testF16GGUFIsClose() throws {
        let dir = try temporaryFolder(self)
        let tiny = BERTTinyModel(seed: 2)
        try tiny.writeFolder(dir + "/hf")
        try tiny.writeGGUF(dir + "/f16.gguf", f16: true)
        let a = try BERTModel(path: dir + "/hf").encode(batch: Self.batch)
        let b = try BERTModel(path: dir + "/f16.gguf").encode(batch: Self.batch)
        for (x, y) in zip(a, b) { XCTAssertLessThanOrEqual(BERTTestFiles.maxAbsDiff(x, y), 5e-3) }
        XCTAssertNotEqual(a, b, "F16 rounding must change something, or the F16 path was not taken")
    }

    /// Any split of the batch over threads gives the same vectors as one sequence at a time.
    func testBatchingAndThreadsDoNotMixSequences() throws {
        let dir = try temporaryFolder(self)
        try BERTTinyModel(seed: 3).writeGGUF(dir + "/tiny.gguf")
        let m = try BERTModel(path: dir + "/tiny.gguf")
        let single = try Self.batch.map { try m.encode(batch: [$0])[0] }
        for threads in 1...6 {
            let got = try m.encode(batch: Self.batch, threads: threads)
            for (x, y) in zip(got, single) { XCTAssertLessThanOrEqual(BERTTestFiles.maxAbsDiff(x, y), 1e-6, "threads \(threads)") }
        }
        XCTAssertEqual(try m.encode(batch: []), [])
        XCTAssertEqual(try m.embed(Self.batch, batchSize: 2, threads: 2).count, Self.batch.count)
    }

    /// An independent float64 numpy forward pass of the same safetensors file, for mean and CLS pooling.
    func testMatchesNumpyOracle() throws {
        let dir = try temporaryFolder(self)
        let tiny = BERTTinyModel(seed: 4)
        try tiny.writeFolder(dir + "/mean")
        try tiny.writeFolder(dir + "/cls", pooling: ["pooling_mode_cls_token": true], normalize: false)
        let batch = Array(Self.batch.prefix(4))
        let oracle = try numpyOracle(folder: dir + "/mean", batch: batch)
        let mean = try BERTModel(path: dir + "/mean").encode(batch: batch)
        let cls = try BERTModel(path: dir + "/cls")
        XCTAssertEqual(cls.config.pooling, BERTPooling(mode: .cls, normalize: false))
        let clsVectors = try cls.encode(batch: batch)
        for i in batch.indices {
            XCTAssertLessThanOrEqual(BERTTestFiles.maxAbsDiff(mean[i], oracle.mean[i]), 2e-5, "mean \(i)")
            XCTAssertLessThanOrEqual(BERTTestFiles.maxAbsDiff(clsVectors[i], oracle.cls[i]), 5e-5, "cls \(i)")
        }
    }

    func numpyOracle(folder: String, batch: [[Int32]]) throws -> (mean: [[Float]], cls: [[Float]]) {
        let script = #"""
import json, math, struct, sys
import numpy as np
folder, batch = sys.argv[1], json.loads(sys.argv[2])
cfg = json.load(open(folder + "/config.json"))
raw = open(folder + "/model.safetensors", "rb").read()
n = struct.unpack("<Q", raw[:8])[0]
header = json.loads(raw[8:8 + n])
W = {k: np.frombuffer(raw[8 + n + v["data_offsets"][0]:8 + n + v["data_offsets"][1]], dtype="<f4")
        .astype(np.float64).reshape(v["shape"]) for k, v in header.items() if k != "__metadata__"}
eps, H, heads = cfg["layer_norm_eps"], cfg["hidden_size"], cfg["num_attention_heads"]
d = H // heads
erf = np.vectorize(math.erf)
def ln(x, p):
    m = x.mean(-1, keepdims=True); v = ((x - m) ** 2).mean(-1, keepdims=True)
    return (x - m) / np.sqrt(v + eps) * W[p + ".weight"] + W[p + ".bias"]
def lin(x, p): return x @ W[p + ".weight"].T + W[p + ".bias"]
out = {"mean": [], "cls": []}
for ids in batch:
    L = len(ids)
    x = W["embeddings.word_embeddings.weight"][ids] + W["embeddings.position_embeddings.weight"][:L] \
        + W["embeddings.token_type_embeddings.weight"][0]
    x = ln(x, "embeddings.LayerNorm")
    for l in range(cfg["num_hidden_layers"]):
        p = "encoder.layer.%d." % l
        q, k, v = (lin(x, p + "attention.self." + s).reshape(L, heads, d).transpose(1, 0, 2) for s in ("query", "key", "value"))
        s = q @ k.transpose(0, 2, 1) / math.sqrt(d)
        s = np.exp(s - s.max(-1, keepdims=True)); s /= s.sum(-1, keepdims=True)
        ctx = (s @ v).transpose(1, 0, 2).reshape(L, H)
        x = ln(x + lin(ctx, p + "attention.output.dense"), p + "attention.output.LayerNorm")
        u = lin(x, p + "intermediate.dense"); u = 0.5 * u * (1 + erf(u / math.sqrt(2)))
        x = ln(x + lin(u, p + "output.dense"), p + "output.LayerNorm")
    m = x.mean(0)
    out["mean"].append((m / max(np.linalg.norm(m), 1e-12)).tolist())
    out["cls"].append(x[0].tolist())
print(json.dumps(out))
"""#
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        let batchJSON = String(decoding: try JSONSerialization.data(withJSONObject: batch.map { $0.map(Int.init) }), as: UTF8.self)
        p.arguments = ["python3", "-c", script, folder, batchJSON]
        let out = Pipe(), err = Pipe()
        p.standardOutput = out
        p.standardError = err
        try p.run()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        let errText = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        p.waitUntilExit()
        guard p.terminationStatus == 0 else {
            XCTFail("numpy oracle failed (pip install -r scripts/test-requirements.txt): \(errText)")
            throw XCTSkip("oracle unavailable")
        }
        let obj = try XCTUnwrap(JSONSerialization.jsonObject(with: data) as? [String: Any])
        let mean = try XCTUnwrap(obj["mean"] as? [Any]).map { try BERTTestFiles.floats($0) }
        let cls = try XCTUnwrap(obj["cls"] as? [Any]).map { try BERTTestFiles.floats($0) }
        return (mean, cls)
    }

    // MARK: - Errors, by their exact text

    func testErrorMessages() throws {
        let dir = try temporaryFolder(self)
        let tiny = BERTTinyModel(seed: 5)
        func loadError(_ build: (String) throws -> Void, _ path: String) throws -> String {
            try build(path)
            do {
                _ = try BERTModel(path: path)
                XCTFail("\(path) loaded")
                return ""
            } catch let e as BERTError {
                return e.description
            }
        }
        let cases: [(String, (String) throws -> Void, String)] = [
            ("relative", { try tiny.writeFolder($0) { $0["position_embedding_type"] = "relative_key" } },
             "/relative/config.json: position_embedding_type 'relative_key' is not supported by Owl's BERT encoder"),
            ("act", { try tiny.writeFolder($0) { $0["hidden_act"] = "gelu_new" } },
             "/act/config.json: hidden_act 'gelu_new' is not supported by Owl's BERT encoder"),
            ("roberta", { try tiny.writeFolder($0) { $0["model_type"] = "roberta" } },
             "/roberta/config.json: architecture is 'roberta', not 'bert'; load it with the matching model"),
            ("noheads", { try tiny.writeFolder($0) { $0["num_attention_heads"] = nil } },
             "/noheads/config.json: 'num_attention_heads' is missing or not an integer"),
            ("badheads", { try tiny.writeFolder($0) { $0["num_attention_heads"] = 5 } },
             "/badheads/config.json: 'num_attention_heads' (5) does not divide the hidden size 16"),
            ("maxpool", { try tiny.writeFolder($0, pooling: ["pooling_mode_max_tokens": true]) },
             "/maxpool/1_Pooling/config.json: pooling 'pooling_mode_max_tokens' is not supported by Owl's BERT encoder"),
            ("missing", { try tiny.writeFolder($0, skip: ["encoder.layer.1.output.dense.bias"]) },
             "/missing: tensor 'encoder.layer.1.output.dense.bias' is missing; the checkpoint is incomplete or not a BERT encoder"),
            ("shape", { try tiny.writeFolder($0) { $0["intermediate_size"] = 32 } },
             "/shape: tensor 'encoder.layer.0.intermediate.dense.weight' has shape [24, 16], expected [32, 16] from the configuration"),
            ("missing.gguf", { try tiny.writeGGUF($0, skip: ["blk.0.attn_k.weight"]) },
             "/missing.gguf: tensor 'blk.0.attn_k.weight' is missing; the checkpoint is incomplete or not a BERT encoder"),
            ("llama.gguf", { try tiny.writeGGUF($0, architecture: "llama") },
             "/llama.gguf: architecture is 'llama', not 'bert'; load it with the matching model"),
            ("rank.gguf", { try tiny.writeGGUF($0, poolingType: 4) },
             "/rank.gguf: bert.pooling_type '4' is not supported by Owl's BERT encoder"),
        ]
        for (name, build, expected) in cases {
            XCTAssertEqual(try loadError(build, dir + "/" + name), dir + expected, name)
        }
    }

    func testInputErrors() throws {
        let dir = try temporaryFolder(self)
        try BERTTinyModel(seed: 6).writeGGUF(dir + "/tiny.gguf")
        let m = try BERTModel(path: dir + "/tiny.gguf")
        XCTAssertThrowsError(try m.encode(batch: [[1, 2], [1, 50]])) {
            XCTAssertEqual(String(describing: $0),
                           "token id 50 is outside the vocabulary (0..<50); the tokenizer does not match the model")
        }
        XCTAssertThrowsError(try m.encode(batch: [[Int32](repeating: 1, count: 21)])) {
            XCTAssertEqual(String(describing: $0), "sequence of 21 tokens exceeds the model's 20 positions; truncate the input")
        }
        XCTAssertThrowsError(try m.encode(batch: [[-1]])) {
            XCTAssertEqual($0 as? BERTError, .tokenOutOfRange(id: -1, vocabSize: 50))
        }
    }

    /// Without a Normalize module the pooled vector keeps its length.
    func testNoNormalizeModule() throws {
        let dir = try temporaryFolder(self)
        let tiny = BERTTinyModel(seed: 7)
        try tiny.writeFolder(dir + "/plain", normalize: false)
        try tiny.writeFolder(dir + "/bare", pooling: nil)
        let plain = try BERTModel(path: dir + "/plain")
        XCTAssertEqual(plain.config.pooling, BERTPooling(mode: .mean, normalize: false))
        let v = try plain.encode(batch: [[1, 2, 3]])[0]
        XCTAssertGreaterThan(abs(BERTTestFiles.dot(v, v) - 1), 1e-3)
        // No modules.json: mean pooling, normalized (the sentence-transformers default for BERT).
        XCTAssertEqual(try BERTModel(path: dir + "/bare").config.pooling, BERTPooling(mode: .mean, normalize: true))
    }
}
