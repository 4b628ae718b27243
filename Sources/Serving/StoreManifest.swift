import Foundation

/// The fields of a store manifest (`$OWL_HOME/models/NAME/manifest.json`) the server lists models by.
struct StoreManifest {
    var format: String
    var license: String?
    var files: [(path: String, sha256: String, size: Int64)]
    var installedAt: Date

    static func read(_ path: String) throws -> StoreManifest {
        let data = try Data(contentsOf: URL(fileURLWithPath: path))
        guard let obj = try JSONSerialization.jsonObject(with: data) as? [String: Any] else {
            throw CocoaError(.fileReadCorruptFile)
        }
        let files = (obj["files"] as? [[String: Any]] ?? []).compactMap { f -> (String, String, Int64)? in
            guard let p = f["path"] as? String, let s = f["sha256"] as? String else { return nil }
            return (p, s, (f["size"] as? NSNumber)?.int64Value ?? 0)
        }
        let license = (obj["license"] as? [String: Any])?["id"] as? String ?? obj["license"] as? String
        let date = (obj["installed_at"] as? String).flatMap { ISO8601DateFormatter().date(from: $0) } ?? Date(timeIntervalSince1970: 0)
        return StoreManifest(format: obj["format"] as? String ?? "gguf", license: license, files: files, installedAt: date)
    }

    /// The weights file's hash: the .gguf or .safetensors file, else the first file.
    var primarySHA256: String {
        (files.first { $0.path.hasSuffix(".gguf") || $0.path.hasSuffix(".safetensors") } ?? files.first)?.sha256 ?? ""
    }

    var totalBytes: Int64 { files.reduce(0) { $0 + $1.size } }
}
