import Checkpoint
import Foundation
import TestSupport
import XCTest

/// Hostile and broken GGUF files: each gives one clear error naming the file and the problem.
final class GGUFErrorTests: XCTestCase {
    var dir = ""

    override func setUpWithError() throws { dir = try temporaryDirectory(self) }

    /// Writes `bytes` and returns the error message from opening them (nil if it opened).
    func openError(_ bytes: [UInt8], name: String = "x.gguf") -> String? {
        let path = dir + "/" + name
        _ = FileManager.default.createFile(atPath: path, contents: Data(bytes))
        do { _ = try GGUFFile(path: path); return nil } catch { return "\(error)".replacingOccurrences(of: dir + "/", with: "") }
    }

    func le<T: FixedWidthInteger>(_ v: T) -> [UInt8] { withUnsafeBytes(of: v.littleEndian) { Array($0) } }
    func str(_ s: String) -> [UInt8] { le(UInt64(s.utf8.count)) + Array(s.utf8) }
    func header(version: UInt32 = 3, tensors: UInt64, kvs: UInt64) -> [UInt8] {
        Array("GGUF".utf8) + le(version) + le(tensors) + le(kvs)
    }
    /// A valid file with one F32 tensor "w" of 8 values and two metadata keys.
    func valid() throws -> [UInt8] {
        var w = GGUFWriter()
        w.set("a.x", .uint32(1))
        w.set("a.y", .uint32(2))
        try w.addTensor("w", shape: [8], floats: [Float](repeating: 1, count: 8))
        return w.encoded()
    }
    func replace(_ bytes: [UInt8], _ old: [UInt8], _ new: [UInt8]) -> [UInt8] {
        var b = bytes
        for i in 0...(b.count - old.count) where Array(b[i..<i + old.count]) == old {
            b.replaceSubrange(i..<i + old.count, with: new)
            return b
        }
        XCTFail("pattern not found")
        return b
    }

    func testErrorMessages() throws {
        let suffix = "; the file is corrupt or truncated, fetch it again"
        let cases: [(String, [UInt8], String)] = [
            ("empty", [], "x.gguf: not a valid checkpoint: magic needs 4 bytes but only 0 remain (at byte 0)" + suffix),
            ("wrong magic", Array("GGML".utf8) + le(UInt32(3)), "x.gguf: not a valid checkpoint: wrong magic 0x4c4d4747, expected \"GGUF\"; this is not a GGUF file (at byte 0)" + suffix),
            ("v1", header(version: 1, tensors: 0, kvs: 0), "x.gguf: GGUF v1 is not supported; convert the model again with a current llama.cpp"),
            ("v99", header(version: 99, tensors: 0, kvs: 0), "x.gguf: GGUF version 99 is not supported (Owl reads versions 2 and 3)"),
            ("big-endian", header(version: UInt32(3).byteSwapped, tensors: 0, kvs: 0), "x.gguf: big-endian GGUF is not supported on this machine"),
            ("absurd kv count", header(tensors: 0, kvs: 1 << 62), "x.gguf: not a valid checkpoint: metadata count 4611686018427387904 cannot fit in the 0 bytes left (at byte 24)" + suffix),
            ("absurd tensor count", header(tensors: 1 << 40, kvs: 0), "x.gguf: not a valid checkpoint: tensor count 1099511627776 cannot fit in the 0 bytes left (at byte 24)" + suffix),
            ("string too long", header(tensors: 0, kvs: 1) + le(UInt64(1 << 40)) + [UInt8](repeating: 65, count: 16),
             "x.gguf: not a valid checkpoint: key of metadata entry 0 claims 1099511627776 bytes but only 16 remain (at byte 32)" + suffix),
            ("unknown value type", header(tensors: 0, kvs: 1) + str("k") + le(UInt32(13)) + [0, 0, 0, 0],
             "x.gguf: not a valid checkpoint: metadata 'k' has unknown value type 13 (at byte 37)" + suffix),
            ("absurd array", header(tensors: 0, kvs: 1) + str("k") + le(UInt32(9)) + le(UInt32(4)) + le(UInt64(1 << 50)) + [1, 2, 3, 4],
             "x.gguf: not a valid checkpoint: metadata array 'k' claims 1125899906842624 elements but only 4 bytes remain (at byte 49)" + suffix),
            ("bad bool", header(tensors: 0, kvs: 1) + str("k") + le(UInt32(7)) + [7],
             "x.gguf: not a valid checkpoint: metadata 'k' is a bool with value 7 (at byte 38)" + suffix),
            ("bad alignment", header(tensors: 0, kvs: 1) + str("general.alignment") + le(UInt32(4)) + le(UInt32(3)),
             "x.gguf: not a valid checkpoint: general.alignment must be a power of two (uint32), got 3 (at byte 57)" + suffix),
            ("5 dims", header(tensors: 1, kvs: 0) + str("t") + le(UInt32(5)) + [UInt8](repeating: 0, count: 64),
             "x.gguf: not a valid checkpoint: tensor 't' has 5 dimensions; ggml allows 1 to 4 (at byte 37)" + suffix),
            ("unknown type", header(tensors: 1, kvs: 0) + str("t") + le(UInt32(1)) + le(UInt64(32)) + le(UInt32(4)) + le(UInt64(0)),
             "x.gguf: tensor 't' has unknown ggml type id 4; this file needs a newer runtime"),
            ("partial block", header(tensors: 1, kvs: 0) + str("t") + le(UInt32(1)) + le(UInt64(33)) + le(UInt32(8)) + le(UInt64(0)),
             "x.gguf: not a valid checkpoint: tensor 't' of type Q8_0 has 33 values per row, not a multiple of its block size 32 (at byte 49)" + suffix),
            ("misaligned", header(tensors: 1, kvs: 0) + str("t") + le(UInt32(1)) + le(UInt64(4)) + le(UInt32(0)) + le(UInt64(3)),
             "x.gguf: not a valid checkpoint: tensor 't' offset 3 is not a multiple of the alignment 32 (at byte 57)" + suffix),
            ("past end", header(tensors: 1, kvs: 0) + str("t") + le(UInt32(1)) + le(UInt64(1024)) + le(UInt32(0)) + le(UInt64(0)) + [UInt8](repeating: 0, count: 7),
             "x.gguf: not a valid checkpoint: tensor 't' (4096 bytes at data offset 0) runs past the end of the file (64 bytes) (at byte 64)" + suffix),
            ("duplicate key", replace(try valid(), str("a.y"), str("a.x")),
             "x.gguf: not a valid checkpoint: metadata key 'a.x' appears twice (at byte 62)" + suffix),
        ]
        for (label, bytes, expected) in cases {
            XCTAssertEqual(openError(bytes), expected, label)
        }
        XCTAssertNil(openError(try valid()))
    }

    func testDuplicateTensorNames() throws {
        var w = GGUFWriter()
        try w.addTensor("t", shape: [2], floats: [1, 2])
        try w.addTensor("t", shape: [2], floats: [3, 4])
        XCTAssertEqual(openError(w.encoded()), "x.gguf: not a valid checkpoint: tensor name 't' appears twice (at byte 90); the file is corrupt or truncated, fetch it again")
    }

    func testEveryTruncationFailsCleanly() throws {
        let bytes = try GGUFTests.sampleWriter().encoded()
        // Every prefix shorter than the whole file but past the last tensor's data must fail; none may crash.
        var failures = 0
        for n in 0..<bytes.count where openError(Array(bytes[0..<n])) != nil { failures += 1 }
        XCTAssertGreaterThan(failures, bytes.count - 40)  // only the trailing alignment padding may be cut
    }

    func testDirectoryAndMissingFile() {
        XCTAssertThrowsError(try GGUFFile(path: dir)) { XCTAssertEqual("\($0)", "\(self.dir): is a directory, not a file") }
        XCTAssertThrowsError(try GGUFFile(path: dir + "/nope.gguf")) {
            XCTAssertEqual("\($0)", "\(self.dir)/nope.gguf: cannot open: No such file or directory")
        }
    }
}
