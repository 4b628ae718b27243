import Digest
import Foundation

/// What a blob looked like when its hash was last checked: a changed size or mtime means rehash.
struct IntegrityStamp: Codable, Equatable {
    var size: Int
    var mtime: Double
}

/// The outcome of `owl verify`: each file with its state.
public struct VerifyReport: Sendable {
    public struct Entry: Sendable {
        public var path: String
        public var ok: Bool
        public var problem: String?
    }
    public var model: String
    public var entries: [Entry]
    public var ok: Bool { entries.allSatisfy(\.ok) }
}

extension ModelStore {
    func stampsPath(_ name: String) throws -> String { try modelDir(name) + "/.integrity.json" }

    func loadStamps(_ name: String) -> [String: IntegrityStamp] {
        guard let p = try? stampsPath(name), let d = FileManager.default.contents(atPath: p),
              let s = try? JSONDecoder().decode([String: IntegrityStamp].self, from: d) else { return [:] }
        return s
    }

    /// Records size and mtime of blobs whose hash has just been checked.
    func recordStamps(name: String, files: [Manifest.File]) throws {
        var stamps = loadStamps(name)
        for f in files { if let s = currentStamp(blobPath(f.sha256)) { stamps[f.sha256] = s } }
        let p = try stampsPath(name)
        let tmp = p + ".partial"
        let e = JSONEncoder(); e.outputFormatting = [.sortedKeys]
        try e.encode(stamps).write(to: URL(fileURLWithPath: tmp))
        _ = rename(tmp, p)
    }

    func currentStamp(_ path: String) -> IntegrityStamp? {
        var st = stat()
        guard stat(path, &st) == 0 else { return nil }
        let mtime = Double(st.st_mtim.tv_sec) + Double(st.st_mtim.tv_nsec) / 1e9
        return IntegrityStamp(size: Int(st.st_size), mtime: mtime)
    }

    /// Checks the layout of one file: the model-folder entry must be a symlink that resolves to the blob
    /// of its recorded hash, and the blob must exist with the recorded size.
    func checkLayout(_ name: String, dir: String, _ f: Manifest.File) throws -> String {
        let fm = FileManager.default
        let link = dir + "/" + f.path
        guard let attrs = try? fm.attributesOfItem(atPath: link) else {
            throw StoreError.brokenLayout(model: name, file: f.path, message: "is missing from the model folder")
        }
        guard (attrs[.type] as? FileAttributeType) == .typeSymbolicLink, let dest = try? fm.destinationOfSymbolicLink(atPath: link) else {
            throw StoreError.brokenLayout(model: name, file: f.path, message: "is not a link into the blob store (it was replaced)")
        }
        let linkDir = URL(fileURLWithPath: (link as NSString).deletingLastPathComponent, isDirectory: true)
        let resolved = URL(fileURLWithPath: dest, relativeTo: linkDir).standardizedFileURL.path
        let blob = blobPath(f.sha256)
        guard resolved == URL(fileURLWithPath: blob).standardizedFileURL.path else {
            throw StoreError.brokenLayout(model: name, file: f.path, message: "links to \(dest), not to its blob sha256-\(f.sha256)")
        }
        guard let st = currentStamp(blob) else {
            throw StoreError.brokenLayout(model: name, file: f.path, message: "has lost its blob \(blob)")
        }
        guard st.size == f.size else {
            throw StoreError.tampered(model: name, file: f.path, expected: f.sha256, actual: "unknown: size \(st.size), recorded \(f.size)")
        }
        return blob
    }

    /// The fast integrity check every loading command runs: layout, sizes, and for each blob either an
    /// unchanged size and mtime since its hash was last checked, or a fresh hash that matches.
    /// - Returns: the manifest.
    /// - Throws: `StoreError.tampered` or `.brokenLayout` for a file that changed since it was installed.
    @discardableResult
    public func checkIntegrity(_ name: String) throws -> Manifest {
        let m = try manifest(name)
        let dir = try modelDir(name)
        let stamps = loadStamps(name)
        var rehashed: [Manifest.File] = []
        for f in m.files {
            let blob = try checkLayout(name, dir: dir, f)
            if let st = currentStamp(blob), stamps[f.sha256] == st { continue }
            let actual = try SHA256.hexOfFile(at: blob)
            guard actual == f.sha256 else { throw StoreError.tampered(model: name, file: f.path, expected: f.sha256, actual: actual) }
            rehashed.append(f)
        }
        if !rehashed.isEmpty { try? recordStamps(name: name, files: rehashed) }
        return m
    }

    /// Rehashes every file of a model (`owl verify`). Never trusts stamps; refreshes them for good files.
    public func verify(_ name: String, progress: ((String, Int64, Int64) -> Void)? = nil) throws -> VerifyReport {
        let m = try manifest(name)
        let dir = try modelDir(name)
        var entries: [VerifyReport.Entry] = []
        var good: [Manifest.File] = []
        for f in m.files {
            do {
                let blob = try checkLayout(name, dir: dir, f)
                let actual = try SHA256.hexOfFile(at: blob) { progress?(f.path, $0, $1) }
                if actual == f.sha256 {
                    entries.append(.init(path: f.path, ok: true, problem: nil)); good.append(f)
                } else {
                    entries.append(.init(path: f.path, ok: false, problem: StoreError.tampered(model: name, file: f.path, expected: f.sha256, actual: actual).description))
                }
            } catch {
                entries.append(.init(path: f.path, ok: false, problem: "\(error)"))
            }
        }
        if !good.isEmpty { try? recordStamps(name: name, files: good) }
        return VerifyReport(model: name, entries: entries)
    }
}
