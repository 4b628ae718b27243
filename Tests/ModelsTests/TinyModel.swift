import Checkpoint
import Foundation
import Kernels
import TestSupport

/// Tiny random models written with `GGUFWriter`, one per architecture, for fast shape, cache and
/// error tests. Matrices use the quantized types the real models use (random blocks with sane scales),
/// so the fast path runs its real kernels.
struct TinyModel {
    typealias RNG = SplitMix64

    enum Arch: String { case llama, gemma3 }

    let arch: Arch
    var vocab = 96
    var layers = 3
    var embd: Int
    var heads = 4
    var kvHeads = 2
    var headDim: Int
    var ff: Int
    var window = 4
    var tiedOutput = true
    var omit: Set<String> = []
    var extraMetadata: [(String, GGUFValue)] = []
    var seed: UInt64 = 1

    init(_ arch: Arch) {
        self.arch = arch
        switch arch {
        case .llama: embd = 64; headDim = 16; ff = 96
        case .gemma3: embd = 256; headDim = 64; ff = 256; kvHeads = 1
        }
    }

    /// Random blocks of `type` with small scales (values of order 0.1–1).
    static func randomBlocks(_ type: GGMLType, count: Int, rng: inout RNG) -> [UInt8] {
        var out: [UInt8] = []
        for _ in 0..<(count / type.blockSize) {
            var b = (0..<type.typeSize).map { _ in rng.byte() }
            func half(_ o: Int, _ v: Float) { let h = f32ToF16(v); b[o] = UInt8(h & 0xFF); b[o + 1] = UInt8(h >> 8) }
            switch type {
            case .q4_0, .q5_0: half(0, 0.02 + 0.02 * abs(rng.float()))
            case .q8_0: half(0, 0.002 + 0.002 * abs(rng.float()))
            case .q4_1, .q5_1: half(0, 0.02 + 0.02 * abs(rng.float())); half(2, -0.15 - 0.05 * abs(rng.float()))
            case .q4_K, .q5_K: half(0, 0.0005 + 0.0005 * abs(rng.float())); half(2, 0.0005 * abs(rng.float()))
            case .q6_K: half(208, 0.0003 + 0.0003 * abs(rng.float()))
            default: break
            }
            out += b
        }
        return out
    }

    /// Writes the model to a temporary file and opens it (the file name is removed; the mapping stays).
    func write() throws -> GGUFFile {
        let path = try writeFile()
        defer { try? FileManager.default.removeItem(atPath: path) }
        return try GGUFFile(path: path)
    }

    /// Writes the model to a new temporary file and returns its path (the caller removes it).
    func writeFile() throws -> String {
        var rng = RNG(state: seed)
        var w = GGUFWriter()
        let a = arch.rawValue
        w.set("general.architecture", .string(a))
        w.set("\(a).block_count", .uint32(UInt32(layers)))
        w.set("\(a).context_length", .uint32(64))
        w.set("\(a).embedding_length", .uint32(UInt32(embd)))
        w.set("\(a).feed_forward_length", .uint32(UInt32(ff)))
        w.set("\(a).attention.head_count", .uint32(UInt32(heads)))
        w.set("\(a).attention.head_count_kv", .uint32(UInt32(kvHeads)))
        w.set("\(a).attention.key_length", .uint32(UInt32(headDim)))
        w.set("\(a).attention.value_length", .uint32(UInt32(headDim)))
        w.set("\(a).attention.layer_norm_rms_epsilon", .float32(1e-6))
        w.set("\(a).rope.freq_base", .float32(arch == .gemma3 ? 1_000_000 : 10000))
        if arch == .gemma3 {
            w.set("\(a).attention.sliding_window", .uint32(UInt32(window)))
            w.set("\(a).attention.sliding_window_pattern", .uint32(3))
        }
        for (k, v) in extraMetadata { w.set(k, v) }

        func add(_ name: String, _ shape: [Int], _ type: GGMLType) throws {
            guard !omit.contains(name) else { return }
            let n = shape.reduce(1, *)
            if type == .f32 {
                try w.addTensor(name, shape: shape, floats: (0..<n).map { _ in rng.float() * 0.5 })
            } else {
                try w.addTensor(name, shape: shape, type: type, bytes: Self.randomBlocks(type, count: n, rng: &rng))
            }
        }
        func norm(_ name: String, _ n: Int) throws {
            guard !omit.contains(name) else { return }
            try w.addTensor(name, shape: [n], floats: (0..<n).map { _ in 1 + 0.2 * rng.float() })
        }
        let kv = kvHeads * headDim, q = heads * headDim
        // Gemma uses 256-value K-quant blocks where the width allows, like the real file.
        let (qType, vType, oType, upType, downType): (GGMLType, GGMLType, GGMLType, GGMLType, GGMLType) =
            arch == .llama ? (.q4_1, .q4_1, .q4_1, .q4_1, .q4_1) : (.q5_0, .q8_0, .q4_K, .q5_0, .q6_K)
        try add("token_embd.weight", [embd, vocab], .q8_0)
        for l in 0..<layers {
            let b = "blk.\(l)."
            try norm(b + "attn_norm.weight", embd)
            try add(b + "attn_q.weight", [embd, q], qType)
            try add(b + "attn_k.weight", [embd, kv], qType)
            try add(b + "attn_v.weight", [embd, kv], vType)
            try add(b + "attn_output.weight", [q, embd], oType)
            try norm(b + "ffn_norm.weight", embd)
            try add(b + "ffn_gate.weight", [embd, ff], upType)
            try add(b + "ffn_up.weight", [embd, ff], upType)
            try add(b + "ffn_down.weight", [ff, embd], downType)
            if arch == .gemma3 {
                try norm(b + "attn_q_norm.weight", headDim)
                try norm(b + "attn_k_norm.weight", headDim)
                try norm(b + "post_attention_norm.weight", embd)
                try norm(b + "post_ffw_norm.weight", embd)
            }
        }
        try norm("output_norm.weight", embd)
        if !tiedOutput { try add("output.weight", [embd, vocab], .q8_0) }
        let path = NSTemporaryDirectory() + "owl-tiny-\(a)-\(UUID().uuidString).gguf"
        try w.write(to: path)
        return path
    }
}
