import Checkpoint
import Digest
import Foundation
import Governance

extension ModelStore {
    /// A store name from a file or folder name: lowercase, other characters as `-`, extension dropped.
    public static func suggestedName(for path: String) -> String {
        var base = (path as NSString).lastPathComponent
        for ext in [".gguf", ".safetensors", ".partial"] where base.lowercased().hasSuffix(ext) { base = String(base.dropLast(ext.count)) }
        var out = ""
        for u in base.lowercased().unicodeScalars {
            let ok = (u >= "a" && u <= "z") || (u >= "0" && u <= "9") || u == "." || u == "_" || u == "-"
            out.unicodeScalars.append(ok ? u : "-")
        }
        while out.hasPrefix(".") || out.hasPrefix("-") { out.removeFirst() }
        while out.contains("..") { out = out.replacingOccurrences(of: "..", with: ".") }
        return String(out.prefix(128))
    }

    /// Copies `src` into a work file while hashing it.
    func copyHashing(_ src: String, progress: ((Int64, Int64) -> Void)?) throws -> (path: String, sha256: String, size: Int) {
        guard let input = FileHandle(forReadingAtPath: src) else { throw StoreError.io(path: src, message: "cannot open for reading") }
        defer { try? input.close() }
        let total = (try? FileManager.default.attributesOfItem(atPath: src)[.size] as? Int64) ?? 0
        let work = try workPath("import")
        let w = try HashingWriter(path: work)
        do {
            while true {
                let chunk = try input.read(upToCount: 4 << 20) ?? Data()
                if chunk.isEmpty { break }
                try chunk.withUnsafeBytes { try w.write($0) }
                progress?(w.count, total)
            }
        } catch {
            _ = try? w.finish(); try? FileManager.default.removeItem(atPath: work)
            throw StoreError.io(path: src, message: "cannot copy: \(error)")
        }
        let size = Int(w.count)
        return (work, try w.finish(), size)
    }

    /// The files an import takes: for a GGUF file, it and the license/README files beside it; for a
    /// Hugging Face folder, every regular file under it (hidden ones skipped).
    static func importFiles(_ model: ResolvedModel) throws -> (root: String, files: [String]) {
        let fm = FileManager.default
        if model.format == .gguf {
            let root = (model.path as NSString).deletingLastPathComponent
            let beside = ((try? fm.contentsOfDirectory(atPath: root.isEmpty ? "." : root)) ?? []).filter {
                !$0.hasPrefix(".") && (LicenseResolver.isLicenseFileName($0) || $0 == "README.md")
            }
            return (root.isEmpty ? "." : root, [(model.path as NSString).lastPathComponent] + beside.sorted())
        }
        var files: [String] = []
        guard let walker = fm.enumerator(atPath: model.path) else { throw StoreError.io(path: model.path, message: "cannot list the folder") }
        while let rel = walker.nextObject() as? String {
            if rel.split(separator: "/").contains(where: { $0.hasPrefix(".") }) { continue }
            var isDir: ObjCBool = false
            if fm.fileExists(atPath: model.path + "/" + rel, isDirectory: &isDir), !isDir.boolValue { files.append(rel) }
        }
        return (model.path, files.sorted())
    }

    /// Imports a local GGUF file or Hugging Face folder into the store under `name`.
    /// - Throws: `StoreError.invalidName`, `.unsupported` when the name is taken, `CheckpointError` for a bad checkpoint.
    @discardableResult
    public func importModel(from path: String, name: String? = nil, progress: ((String, Int64, Int64) -> Void)? = nil) throws -> Manifest {
        let locatorPath = path.contains("/") ? path : "./" + path
        let model = try ModelLocator(home: home).resolve(locatorPath)
        let storeName = name ?? Self.suggestedName(for: model.format == .gguf ? model.path : path)
        _ = try modelDir(storeName)
        guard !isInstalled(storeName) else {
            throw StoreError.unsupported("a model named '\(storeName)' is already installed; choose another with --name, or `owl rm \(storeName)` first")
        }
        let facts = try ModelFacts.read(model, manifest: nil)
        let (root, rels) = try Self.importFiles(model)
        var files: [Manifest.File] = []
        for rel in rels {
            guard Self.isSafeRelativePath(rel) else { continue }
            let copy = try copyHashing(root + "/" + rel) { progress?(rel, $0, $1) }
            try adoptBlob(copy.path, sha256: copy.sha256)
            files.append(Manifest.File(path: rel, sha256: copy.sha256, size: copy.size))
        }
        let absolute = URL(fileURLWithPath: path).standardizedFileURL.path
        let manifest = Manifest(name: storeName, source: "import:\(absolute)", format: model.format.rawValue,
                                architecture: facts.architecture, license: Self.manifestLicense(facts.license), files: files,
                                sourceSHA256: nil, installedAt: Self.now(), installedBy: "owl import")
        try install(manifest)
        return manifest
    }

    static func manifestLicense(_ r: LicenseRecord) -> Manifest.License? {
        guard r.stated != nil || r.id != nil else { return nil }
        let deciding = r.evidence.first { $0.source == r.source }
        return Manifest.License(id: r.id ?? r.stated, from: r.source?.rawValue, name: deciding?.name, link: deciding?.link)
    }
}
