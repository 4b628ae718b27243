import Checkpoint
import Digest
import Foundation

/// The model store in the Owl home folder:
///
///     $OWL_HOME/blobs/sha256-<hex>             each file once, content-addressed, read-only
///     $OWL_HOME/models/<name>/<path>           relative symlinks into blobs, in the model's own layout
///     $OWL_HOME/models/<name>/manifest.json    written last: a folder without one is not installed
///     $OWL_HOME/tmp/                           work files; a crash leaves only these behind
///
/// Names are validated before any path is built from them, so no name reaches outside the store.
public struct ModelStore: Sendable {
    public let home: String

    public init(home: String) { self.home = home }

    /// The store at `$OWL_HOME` (default `~/.owl`).
    public static func fromEnvironment(_ env: [String: String] = ProcessInfo.processInfo.environment) -> ModelStore {
        ModelStore(home: ModelLocator.fromEnvironment(env).home)
    }

    public var blobsDir: String { home + "/blobs" }
    public var modelsDir: String { home + "/models" }
    public var tmpDir: String { home + "/tmp" }
    public var cacheDir: String { home + "/cache" }

    /// The blob path for a hash.
    public func blobPath(_ sha256: String) -> String { blobsDir + "/sha256-" + sha256 }

    /// The folder of a model, after validating its name.
    /// - Throws: `StoreError.invalidName` for anything but a plain store name.
    public func modelDir(_ name: String) throws -> String {
        guard ModelLocator.isValidName(name) else { throw StoreError.invalidName(name) }
        return modelsDir + "/" + name
    }

    /// True for lowercase 64-digit hex.
    public static func isSHA256Hex(_ s: String) -> Bool {
        s.utf8.count == 64 && s.utf8.allSatisfy { ($0 >= 0x30 && $0 <= 0x39) || ($0 >= 0x61 && $0 <= 0x66) }
    }

    /// A relative path with no empty, `.` or `..` component, no backslash or NUL, not absolute.
    public static func isSafeRelativePath(_ p: String) -> Bool {
        guard !p.isEmpty, !p.hasPrefix("/"), !p.contains("\\"), !p.contains("\0"), p.utf8.count <= 1024 else { return false }
        return p.split(separator: "/", omittingEmptySubsequences: false).allSatisfy { !$0.isEmpty && $0 != "." && $0 != ".." }
    }

    /// Whether a model of that name is installed (its manifest exists).
    public func isInstalled(_ name: String) -> Bool {
        guard let dir = try? modelDir(name) else { return false }
        return FileManager.default.fileExists(atPath: dir + "/manifest.json")
    }

    /// The manifest of an installed model.
    /// - Throws: `StoreError.invalidName`, `.notInstalled`, `.badManifest`.
    public func manifest(_ name: String) throws -> Manifest {
        let dir = try modelDir(name)
        guard let data = FileManager.default.contents(atPath: dir + "/manifest.json") else { throw StoreError.notInstalled(name) }
        return try Manifest.decode(data, name: name)
    }

    /// Installed models, sorted by name. Folders without a readable manifest are skipped.
    public func list() -> [Manifest] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: modelsDir)) ?? []
        return names.sorted().compactMap { ModelLocator.isValidName($0) ? try? manifest($0) : nil }
    }

    /// Removes a model's folder, then every blob no other manifest uses.
    /// - Returns: the number of bytes of blobs freed.
    @discardableResult
    public func remove(_ name: String) throws -> Int {
        let dir = try modelDir(name)
        let fm = FileManager.default
        guard fm.fileExists(atPath: dir) else { throw StoreError.notInstalled(name) }
        let files = (try? manifest(name))?.files ?? []
        // The manifest goes first, so an interrupted removal never leaves a model that looks installed.
        try? fm.removeItem(atPath: dir + "/manifest.json")
        do { try fm.removeItem(atPath: dir) } catch { throw StoreError.io(path: dir, message: "cannot remove: \(error.localizedDescription)") }
        let stillUsed = Set(list().flatMap { $0.files.map(\.sha256) })
        var freed = 0
        for f in files where !stillUsed.contains(f.sha256) {
            let p = blobPath(f.sha256)
            if fm.fileExists(atPath: p) {
                freed += f.size
                try? fm.removeItem(atPath: p)
            }
        }
        return freed
    }

    // MARK: - Writing

    /// A fresh work file path under `$OWL_HOME/tmp` (same file system as the blobs, so moves are atomic).
    func workPath(_ label: String) throws -> String {
        try ensureDir(tmpDir)
        return tmpDir + "/\(label).\(UUID().uuidString.lowercased())"
    }

    func ensureDir(_ path: String) throws {
        do { try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true) } catch {
            throw StoreError.io(path: path, message: "cannot create the folder: \(error.localizedDescription)")
        }
    }

    /// Moves a verified work file into the blob store as `sha256-<hex>`, read-only. The hash must already have
    /// been checked by the caller; an existing blob of that hash is kept and the work file removed.
    func adoptBlob(_ path: String, sha256: String) throws {
        try ensureDir(blobsDir)
        let fm = FileManager.default
        let dest = blobPath(sha256)
        if fm.fileExists(atPath: dest) { try? fm.removeItem(atPath: path); return }
        chmod(path, 0o444)
        guard rename(path, dest) == 0 else {
            throw StoreError.io(path: dest, message: "cannot move the verified file into the store: \(String(cString: strerror(errno)))")
        }
    }

    /// Links every file of `manifest` into the model folder and writes the manifest last (atomically).
    func install(_ manifest: Manifest) throws {
        let dir = try modelDir(manifest.name)
        let fm = FileManager.default
        try ensureDir(dir)
        // An older manifest goes first: while relinking, the model is not installed.
        try? fm.removeItem(atPath: dir + "/manifest.json")
        for f in manifest.files {
            guard Self.isSafeRelativePath(f.path) else { throw StoreError.badManifest(name: manifest.name, message: "file path '\(f.path)' leaves the model folder") }
            let link = dir + "/" + f.path
            try ensureDir((link as NSString).deletingLastPathComponent)
            let depth = f.path.split(separator: "/").count + 1
            let target = String(repeating: "../", count: depth) + "blobs/sha256-" + f.sha256
            try? fm.removeItem(atPath: link)
            do { try fm.createSymbolicLink(atPath: link, withDestinationPath: target) } catch {
                throw StoreError.io(path: link, message: "cannot link into the store: \(error.localizedDescription)")
            }
        }
        let tmp = dir + "/manifest.json.partial"
        do { try manifest.encoded().write(to: URL(fileURLWithPath: tmp)) } catch {
            throw StoreError.io(path: tmp, message: "cannot write the manifest: \(error.localizedDescription)")
        }
        guard rename(tmp, dir + "/manifest.json") == 0 else {
            throw StoreError.io(path: dir + "/manifest.json", message: "cannot write the manifest: \(String(cString: strerror(errno)))")
        }
        try? recordStamps(name: manifest.name, files: manifest.files)
    }

    /// Current UTC time in ISO 8601 (`2026-01-31T12:00:00Z`).
    static func now() -> String { iso8601(Date()) }

    /// `date` in UTC as ISO 8601 with seconds (`2026-01-31T12:00:00Z`). Computed with `gmtime_r` rather than
    /// `ISO8601DateFormatter`, which loads ICU calendar data (about 5 MB of resident memory) on every model load.
    static func iso8601(_ date: Date) -> String {
        var t = time_t(date.timeIntervalSince1970.rounded(.down))
        var parts = tm()
        guard gmtime_r(&t, &parts) != nil else { return "1970-01-01T00:00:00Z" }
        func pad(_ v: Int32, _ width: Int) -> String {
            let s = String(v)
            return String(repeating: "0", count: max(0, width - s.count)) + s
        }
        return "\(pad(parts.tm_year + 1900, 4))-\(pad(parts.tm_mon + 1, 2))-\(pad(parts.tm_mday, 2))T"
            + "\(pad(parts.tm_hour, 2)):\(pad(parts.tm_min, 2)):\(pad(parts.tm_sec, 2))Z"
    }
}
