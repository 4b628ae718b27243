import Checkpoint
import Digest
import Foundation
import Governance

extension ModelStore {
    /// Whether a URL may be pulled: https anywhere, plain http only on loopback (local mirrors, tests).
    public static func isPullableURL(_ url: URL) -> Bool {
        switch url.scheme?.lowercased() {
        case "https": return url.host != nil
        case "http": return ["127.0.0.1", "localhost", "::1", "[::1]"].contains(url.host ?? "")
        default: return false
        }
    }

    /// The partial-download path for a URL: stable, so a later pull of the same URL resumes it.
    public func partialPath(for url: URL) -> String {
        cacheDir + "/downloads/" + SHA256.hex(of: Array(url.absoluteString.utf8)) + ".partial"
    }

    /// Pulls a GGUF file from an https URL (a Hugging Face `resolve` link, a mirror), resuming an earlier
    /// partial download, verifying sha256, checking the policy, and installing it as `name`.
    /// - Parameters:
    ///   - expectedSHA256: the hash the file must have; when nil the computed hash is recorded and reported.
    ///   - downloader: attempts and timeouts.
    /// - Throws: `StoreError.download` (the partial file is kept), `.hashMismatch` (it is deleted),
    ///   `GovernanceError.refused`.
    public func pullURL(_ url: URL, name: String? = nil, expectedSHA256: String? = nil, downloader: HTTPDownloader = HTTPDownloader(),
                        command: String = "pull", progress: ((Int64, Int64) -> Void)? = nil) throws -> PullResult {
        guard Self.isPullableURL(url) else {
            throw StoreError.unsupported("cannot pull \(url.absoluteString): only https URLs (or http on this machine's loopback) can be pulled")
        }
        if let e = expectedSHA256, !Self.isSHA256Hex(e) {
            throw StoreError.unsupported("--sha256 must be 64 lowercase hex digits, got '\(e)'")
        }
        let storeName = name ?? Self.suggestedName(for: url.lastPathComponent)
        _ = try modelDir(storeName)
        if isInstalled(storeName) {
            let m = try checkIntegrity(storeName)
            if m.source == url.absoluteString, expectedSHA256 == nil || m.weights?.sha256 == expectedSHA256 {
                return PullResult(manifest: m, decision: try authorize(try facts(storeName).subject, command: command), alreadyInstalled: true)
            }
            throw StoreError.unsupported("a model named '\(storeName)' is already installed from \(m.source); choose another with --name, or `owl rm \(storeName)` first")
        }
        let partial = partialPath(for: url)
        try ensureDir((partial as NSString).deletingLastPathComponent)
        _ = try downloader.download(url, to: partial, progress: progress)
        let sha = try SHA256.hexOfFile(at: partial)
        if let e = expectedSHA256, e != sha {
            try? FileManager.default.removeItem(atPath: partial)
            throw StoreError.hashMismatch(what: url.absoluteString, expected: e, actual: sha)
        }
        guard let h = FileHandle(forReadingAtPath: partial), let magic = try? h.read(upToCount: 4), magic == Data("GGUF".utf8) else {
            try? FileManager.default.removeItem(atPath: partial)
            throw StoreError.unsupported("\(url.absoluteString) is not a GGUF file; a URL pull takes one .gguf file (download a Hugging Face folder yourself and `owl import` it)")
        }
        try? h.close()
        let file = url.lastPathComponent.hasSuffix(".gguf") && ModelStore.isSafeRelativePath(url.lastPathComponent) ? url.lastPathComponent : storeName + ".gguf"
        let size = Int((try? FileManager.default.attributesOfItem(atPath: partial)[.size] as? Int64) ?? 0)
        try adoptBlob(partial, sha256: sha)
        return try finishPull(name: storeName, format: "gguf", source: url.absoluteString,
                              files: [Manifest.File(path: file, sha256: sha, size: size)], sourceSHA256: [sha],
                              catalogLicense: nil, command: command)
    }
}
