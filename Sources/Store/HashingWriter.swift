import Digest
import Foundation

/// Writes bytes to a new file while hashing them, so a file is verified as it is written.
final class HashingWriter {
    let path: String
    private let handle: FileHandle
    private var hasher: SHA256? = SHA256()
    private(set) var count: Int64 = 0

    /// Creates (or truncates) `path`.
    init(path: String) throws {
        guard FileManager.default.createFile(atPath: path, contents: nil), let h = FileHandle(forWritingAtPath: path) else {
            throw StoreError.io(path: path, message: "cannot create the file")
        }
        self.path = path
        self.handle = h
    }

    func write(_ bytes: UnsafeRawBufferPointer) throws {
        guard bytes.count > 0, let base = bytes.baseAddress else { return }
        hasher?.update(base, count: bytes.count)
        do { try handle.write(contentsOf: Data(bytesNoCopy: UnsafeMutableRawPointer(mutating: base), count: bytes.count, deallocator: .none)) } catch {
            throw StoreError.io(path: path, message: "cannot write: \(error.localizedDescription)")
        }
        count += Int64(bytes.count)
    }

    /// Closes the file and returns the sha256 of everything written.
    func finish() throws -> String {
        try? handle.synchronize()
        try? handle.close()
        guard let h = hasher.take() else { return "" }
        return h.finalizeHex()
    }
}
