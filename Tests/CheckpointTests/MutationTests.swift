import Checkpoint
import Foundation
import TestSupport
import XCTest

/// Seeded mutation fuzzing of the GGUF and safetensors parsers: thousands of corrupted files, each must
/// either open (and then every tensor view lies inside the file) or fail with a `CheckpointError`.
/// A crash or hang here is a bug: save the input under Tests/CheckpointTests/Corpus/ so it stays a test.
final class MutationTests: XCTestCase {
    /// Iterations per base file; `OWL_FUZZ_ITERATIONS` raises it for a longer run.
    var iterations: Int { Int(ProcessInfo.processInfo.environment["OWL_FUZZ_ITERATIONS"] ?? "") ?? 3000 }

    static let interesting: [UInt64] = [0, 1, 2, 3, 31, 32, 33, 255, 256, 0x7FFF_FFFF, 0xFFFF_FFFF, 1 << 32, 1 << 62,
                                        UInt64(Int64.max), UInt64.max, UInt64.max - 1]

    /// One random mutation: flip bits, overwrite with an interesting integer, cut, duplicate or insert bytes.
    static func mutate(_ input: [UInt8], _ rng: inout SplitMix64) -> [UInt8] {
        var b = input
        let rounds = Int.random(in: 1...4, using: &rng)
        for _ in 0..<rounds where !b.isEmpty {
            let at = Int.random(in: 0..<b.count, using: &rng)
            switch Int.random(in: 0..<6, using: &rng) {
            case 0: b[at] ^= UInt8(1 << Int.random(in: 0..<8, using: &rng))
            case 1: b[at] = UInt8.random(in: 0...255, using: &rng)
            case 2:
                let v = interesting.randomElement(using: &rng)!
                let width = [1, 2, 4, 8].randomElement(using: &rng)!
                for k in 0..<width where at + k < b.count { b[at + k] = UInt8(truncatingIfNeeded: v >> (8 * UInt64(k))) }
            case 3: b.removeSubrange(at..<b.count)
            case 4:
                let n = Int.random(in: 1...16, using: &rng)
                b.insert(contentsOf: (0..<n).map { _ in UInt8.random(in: 0...255, using: &rng) }, at: at)
            default:
                let n = min(Int.random(in: 1...64, using: &rng), b.count - at)
                b.insert(contentsOf: b[at..<at + n], at: Int.random(in: 0..<b.count, using: &rng))
            }
        }
        return b
    }

    /// Parses `bytes` as a file; checks the invariant that every view is inside the mapping.
    static func check(_ bytes: [UInt8], path: String, safetensors: Bool) -> Bool {
        _ = FileManager.default.createFile(atPath: path, contents: Data(bytes))
        do {
            if safetensors {
                let f = try SafetensorsFile(path: path)
                for t in f.tensors { precondition(t.offset >= 0 && t.offset + t.byteCount <= bytes.count) }
            } else {
                let f = try GGUFFile(path: path)
                // Array views must lie inside the mapping too: read every element's bytes.
                for (_, v) in f.metadata.entries { touch(v) }
                for t in f.tensors {
                    precondition(t.offset >= f.dataOffset && t.offset + t.byteCount <= bytes.count)
                    _ = f.data(of: t).reduce(0, &+)
                }
            }
            return true
        } catch is CheckpointError {
            return false
        } catch {
            XCTFail("unexpected error type \(type(of: error)): \(error)")
            return false
        }
    }

    static func touch(_ v: GGUFValue) {
        guard let a = v.array else { return }
        if a.isStringTable {
            for i in 0..<a.count { _ = a.utf8(at: i).reduce(0, &+) }
        } else if let p = a.packedBytes {
            precondition(p.count == a.count * a.elementType.packedSize)
            _ = p.reduce(0, &+)
        } else {
            a.forEach(touch)
        }
    }

    func fuzz(base: [UInt8], seed: UInt64, safetensors: Bool, iterations: Int) throws -> (opened: Int, rejected: Int) {
        let dir = try temporaryDirectory(self)
        var rng = SplitMix64(seed: seed)
        var opened = 0, rejected = 0
        for _ in 0..<iterations {
            let m = Self.mutate(base, &rng)
            if Self.check(m, path: dir + "/f", safetensors: safetensors) { opened += 1 } else { rejected += 1 }
        }
        return (opened, rejected)
    }

    func testGGUFMutations() throws {
        let base = try GGUFTests.sampleWriter().encoded()
        let r = try fuzz(base: base, seed: 42, safetensors: false, iterations: iterations)
        XCTAssertEqual(r.opened + r.rejected, iterations)
        XCTAssertGreaterThan(r.rejected, iterations / 4)
        print("GGUF mutation fuzz: \(iterations) files, \(r.opened) opened, \(r.rejected) rejected cleanly")
    }

    /// The real SmolLM2 metadata (its 49k-token vocabulary, merges, chat template) with two tiny tensors,
    /// so mutations land in real-world structure rather than only in the tensor table.
    func testRealMetadataMutations() throws {
        let path = owlHome + "/models/smollm2-135m-instruct/SmolLM2-135M-Instruct.Q4_1.gguf"
        guard FileManager.default.fileExists(atPath: path) else { throw XCTSkip("run `make models`") }
        let f = try GGUFFile(path: path)
        var w = GGUFWriter()
        for (k, v) in f.metadata.entries { w.set(k, v) }
        try w.addTensor("output_norm.weight", shape: [8], floats: [Float](repeating: 1, count: 8))
        try w.addTensor("token_embd.weight", shape: [32, 2], type: .q8_0, bytes: [UInt8](repeating: 3, count: 68))
        let base = w.encoded()
        let n = max(50, iterations / 30)
        let r = try fuzz(base: base, seed: 7, safetensors: false, iterations: n)
        XCTAssertEqual(r.opened + r.rejected, n)
        XCTAssertGreaterThan(r.opened, 0)
        print("GGUF real-metadata mutation fuzz: \(n) files of \(base.count) bytes, \(r.opened) opened, \(r.rejected) rejected cleanly")
    }

    func testSafetensorsMutations() throws {
        let base = SafetensorsTests.encode([
            ("a", "F32", [2, 2], [UInt8](repeating: 1, count: 16)),
            ("b", "BF16", [3], [UInt8](repeating: 2, count: 6)),
            ("c", "I64", [1], [UInt8](repeating: 3, count: 8)),
        ], metadata: ["format": "pt"])
        let r = try fuzz(base: base, seed: 99, safetensors: true, iterations: iterations)
        XCTAssertEqual(r.opened + r.rejected, iterations)
        XCTAssertGreaterThan(r.rejected, iterations / 4)
        print("safetensors mutation fuzz: \(iterations) files, \(r.opened) opened, \(r.rejected) rejected cleanly")
    }

    /// Inputs that once crashed or hung a parser stay tests forever.
    func testCorpus() throws {
        let dir = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Corpus").path
        let tmp = try temporaryDirectory(self)
        let files = (try? FileManager.default.contentsOfDirectory(atPath: dir)) ?? []
        for name in files where name.hasSuffix(".gguf") || name.hasSuffix(".safetensors") {
            let bytes = [UInt8](FileManager.default.contents(atPath: dir + "/" + name) ?? Data())
            _ = Self.check(bytes, path: tmp + "/f", safetensors: name.hasSuffix(".safetensors"))
        }
        XCTAssertGreaterThan(files.count, 0)
    }
}
