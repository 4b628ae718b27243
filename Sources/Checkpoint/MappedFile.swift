import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// A read-only memory map of a whole file. Tensor views point into it without copying.
///
/// The map lives as long as this object; views must not outlive it (they hold a reference).
public final class MappedFile: @unchecked Sendable {
    /// The path the file was opened from.
    public let path: String
    /// Base address of the mapping (nil for an empty file).
    public let base: UnsafeRawPointer?
    /// Size in bytes.
    public let count: Int

    /// Maps `path` read-only.
    /// - Throws: `CheckpointError.io` when the file cannot be opened, sized or mapped.
    public init(path: String) throws {
        self.path = path
        let fd = open(path, O_RDONLY)
        if fd < 0 { throw CheckpointError.io(path: path, message: "cannot open: \(String(cString: strerror(errno)))") }
        defer { close(fd) }
        var st = stat()
        if fstat(fd, &st) != 0 { throw CheckpointError.io(path: path, message: "cannot stat: \(String(cString: strerror(errno)))") }
        if (st.st_mode & S_IFMT) == S_IFDIR { throw CheckpointError.io(path: path, message: "is a directory, not a file") }
        count = Int(st.st_size)
        if count == 0 { base = nil; return }
        let p = mmap(nil, count, PROT_READ, MAP_PRIVATE, fd, 0)
        if p == MAP_FAILED || p == nil {
            throw CheckpointError.io(path: path, message: "cannot map \(count) bytes: \(String(cString: strerror(errno)))")
        }
        base = UnsafeRawPointer(p!)
    }

    deinit {
        if let base { munmap(UnsafeMutableRawPointer(mutating: base), count) }
    }

    /// Drops the resident pages inside `range` from this process's memory (`madvise(MADV_DONTNEED)`) without
    /// changing what the mapping reads: the file is mapped read-only, so a later access faults the same bytes
    /// back in from the page cache. Use after a one-time pass over a region (metadata parsing, building token
    /// tables) so the pages stop counting toward resident memory. Only whole pages inside `range` are dropped.
    public func releaseResidentPages(_ range: Range<Int>) {
        guard let base, range.lowerBound >= 0, range.upperBound <= count else { return }
        let page = Int(sysconf(Int32(_SC_PAGESIZE)))
        guard page > 0 else { return }
        let start = (range.lowerBound + page - 1) / page * page
        let end = range.upperBound / page * page
        guard end > start else { return }
        _ = madvise(UnsafeMutableRawPointer(mutating: base + start), end - start, MADV_DONTNEED)
    }

    /// The mapped bytes as a buffer.
    public var bytes: UnsafeRawBufferPointer { UnsafeRawBufferPointer(start: base, count: count) }
}
