import Checkpoint
import Foundation
import Kernels
import TestSupport
import XCTest

final class SafetensorsTests: XCTestCase {
    /// Encodes tensors (name, dtype, shape, bytes) as a safetensors file, data in the given order.
    static func encode(_ tensors: [(String, String, [Int], [UInt8])], metadata: [String: String]? = nil) -> [UInt8] {
        var header: [String] = []
        var offset = 0
        var data: [UInt8] = []
        for (name, dtype, shape, bytes) in tensors {
            header.append("\"\(name)\":{\"dtype\":\"\(dtype)\",\"shape\":[\(shape.map(String.init).joined(separator: ","))],\"data_offsets\":[\(offset),\(offset + bytes.count)]}")
            offset += bytes.count
            data += bytes
        }
        if let metadata {
            header.append("\"__metadata__\":{" + metadata.map { "\"\($0.key)\":\"\($0.value)\"" }.joined(separator: ",") + "}")
        }
        var json = Array(("{" + header.joined(separator: ",") + "}").utf8)
        while json.count % 8 != 0 { json.append(0x20) }
        return withUnsafeBytes(of: UInt64(json.count).littleEndian) { Array($0) } + json + data
    }

    static func bytes<T>(_ values: [T]) -> [UInt8] { values.withUnsafeBytes { Array($0) } }

    func testDTypesAndViews() throws {
        let dir = try temporaryDirectory(self)
        let f16: [UInt16] = [f32ToF16(1.5), f32ToF16(-2), f32ToF16(0.25)]
        let bf16: [UInt16] = [f32ToBF16(3), f32ToBF16(-0.5)]
        let file = Self.encode([
            ("w", "F32", [2, 3], Self.bytes([Float](arrayLiteral: 1, 2, 3, 4, 5, 6))),
            ("h", "F16", [3], Self.bytes(f16)),
            ("b", "BF16", [2], Self.bytes(bf16)),
            ("ids", "I64", [1, 2], Self.bytes([Int64](arrayLiteral: 7, -9))),
        ], metadata: ["format": "pt"])
        _ = FileManager.default.createFile(atPath: dir + "/model.safetensors", contents: Data(file))
        let st = try SafetensorsFile(path: dir + "/model.safetensors")
        XCTAssertEqual(st.metadata, ["format": "pt"])
        XCTAssertEqual(st.tensors.map(\.name), ["w", "h", "b", "ids"])
        let w = try XCTUnwrap(st.tensor(named: "w"))
        XCTAssertEqual(w.shape, [2, 3])
        XCTAssertEqual(w.ggmlInfo?.shape, [3, 2])
        XCTAssertEqual(try Dequantize.toF32(XCTUnwrap(w.ggmlInfo), data: st.data(of: w)), [1, 2, 3, 4, 5, 6])
        let h = try XCTUnwrap(st.tensor(named: "h"))
        XCTAssertEqual(try Dequantize.toF32(XCTUnwrap(h.ggmlInfo), data: st.data(of: h)), [1.5, -2, 0.25])
        let b = try XCTUnwrap(st.tensor(named: "b"))
        XCTAssertEqual(try Dequantize.toF32(XCTUnwrap(b.ggmlInfo), data: st.data(of: b)), [3, -0.5])
        let ids = try XCTUnwrap(st.tensor(named: "ids"))
        XCTAssertEqual(Array(st.data(of: ids).bindMemory(to: Int64.self)), [7, -9])
    }

    func testShardedFolder() throws {
        let dir = try temporaryDirectory(self)
        try Data("{\"model_type\": \"bert\", \"max_position_embeddings\": 64}".utf8).write(to: URL(fileURLWithPath: dir + "/config.json"))
        let s1 = Self.encode([("a", "F32", [2], Self.bytes([Float](arrayLiteral: 1, 2)))])
        let s2 = Self.encode([("b", "F32", [1], Self.bytes([Float](arrayLiteral: 3)))])
        _ = FileManager.default.createFile(atPath: dir + "/model-00001-of-00002.safetensors", contents: Data(s1))
        _ = FileManager.default.createFile(atPath: dir + "/model-00002-of-00002.safetensors", contents: Data(s2))
        let index = #"{"metadata": {}, "weight_map": {"a": "model-00001-of-00002.safetensors", "b": "model-00002-of-00002.safetensors"}}"#
        try Data(index.utf8).write(to: URL(fileURLWithPath: dir + "/model.safetensors.index.json"))
        let folder = try HuggingFaceFolder(path: dir)
        XCTAssertEqual(folder.architecture, "bert")
        XCTAssertEqual(folder.shards.count, 2)
        XCTAssertEqual(folder.tensors.map(\.name).sorted(), ["a", "b"])
        let b = try folder.require("b")
        XCTAssertEqual(Array(folder.data(of: b).bindMemory(to: Float.self)), [3])
        XCTAssertThrowsError(try folder.require("c")) { XCTAssertEqual("\($0)", "\(dir): tensor 'c' is missing; the file does not match its declared architecture") }

        // A shard name that tries to leave the folder is refused.
        let evil = #"{"weight_map": {"a": "../outside.safetensors"}}"#
        try Data(evil.utf8).write(to: URL(fileURLWithPath: dir + "/model.safetensors.index.json"))
        XCTAssertThrowsError(try HuggingFaceFolder(path: dir)) {
            XCTAssertEqual("\($0)", "\(dir)/model.safetensors.index.json: not a valid checkpoint: shard name '../outside.safetensors' is not a plain file name in this folder (at byte 0); the file is corrupt or truncated, fetch it again")
        }
    }

    func testErrors() throws {
        let dir = try temporaryDirectory(self)
        let path = dir + "/m.safetensors"
        func err(_ bytes: [UInt8]) -> String? {
            _ = FileManager.default.createFile(atPath: path, contents: Data(bytes))
            do { _ = try SafetensorsFile(path: path); return nil } catch { return "\(error)".replacingOccurrences(of: path, with: "F") }
        }
        let s = "; the file is corrupt or truncated, fetch it again"
        func raw(_ json: String) -> [UInt8] { withUnsafeBytes(of: UInt64(json.utf8.count).littleEndian) { Array($0) } + Array(json.utf8) }
        XCTAssertEqual(err([1, 2]), "F: not a valid checkpoint: file has 2 bytes, too short for a safetensors header (at byte 0)" + s)
        XCTAssertEqual(err(withUnsafeBytes(of: UInt64(1 << 40)) { Array($0) } + [0x7b]), "F: not a valid checkpoint: header length 1099511627776 does not fit the file (9 bytes) (at byte 0)" + s)
        XCTAssertEqual(err(raw("{\"a\": 1")), "F: not a valid checkpoint: header is not valid JSON (at byte 8)" + s)
        XCTAssertEqual(err(raw(#"{"a": {"dtype": "Q9", "shape": [1], "data_offsets": [0, 1]}}"#)),
                       "F: tensor 'a' has dtype Q9, which Owl does not read (supported: BOOL, U8, I8, U16, I16, F16, BF16, U32, I32, F32, U64, I64, F64, F8_E4M3, F8_E5M2)")
        XCTAssertEqual(err(raw(#"{"a": {"dtype": "F32", "shape": [2], "data_offsets": [0, 4]}}"#) + [0, 0, 0, 0]),
                       "F: not a valid checkpoint: tensor 'a' of shape [2] and dtype F32 needs 8 bytes but its range holds 4 (at byte 8)" + s)
        XCTAssertEqual(err(raw(#"{"a": {"dtype": "F32", "shape": [1], "data_offsets": [0, 400]}}"#)),
                       "F: not a valid checkpoint: tensor 'a' ends at data offset 400, past the end of the file (0 data bytes) (at byte 71)" + s)
        XCTAssertEqual(err(raw(#"{"a": {"dtype": "F32", "shape": [1], "data_offsets": [0, 4]}, "b": {"dtype": "F32", "shape": [1], "data_offsets": [2, 6]}}"#) + [UInt8](repeating: 0, count: 8)),
                       "F: not a valid checkpoint: tensors 'a' and 'b' overlap (at byte 130)" + s)
        XCTAssertEqual(err(raw(#"{"a": {"dtype": "F32", "shape": [-1], "data_offsets": [0, 4]}}"#)),
                       "F: not a valid checkpoint: tensor 'a' has a negative or non-integer dimension (at byte 8)" + s)
    }

    func testMiniLMFolder() throws {
        let dir = owlHome + "/models/all-minilm-l6-v2"
        guard FileManager.default.fileExists(atPath: dir + "/config.json") else { throw XCTSkip("run `make models`") }
        let f = try HuggingFaceFolder(path: dir)
        XCTAssertEqual(f.architecture, "bert")
        XCTAssertEqual(f.tensors.count, 104)
        let emb = try f.require("embeddings.word_embeddings.weight")
        XCTAssertEqual(emb.shape, [30522, 384])
        XCTAssertEqual(emb.dtype, .f32)
    }
}
