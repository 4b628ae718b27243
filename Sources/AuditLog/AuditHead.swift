import Foundation

/// The head of the chain: the last record's id and hash, one line `ID HASH\n` in a file of its own.
public struct AuditHead: Sendable, Equatable, CustomStringConvertible {
    public var id: Int64
    public var hash: String

    public init(id: Int64, hash: String) {
        self.id = id
        self.hash = hash
    }

    public var description: String { "\(id) \(hash)" }

    /// Reads the head file; nil when there is none yet.
    public static func read(path: String) throws -> AuditHead? {
        guard let data = FileManager.default.contents(atPath: path) else { return nil }
        let parts = String(decoding: data, as: UTF8.self).split(whereSeparator: { $0 == " " || $0 == "\n" })
        guard parts.count == 2, let id = Int64(parts[0]), parts[1].count == 64 else { throw AuditError.badHeadFile(path: path) }
        return AuditHead(id: id, hash: String(parts[1]))
    }

    /// Replaces the head file atomically: write a temporary file, fsync it, rename it over the old one.
    /// A reader sees the old head or the new one, never a mix. The folder is not fsynced: if a crash
    /// loses the rename, the head is merely behind the database, which `verify` accepts (the records
    /// are committed before the head moves); a head can never get ahead of its records.
    public func write(path: String) throws {
        let tmp = path + ".tmp"
        let bytes = Array((description + "\n").utf8)
        let fd = Foundation.open(tmp, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        guard fd >= 0 else { throw AuditError.writeFailed("\(tmp): \(String(cString: strerror(errno)))") }
        let written = bytes.withUnsafeBytes { Foundation.write(fd, $0.baseAddress, $0.count) }
        let synced = fsync(fd)
        close(fd)
        guard written == bytes.count, synced == 0, rename(tmp, path) == 0 else {
            throw AuditError.writeFailed("\(path): \(String(cString: strerror(errno)))")
        }
    }
}
