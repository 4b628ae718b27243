import Checkpoint
import Foundation
import TestSupport
import XCTest

final class GGUFTests: XCTestCase {
    /// A small file exercising every metadata type, nested arrays and a few tensor types.
    static func sampleWriter() throws -> GGUFWriter {
        var w = GGUFWriter()
        w.set("general.architecture", .string("llama"))
        w.set("general.name", .string("tiny ✓"))
        w.set("t.u8", .uint8(200))
        w.set("t.i8", .int8(-100))
        w.set("t.u16", .uint16(60000))
        w.set("t.i16", .int16(-30000))
        w.set("t.u32", .uint32(4_000_000_000))
        w.set("t.i32", .int32(-2_000_000_000))
        w.set("t.u64", .uint64(1 << 60))
        w.set("t.i64", .int64(-(1 << 60)))
        w.set("t.f32", .float32(1.5))
        w.set("t.f64", .float64(-2.25))
        w.set("t.bool", .bool(true))
        w.set("t.strings", .array(.string, [.string("a"), .string(""), .string("ü")]))
        w.set("t.floats", .array(.float32, [.float32(0.25), .float32(-3)]))
        w.set("t.bools", .array(.bool, [.bool(false), .bool(true)]))
        w.set("t.u64s", .array(.uint64, [.uint64(1), .uint64(UInt64.max)]))
        w.set("t.nested", .array(.array, [.array(.int32, [.int32(1), .int32(2)]), .array(.int32, [])]))
        w.set("llama.context_length", .uint32(128))
        try w.addTensor("a.weight", shape: [4, 2], floats: [1, 2, 3, 4, 5, 6, 7, 8])
        try w.addTensor("b.weight", shape: [32], type: .q8_0, bytes: [UInt8](repeating: 1, count: 34))
        try w.addTensor("c.weight", shape: [256, 1], type: .q4_K, bytes: [UInt8](repeating: 7, count: 144))
        return w
    }

    func testRoundTripEveryValueType() throws {
        let dir = try temporaryDirectory(self)
        let w = try Self.sampleWriter()
        try w.write(to: dir + "/m.gguf")
        let f = try GGUFFile(path: dir + "/m.gguf")
        XCTAssertEqual(f.version, 3)
        XCTAssertEqual(f.metadata.count, w.metadata.count)
        for (k, v) in w.metadata.entries { XCTAssertEqual(f.metadata[k], v, k) }
        XCTAssertEqual(f.architecture, "llama")
        XCTAssertEqual(f.int("context_length"), 128)
        XCTAssertEqual(f.tensors.map(\.name), ["a.weight", "b.weight", "c.weight"])
        let a = try f.require("a.weight")
        XCTAssertEqual(a.shape, [4, 2])
        XCTAssertEqual(a.offset % 32, 0)
        XCTAssertEqual(Array(f.data(of: a).bindMemory(to: Float.self)), [1, 2, 3, 4, 5, 6, 7, 8])
        XCTAssertEqual(try f.require("c.weight").byteCount, 144)
        XCTAssertThrowsError(try f.require("missing")) { e in
            XCTAssertEqual("\(e)", "\(dir)/m.gguf: tensor 'missing' is missing; the file does not match its declared architecture")
        }
    }

    func testCustomAlignment() throws {
        let dir = try temporaryDirectory(self)
        var w = GGUFWriter(alignment: 64)
        try w.addTensor("x", shape: [3], floats: [1, 2, 3])
        try w.addTensor("y", shape: [5], floats: [1, 2, 3, 4, 5])
        try w.write(to: dir + "/a.gguf")
        let f = try GGUFFile(path: dir + "/a.gguf")
        XCTAssertEqual(f.alignment, 64)
        XCTAssertEqual(f.dataOffset % 64, 0)
        XCTAssertEqual(f.tensors.map { $0.offset % 64 }, [0, 0])
    }

    /// Files the writer makes are read by the reference implementation (the `gguf` Python package).
    func testPythonGGUFReadsWriterOutput() throws {
        let dir = try temporaryDirectory(self)
        try Self.sampleWriter().write(to: dir + "/m.gguf")
        let script = """
        import sys, json, gguf
        r = gguf.GGUFReader(sys.argv[1])
        out = {"fields": {}, "tensors": []}
        for k, f in r.fields.items():
            if k.startswith("GGUF."): continue
            v = f.contents()
            out["fields"][k] = v
        for t in r.tensors:
            out["tensors"].append([t.name, [int(x) for x in t.shape], t.tensor_type.name, int(t.n_bytes)])
        print(json.dumps(out))
        """
        let data = try runPython(script, [dir + "/m.gguf"])
        let obj = try XCTUnwrap(JSONSerialization.jsonObject(with: data) as? [String: Any])
        let fields = try XCTUnwrap(obj["fields"] as? [String: Any])
        XCTAssertEqual(fields["general.name"] as? String, "tiny ✓")
        XCTAssertEqual(fields["t.i64"] as? Int, -(1 << 60))
        XCTAssertEqual(fields["t.u32"] as? Int, 4_000_000_000)
        XCTAssertEqual(fields["t.f64"] as? Double, -2.25)
        XCTAssertEqual(fields["t.bool"] as? Bool, true)
        XCTAssertEqual(fields["t.strings"] as? [String], ["a", "", "ü"])
        XCTAssertEqual(fields["t.floats"] as? [Double], [0.25, -3])
        XCTAssertEqual(fields["t.bools"] as? [Bool], [false, true])
        XCTAssertEqual(fields.count, 19)
        let tensors = try XCTUnwrap(obj["tensors"] as? [[Any]])
        XCTAssertEqual(tensors.map { $0[0] as? String }, ["a.weight", "b.weight", "c.weight"])
        XCTAssertEqual(tensors.map { $0[2] as? String }, ["F32", "Q8_0", "Q4_K"])
        XCTAssertEqual(tensors.map { $0[3] as? Int }, [32, 34, 144])
    }

    func testRealModelsOpen() throws {
        let smol = owlHome + "/models/smollm2-135m-instruct/SmolLM2-135M-Instruct.Q4_1.gguf"
        let gemma = owlHome + "/models/gemma3-270m/gemma-3-270m-q4_k_m.gguf"
        guard FileManager.default.fileExists(atPath: smol), FileManager.default.fileExists(atPath: gemma) else {
            throw XCTSkip("catalog models not installed; run `make models`")
        }
        let s = try GGUFFile(path: smol)
        XCTAssertEqual(s.architecture, "llama")
        XCTAssertEqual(s.tensors.count, 272)
        XCTAssertEqual(s.metadata["tokenizer.ggml.pre"]?.string, "smollm")
        XCTAssertEqual(s.metadata["tokenizer.ggml.tokens"]?.array?.count, 49152)
        XCTAssertEqual(try s.require("token_embd.weight").type, .q8_0)
        XCTAssertEqual(try s.require("token_embd.weight").shape, [576, 49152])
        let g = try GGUFFile(path: gemma)
        XCTAssertEqual(g.architecture, "gemma3")
        XCTAssertEqual(g.metadata["tokenizer.ggml.tokens"]?.array?.count, 262144)
        XCTAssertEqual(Set(g.tensors.map(\.type)), [.f32, .q4_K, .q5_0, .q6_K, .q8_0])
    }
}
