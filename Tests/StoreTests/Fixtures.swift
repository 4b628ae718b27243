import CZlib
import Checkpoint
import Digest
import Foundation
import XCTest

/// A temporary Owl home, removed when the test ends.
final class TempHome {
    let path: String
    init() throws {
        path = FileManager.default.temporaryDirectory.appendingPathComponent("owl-store-test-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }
    deinit {
        // Blobs are read-only; make them writable so the folder can go.
        if let walker = FileManager.default.enumerator(atPath: path) {
            while let rel = walker.nextObject() as? String { chmod(path + "/" + rel, 0o755) }
        }
        try? FileManager.default.removeItem(atPath: path)
    }
    func write(_ rel: String, _ bytes: [UInt8]) throws -> String {
        let p = path + "/" + rel
        try FileManager.default.createDirectory(atPath: (p as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        try Data(bytes).write(to: URL(fileURLWithPath: p))
        return p
    }
}

enum Fixtures {
    /// The real store (read-only for tests): `$OWL_HOME` or ~/.owl.
    static var realHome: String { ModelLocator.fromEnvironment().home }
    static var repoRoot: URL { URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent() }

    /// A tiny llama-architecture GGUF with a license and a chat template.
    static func gguf(license: String? = "apache-2.0", template: String? = "{{ messages[0]['content'] }}", seed: Float = 1) throws -> [UInt8] {
        var w = GGUFWriter()
        w.set("general.architecture", .string("llama"))
        w.set("general.name", .string("Tiny Test"))
        if let license { w.set("general.license", .string(license)) }
        w.set("llama.context_length", .uint32(128))
        w.set("general.base_model.count", .uint32(1))
        w.set("general.base_model.0.name", .string("Tiny Base"))
        if let template { w.set("tokenizer.chat_template", .string(template)) }
        try w.addTensor("token_embd.weight", shape: [4, 2], floats: (0..<8).map { Float($0) * seed })
        return w.encoded()
    }

    static func sha(_ b: [UInt8]) -> String { SHA256.hex(of: b) }
}

/// Builds zip archives byte by byte, so tests can make both good and hostile ones.
struct ZipBuilder {
    struct Entry {
        var name: String
        var data: [UInt8]
        var deflate: Bool
    }
    var entries: [Entry] = []

    mutating func add(_ name: String, _ data: [UInt8], deflate: Bool = true) { entries.append(Entry(name: name, data: data, deflate: deflate)) }

    static func crc(_ d: [UInt8]) -> UInt32 { UInt32(d.withUnsafeBufferPointer { crc32(0, $0.baseAddress, UInt32($0.count)) }) }

    /// Raw deflate (no zlib header), as zip stores it.
    static func rawDeflate(_ d: [UInt8]) -> [UInt8] {
        var s = z_stream()
        deflateInit2_(&s, 6, Z_DEFLATED, -15, 8, Z_DEFAULT_STRATEGY, zlibVersion(), Int32(MemoryLayout<z_stream>.size))
        defer { deflateEnd(&s) }
        var out = [UInt8](repeating: 0, count: Int(deflateBound(&s, UInt(d.count))) + 16)
        var input = d
        let produced: Int = input.withUnsafeMutableBufferPointer { inp in
            out.withUnsafeMutableBufferPointer { o in
                s.next_in = inp.baseAddress; s.avail_in = UInt32(inp.count)
                s.next_out = o.baseAddress; s.avail_out = UInt32(o.count)
                deflate(&s, Z_FINISH)
                return o.count - Int(s.avail_out)
            }
        }
        return Array(out.prefix(produced))
    }

    static func le16(_ v: Int) -> [UInt8] { [UInt8(v & 0xFF), UInt8((v >> 8) & 0xFF)] }
    static func le32(_ v: Int) -> [UInt8] { le16(v & 0xFFFF) + le16((v >> 16) & 0xFFFF) }

    func build() -> [UInt8] {
        var out: [UInt8] = []
        var central: [UInt8] = []
        for e in entries {
            let name = Array(e.name.utf8)
            let body = e.deflate ? Self.rawDeflate(e.data) : e.data
            let method = e.deflate ? 8 : 0
            let crc = Int(Self.crc(e.data))
            let offset = out.count
            out += Self.le32(0x0403_4b50) + Self.le16(20) + Self.le16(0) + Self.le16(method) + Self.le16(0) + Self.le16(0)
            out += Self.le32(crc) + Self.le32(body.count) + Self.le32(e.data.count) + Self.le16(name.count) + Self.le16(0) + name + body
            central += Self.le32(0x0201_4b50) + Self.le16(20) + Self.le16(20) + Self.le16(0) + Self.le16(method) + Self.le16(0) + Self.le16(0)
            central += Self.le32(crc) + Self.le32(body.count) + Self.le32(e.data.count) + Self.le16(name.count) + Self.le16(0) + Self.le16(0)
            central += Self.le16(0) + Self.le16(0) + Self.le32(0) + Self.le32(offset) + name
        }
        let cdOffset = out.count
        out += central
        out += Self.le32(0x0605_4b50) + Self.le16(0) + Self.le16(0) + Self.le16(entries.count) + Self.le16(entries.count)
        out += Self.le32(central.count) + Self.le32(cdOffset) + Self.le16(0)
        return out
    }

    /// Offset of the first central directory entry of a built archive.
    static func centralDirectory(_ z: [UInt8]) -> Int {
        let eocd = z.count - 22
        return Int(z[eocd + 16]) | Int(z[eocd + 17]) << 8 | Int(z[eocd + 18]) << 16 | Int(z[eocd + 19]) << 24
    }

    static func patch32(_ z: inout [UInt8], at o: Int, _ v: Int) { for (i, b) in le32(v).enumerated() { z[o + i] = b } }
}
