import Checkpoint
import Foundation
import XCTest

/// A tiny random BERT written both as a Hugging Face folder (safetensors) and as a GGUF file with
/// llama.cpp's tensor names, from the same seeded weights.
struct BERTTinyModel {
    static let vocab = 50, hidden = 16, intermediate = 24, layers = 2, heads = 4, positions = 20, types = 2

    /// Row-major shape and values, keyed by Hugging Face name.
    var tensors: [(hf: String, gguf: String, shape: [Int], values: [Float])] = []

    init(seed: UInt64) {
        var state = seed
        func random(_ count: Int, scale: Float, offset: Float = 0) -> [Float] {
            (0..<count).map { _ in
                state = state &* 6364136223846793005 &+ 1442695040888963407
                return offset + scale * (Float(state >> 40) / Float(1 << 24) * 2 - 1)
            }
        }
        let h = Self.hidden, i = Self.intermediate
        func add(_ hf: String, _ gguf: String, _ shape: [Int], scale: Float = 0.5, offset: Float = 0) {
            tensors.append((hf, gguf, shape, random(shape.reduce(1, *), scale: scale, offset: offset)))
        }
        add("embeddings.word_embeddings.weight", "token_embd.weight", [Self.vocab, h])
        add("embeddings.position_embeddings.weight", "position_embd.weight", [Self.positions, h])
        add("embeddings.token_type_embeddings.weight", "token_types.weight", [Self.types, h])
        add("embeddings.LayerNorm.weight", "token_embd_norm.weight", [h], scale: 0.2, offset: 1)
        add("embeddings.LayerNorm.bias", "token_embd_norm.bias", [h], scale: 0.1)
        for l in 0..<Self.layers {
            let p = "encoder.layer.\(l).", b = "blk.\(l)."
            for (hf, gg) in [("attention.self.query", "attn_q"), ("attention.self.key", "attn_k"),
                             ("attention.self.value", "attn_v"), ("attention.output.dense", "attn_output")] {
                add(p + hf + ".weight", b + gg + ".weight", [h, h])
                add(p + hf + ".bias", b + gg + ".bias", [h], scale: 0.1)
            }
            add(p + "attention.output.LayerNorm.weight", b + "attn_output_norm.weight", [h], scale: 0.2, offset: 1)
            add(p + "attention.output.LayerNorm.bias", b + "attn_output_norm.bias", [h], scale: 0.1)
            add(p + "intermediate.dense.weight", b + "ffn_up.weight", [i, h])
            add(p + "intermediate.dense.bias", b + "ffn_up.bias", [i], scale: 0.1)
            add(p + "output.dense.weight", b + "ffn_down.weight", [h, i])
            add(p + "output.dense.bias", b + "ffn_down.bias", [h], scale: 0.1)
            add(p + "output.LayerNorm.weight", b + "layer_output_norm.weight", [h], scale: 0.2, offset: 1)
            add(p + "output.LayerNorm.bias", b + "layer_output_norm.bias", [h], scale: 0.1)
        }
    }

    static var config: [String: Any] {
        ["model_type": "bert", "architectures": ["BertModel"], "vocab_size": vocab, "hidden_size": hidden,
         "intermediate_size": intermediate, "num_hidden_layers": layers, "num_attention_heads": heads,
         "max_position_embeddings": positions, "type_vocab_size": types, "layer_norm_eps": 1e-12,
         "hidden_act": "gelu", "position_embedding_type": "absolute"]
    }

    /// Writes a Hugging Face folder; `config` edits config.json, `skip` leaves tensors out, `pooling`
    /// is 1_Pooling/config.json (nil: no modules.json at all), `normalize` adds the Normalize module.
    func writeFolder(_ dir: String, config edit: (inout [String: Any]) -> Void = { _ in }, skip: Set<String> = [],
                     pooling: [String: Bool]? = ["pooling_mode_mean_tokens": true], normalize: Bool = true) throws {
        let fm = FileManager.default
        try fm.createDirectory(atPath: dir, withIntermediateDirectories: true)
        var config = Self.config
        edit(&config)
        try JSONSerialization.data(withJSONObject: config).write(to: URL(fileURLWithPath: dir + "/config.json"))
        if let pooling {
            try fm.createDirectory(atPath: dir + "/1_Pooling", withIntermediateDirectories: true)
            try JSONSerialization.data(withJSONObject: pooling).write(to: URL(fileURLWithPath: dir + "/1_Pooling/config.json"))
            var modules: [[String: Any]] = [
                ["idx": 0, "name": "0", "path": "", "type": "sentence_transformers.models.Transformer"],
                ["idx": 1, "name": "1", "path": "1_Pooling", "type": "sentence_transformers.models.Pooling"],
            ]
            if normalize {
                modules.append(["idx": 2, "name": "2", "path": "2_Normalize", "type": "sentence_transformers.models.Normalize"])
            }
            try JSONSerialization.data(withJSONObject: modules).write(to: URL(fileURLWithPath: dir + "/modules.json"))
        }
        // safetensors: u64 header length, JSON header (padded with spaces to 8 bytes), raw F32 data.
        var header: [String: Any] = ["__metadata__": ["format": "pt"]]
        var data: [UInt8] = []
        for t in tensors where !skip.contains(t.hf) {
            let bytes = t.values.withUnsafeBytes { Array($0) }
            header[t.hf] = ["dtype": "F32", "shape": t.shape, "data_offsets": [data.count, data.count + bytes.count]]
            data += bytes
        }
        var json = Array(try JSONSerialization.data(withJSONObject: header))
        while json.count % 8 != 0 { json.append(UInt8(ascii: " ")) }
        var file: [UInt8] = []
        withUnsafeBytes(of: UInt64(json.count).littleEndian) { file += $0 }
        file += json + data
        try Data(file).write(to: URL(fileURLWithPath: dir + "/model.safetensors"))
    }

    /// Writes a GGUF file (ggml shapes: innermost first). `f16` stores matrices as F16; `fuseQKV` writes
    /// `attn_qkv` instead of separate q/k/v, as some converters do.
    func writeGGUF(_ path: String, f16: Bool = false, fuseQKV: Bool = false, skip: Set<String> = [],
                   architecture: String = "bert", poolingType: UInt32 = 1) throws {
        var w = GGUFWriter()
        w.set("general.architecture", .string(architecture))
        w.set("bert.context_length", .uint32(UInt32(Self.positions)))
        w.set("bert.embedding_length", .uint32(UInt32(Self.hidden)))
        w.set("bert.feed_forward_length", .uint32(UInt32(Self.intermediate)))
        w.set("bert.block_count", .uint32(UInt32(Self.layers)))
        w.set("bert.attention.head_count", .uint32(UInt32(Self.heads)))
        w.set("bert.attention.layer_norm_epsilon", .float32(1e-12))
        w.set("bert.attention.causal", .bool(false))
        w.set("bert.pooling_type", .uint32(poolingType))
        var fused: [String: [Float]] = [:]
        for t in tensors where !skip.contains(t.gguf) {
            if fuseQKV, let r = t.gguf.range(of: #"\.attn_[qkv]\."#, options: .regularExpression) {
                let key = t.gguf.replacingCharacters(in: r, with: ".attn_qkv.")
                fused[key, default: []] += t.values  // q, k, v arrive in that order
                if t.gguf.contains(".attn_v.") {
                    try w.addTensor(key, shape: t.shape.count == 1 ? [3 * Self.hidden] : [Self.hidden, 3 * Self.hidden],
                                    floats: fused[key] ?? [])
                }
                continue
            }
            let shape = Array(t.shape.reversed())
            if f16 && shape.count == 2 {
                let halves = t.values.map { Float16($0).bitPattern }
                try w.addTensor(t.gguf, shape: shape, type: .f16, bytes: halves.withUnsafeBytes { Array($0) })
            } else {
                try w.addTensor(t.gguf, shape: shape, floats: t.values)
            }
        }
        try w.write(to: path)
    }
}

func temporaryFolder(_ test: XCTestCase) throws -> String {
    let dir = NSTemporaryDirectory() + "owl-bert-test-" + UUID().uuidString
    try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
    test.addTeardownBlock { try? FileManager.default.removeItem(atPath: dir) }
    return dir
}
