import CCrypto
import Foundation

/// SHA-256 through libcrypto (EVP), the one hash implementation of the whole project.
///
/// Incremental: feed bytes with `update`, read the digest once with `finalize`.
public struct SHA256: ~Copyable {
    private let ctx: OpaquePointer

    public init() {
        // EVP_MD_CTX_new only fails when out of memory; there is no sensible recovery from that.
        ctx = EVP_MD_CTX_new()!
        EVP_DigestInit_ex(ctx, EVP_sha256(), nil)
    }

    deinit { EVP_MD_CTX_free(ctx) }

    /// Adds `count` bytes at `pointer` to the hash.
    public mutating func update(_ pointer: UnsafeRawPointer, count: Int) {
        if count > 0 { EVP_DigestUpdate(ctx, pointer, count) }
    }

    /// Adds the bytes of `bytes` to the hash.
    public mutating func update<Bytes: ContiguousBytes>(_ bytes: Bytes) {
        bytes.withUnsafeBytes { update($0.baseAddress ?? UnsafeRawPointer(bitPattern: 1)!, count: $0.count) }
    }

    /// Returns the 32-byte digest as lowercase hex and ends the computation.
    public consuming func finalizeHex() -> String {
        var out = [UInt8](repeating: 0, count: 32)
        var len: UInt32 = 0
        EVP_DigestFinal_ex(ctx, &out, &len)
        return SHA256.hex(out)
    }

    /// The hex digest of `bytes`.
    public static func hex<Bytes: ContiguousBytes>(of bytes: Bytes) -> String {
        var h = SHA256()
        h.update(bytes)
        return h.finalizeHex()
    }

    /// Lowercase hex of a byte sequence.
    public static func hex(_ bytes: [UInt8]) -> String {
        let digits = Array("0123456789abcdef".utf8)
        var s = [UInt8]()
        s.reserveCapacity(bytes.count * 2)
        for b in bytes { s.append(digits[Int(b >> 4)]); s.append(digits[Int(b & 15)]) }
        return String(decoding: s, as: UTF8.self)
    }

    /// Hashes a whole file in 4 MiB reads, calling `progress(bytesDone, total)` after each.
    public static func hexOfFile(at path: String, progress: ((Int64, Int64) -> Void)? = nil) throws -> String {
        guard let handle = FileHandle(forReadingAtPath: path) else {
            throw DigestError.cannotOpen(path: path)
        }
        defer { try? handle.close() }
        let total = (try? FileManager.default.attributesOfItem(atPath: path)[.size] as? Int64) ?? 0
        var h = SHA256()
        var done: Int64 = 0
        // One reused 1 MiB buffer: hashing a large model adds no more than that to peak memory.
        let chunkSize = 1 << 20
        let buffer = UnsafeMutableRawPointer.allocate(byteCount: chunkSize, alignment: 16)
        defer { buffer.deallocate() }
        let fd = handle.fileDescriptor
        while true {
            let n = read(fd, buffer, chunkSize)
            if n < 0 {
                if errno == EINTR { continue }
                throw DigestError.cannotRead(path: path, message: String(cString: strerror(errno)))
            }
            if n == 0 { break }
            h.update(buffer, count: n)
            done += Int64(n)
            progress?(done, total)
        }
        return h.finalizeHex()
    }
}

/// Errors from hashing files.
public enum DigestError: Error, CustomStringConvertible {
    case cannotOpen(path: String)
    case cannotRead(path: String, message: String)

    public var description: String {
        switch self {
        case .cannotOpen(let path): return "\(path): cannot open the file to hash it; check that it exists and is readable"
        case .cannotRead(let path, let message): return "\(path): cannot read the file to hash it (\(message)); check the disk and fetch it again"
        }
    }
}
