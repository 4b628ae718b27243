import CZlib
import Checkpoint
import Foundation

/// A zip archive read from a memory map, for wheels and the zips inside them. Every offset and size is
/// bounds-checked; entries with unsafe names, encryption, unknown methods or implausible sizes make the
/// whole archive unusable rather than partly trusted.
public final class ZipArchive: @unchecked Sendable {
    /// One file of the archive as the central directory describes it.
    public struct Entry: Sendable, Equatable {
        public let name: String
        /// 0 = stored, 8 = deflate.
        public let method: UInt16
        public let crc32: UInt32
        public let compressedSize: Int
        public let uncompressedSize: Int
        let localHeaderOffset: Int
        public var isDirectory: Bool { name.hasSuffix("/") }
    }

    /// Limits that keep a hostile archive from exhausting disk or memory.
    public struct Limits: Sendable {
        /// Largest uncompressed size accepted for one entry.
        public var maxEntrySize: Int
        /// Largest uncompressed : compressed ratio (deflate cannot exceed about 1032:1).
        public var maxRatio: Int
        public var maxEntries: Int
        public init(maxEntrySize: Int = 64 << 30, maxRatio: Int = 1100, maxEntries: Int = 100_000) {
            self.maxEntrySize = maxEntrySize; self.maxRatio = maxRatio; self.maxEntries = maxEntries
        }
    }

    public let path: String
    public let entries: [Entry]
    private let file: MappedFile
    private let limits: Limits

    /// Opens and validates the central directory of `path`.
    /// - Throws: `StoreError.badArchive` saying what is wrong.
    public init(path: String, limits: Limits = Limits()) throws {
        self.path = path
        self.limits = limits
        do { file = try MappedFile(path: path) } catch { throw StoreError.badArchive(path: path, message: "\(error)") }
        entries = try Self.readDirectory(file.bytes, path: path, limits: limits)
    }

    func fail(_ m: String) -> StoreError { .badArchive(path: path, message: m) }

    static func u16(_ b: UnsafeRawBufferPointer, _ o: Int) -> Int { Int(b[o]) | Int(b[o + 1]) << 8 }
    static func u32(_ b: UnsafeRawBufferPointer, _ o: Int) -> Int { u16(b, o) | u16(b, o + 2) << 16 }

    static func readDirectory(_ b: UnsafeRawBufferPointer, path: String, limits: Limits) throws -> [Entry] {
        func bad(_ m: String) -> StoreError { .badArchive(path: path, message: m) }
        let n = b.count
        guard n >= 22 else { throw bad("too short to be a zip file (\(n) bytes)") }
        // The end-of-central-directory record is in the last 22 + 65535 bytes (its comment is at most 64 KiB).
        var eocd = -1
        var i = n - 22
        let lowest = max(0, n - 22 - 65535)
        while i >= lowest {
            if b[i] == 0x50, b[i + 1] == 0x4b, b[i + 2] == 0x05, b[i + 3] == 0x06 { eocd = i; break }
            i -= 1
        }
        guard eocd >= 0 else { throw bad("no end-of-central-directory record (truncated?)") }
        let disk = u16(b, eocd + 4), cdDisk = u16(b, eocd + 6)
        let count = u16(b, eocd + 10), cdSize = u32(b, eocd + 12), cdOffset = u32(b, eocd + 16)
        guard disk == 0, cdDisk == 0 else { throw bad("multi-disk archives are not supported") }
        guard count != 0xFFFF, cdSize != 0xFFFF_FFFF, cdOffset != 0xFFFF_FFFF else { throw bad("zip64 archives are not supported") }
        guard count <= limits.maxEntries else { throw bad("\(count) entries is more than the limit of \(limits.maxEntries)") }
        guard cdOffset + cdSize <= eocd else { throw bad("the central directory (offset \(cdOffset), size \(cdSize)) overlaps or passes the end record at \(eocd)") }
        var entries: [Entry] = []
        var names = Set<String>()
        var p = cdOffset
        for k in 0..<count {
            guard p + 46 <= cdOffset + cdSize else { throw bad("central directory entry \(k) runs past the directory") }
            guard u32(b, p) == 0x0201_4b50 else { throw bad("bad central directory signature at \(p)") }
            let flags = u16(b, p + 8), method = u16(b, p + 10)
            let crc = UInt32(u32(b, p + 16)), csize = u32(b, p + 20), usize = u32(b, p + 24)
            let nameLen = u16(b, p + 28), extraLen = u16(b, p + 30), commentLen = u16(b, p + 32)
            let local = u32(b, p + 42)
            let end = p + 46 + nameLen + extraLen + commentLen
            guard end <= cdOffset + cdSize else { throw bad("central directory entry \(k) runs past the directory") }
            let name = String(decoding: UnsafeRawBufferPointer(rebasing: b[(p + 46)..<(p + 46 + nameLen)]), as: UTF8.self)
            guard isSafeName(name) else { throw bad("entry name '\(name)' is unsafe (absolute, '..', backslash or control characters)") }
            guard names.insert(name).inserted else { throw bad("entry '\(name)' appears twice") }
            guard flags & 1 == 0 else { throw bad("entry '\(name)' is encrypted") }
            guard method == 0 || method == 8 else { throw bad("entry '\(name)' uses compression method \(method); only stored (0) and deflate (8) are supported") }
            guard csize != 0xFFFF_FFFF, usize != 0xFFFF_FFFF, local != 0xFFFF_FFFF else { throw bad("entry '\(name)' needs zip64, which is not supported") }
            guard usize <= limits.maxEntrySize else { throw bad("entry '\(name)' declares \(usize) bytes, more than the limit of \(limits.maxEntrySize)") }
            if method == 0 { guard csize == usize else { throw bad("stored entry '\(name)' has different compressed and uncompressed sizes") } }
            guard usize <= max(csize, 1) * limits.maxRatio else {
                throw bad("entry '\(name)' declares \(usize) bytes from \(csize) compressed bytes, a ratio no real file has (a zip bomb)")
            }
            guard local + 30 <= cdOffset else { throw bad("entry '\(name)' has its local header at \(local), outside the file data") }
            entries.append(Entry(name: name, method: UInt16(method), crc32: crc, compressedSize: csize, uncompressedSize: usize, localHeaderOffset: local))
            p = end
        }
        return entries
    }

    /// Relative, no `..` or empty components, no backslash, NUL or control characters, no drive letter.
    static func isSafeName(_ name: String) -> Bool {
        guard !name.isEmpty, !name.hasPrefix("/"), !name.contains("\\"), name.utf8.count <= 4096 else { return false }
        if name.unicodeScalars.contains(where: { $0.value < 0x20 || $0.value == 0x7F }) { return false }
        if name.count >= 2, name.dropFirst().first == ":" { return false }
        let parts = name.split(separator: "/", omittingEmptySubsequences: false)
        for (i, part) in parts.enumerated() {
            if part == ".." || part == "." { return false }
            if part.isEmpty && i != parts.count - 1 { return false }
        }
        return true
    }

    public func entry(named name: String) -> Entry? { entries.first { $0.name == name } }

    /// The byte range of an entry's data, checked against its local header.
    func dataRange(_ e: Entry) throws -> Range<Int> {
        let b = file.bytes
        let h = e.localHeaderOffset
        guard h + 30 <= b.count, Self.u32(b, h) == 0x0403_4b50 else { throw fail("entry '\(e.name)': bad local header at \(h)") }
        let start = h + 30 + Self.u16(b, h + 26) + Self.u16(b, h + 28)
        guard start <= b.count, e.compressedSize <= b.count - start else {
            throw fail("entry '\(e.name)': its data (\(e.compressedSize) bytes at \(start)) runs past the end of the file (truncated?)")
        }
        return start..<(start + e.compressedSize)
    }

    /// Streams an entry's uncompressed bytes to `sink` in chunks, checking that exactly the declared size
    /// comes out and that its CRC-32 matches.
    /// - Throws: `StoreError.badArchive` for corrupt data, a size mismatch (a bomb lying about its size) or a CRC mismatch.
    public func extract(_ e: Entry, to sink: (UnsafeRawBufferPointer) throws -> Void) throws {
        let range = try dataRange(e)
        let src = UnsafeRawBufferPointer(rebasing: file.bytes[range])
        var crc: UInt = CZlib.crc32(0, nil, 0)
        var produced = 0
        func emit(_ chunk: UnsafeRawBufferPointer) throws {
            produced += chunk.count
            guard produced <= e.uncompressedSize else {
                throw self.fail("entry '\(e.name)' inflates past its declared \(e.uncompressedSize) bytes (a zip bomb)")
            }
            if let base = chunk.baseAddress { crc = CZlib.crc32(crc, base.assumingMemoryBound(to: UInt8.self), UInt32(chunk.count)) }
            try sink(chunk)
        }
        if e.method == 0 {
            var off = 0
            while off < src.count {
                let n = min(4 << 20, src.count - off)
                try emit(UnsafeRawBufferPointer(rebasing: src[off..<(off + n)]))
                off += n
            }
        } else {
            try Inflater.inflateRaw(src, entry: e.name, path: path, emit: emit)
        }
        guard produced == e.uncompressedSize else {
            throw fail("entry '\(e.name)' inflated to \(produced) bytes, but declares \(e.uncompressedSize)")
        }
        guard UInt32(truncatingIfNeeded: crc) == e.crc32 else { throw fail("entry '\(e.name)' fails its CRC-32 check (corrupt)") }
    }
}

/// Raw-deflate decompression with zlib, in bounded chunks.
enum Inflater {
    static func inflateRaw(_ src: UnsafeRawBufferPointer, entry: String, path: String, emit: (UnsafeRawBufferPointer) throws -> Void) throws {
        var stream = z_stream()
        // -15: raw deflate with a 32 KiB window, as zip stores it (no zlib header).
        guard inflateInit2_(&stream, -15, zlibVersion(), Int32(MemoryLayout<z_stream>.size)) == Z_OK else {
            throw StoreError.badArchive(path: path, message: "zlib could not start inflating '\(entry)'")
        }
        defer { inflateEnd(&stream) }
        let outSize = 1 << 20
        let out = UnsafeMutablePointer<UInt8>.allocate(capacity: outSize)
        defer { out.deallocate() }
        stream.next_in = UnsafeMutablePointer(mutating: src.baseAddress?.assumingMemoryBound(to: UInt8.self))
        var remaining = src.count
        stream.avail_in = 0
        while true {
            if stream.avail_in == 0 && remaining > 0 {
                let n = min(remaining, Int(UInt32.max / 2))
                stream.avail_in = UInt32(n)
                remaining -= n
            }
            stream.next_out = out
            stream.avail_out = UInt32(outSize)
            let rc = inflate(&stream, Z_NO_FLUSH)
            let made = outSize - Int(stream.avail_out)
            if made > 0 { try emit(UnsafeRawBufferPointer(start: out, count: made)) }
            if rc == Z_STREAM_END { return }
            if rc == Z_BUF_ERROR && stream.avail_in == 0 && remaining == 0 {
                throw StoreError.badArchive(path: path, message: "entry '\(entry)' ends before its deflate stream does (truncated)")
            }
            guard rc == Z_OK || rc == Z_BUF_ERROR else {
                throw StoreError.badArchive(path: path, message: "entry '\(entry)' has corrupt deflate data (zlib error \(rc))")
            }
        }
    }
}
