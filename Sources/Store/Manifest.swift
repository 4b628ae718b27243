import Foundation

/// A model's manifest (`$OWL_HOME/models/NAME/manifest.json`), written last: a folder without one is not installed.
///
/// Compatible with the manifests `scripts/models.sh` writes (name, source, format, license {id, from},
/// files, installed_at, installed_by); the other keys are optional.
public struct Manifest: Codable, Sendable, Equatable {
    /// One file of the model: its path inside the model folder, its hash and size.
    public struct File: Codable, Sendable, Equatable {
        public var path: String
        public var sha256: String
        public var size: Int
        public init(path: String, sha256: String, size: Int) { self.path = path; self.sha256 = sha256; self.size = size }
    }

    /// The license as recorded at arrival; `owl license` re-reads the files for the full record.
    public struct License: Codable, Sendable, Equatable {
        public var id: String?
        /// `gguf`, `model-card`, `file` or `catalog`.
        public var from: String?
        public var name: String?
        public var link: String?
        public init(id: String?, from: String?, name: String? = nil, link: String? = nil) {
            self.id = id; self.from = from; self.name = name; self.link = link
        }
    }

    public var schema: Int?
    public var name: String
    /// `pypi:PACKAGE==VERSION`, an https URL, or `import:PATH`.
    public var source: String
    /// `gguf` or `safetensors`.
    public var format: String
    public var architecture: String?
    public var license: License?
    public var files: [File]
    /// Total bytes of all files.
    public var size: Int?
    /// sha256 of what was fetched (wheels, the downloaded file), for provenance.
    public var sourceSHA256: [String]?
    /// ISO 8601 UTC time of arrival.
    public var installedAt: String
    /// How it arrived: `owl pull`, `owl import`, `make models`.
    public var installedBy: String

    enum CodingKeys: String, CodingKey {
        case schema, name, source, format, architecture, license, files, size
        case sourceSHA256 = "source_sha256", installedAt = "installed_at", installedBy = "installed_by"
    }

    public init(name: String, source: String, format: String, architecture: String?, license: License?, files: [File],
                sourceSHA256: [String]?, installedAt: String, installedBy: String) {
        self.schema = 1; self.name = name; self.source = source; self.format = format; self.architecture = architecture
        self.license = license; self.files = files; self.size = files.reduce(0) { $0 + $1.size }
        self.sourceSHA256 = sourceSHA256; self.installedAt = installedAt; self.installedBy = installedBy
    }

    /// The main weights file: the GGUF file, or the first `.safetensors` file.
    public var weights: File? {
        files.first { $0.path.hasSuffix(".gguf") } ?? files.first { $0.path.hasSuffix(".safetensors") }
    }

    /// The manifest as stable, pretty JSON.
    public func encoded() throws -> Data {
        let e = JSONEncoder()
        e.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return try e.encode(self)
    }

    /// Decodes and validates a manifest: every file path must stay inside the model folder and every hash be hex.
    public static func decode(_ data: Data, name: String) throws -> Manifest {
        var m: Manifest
        do { m = try JSONDecoder().decode(Manifest.self, from: data) } catch {
            throw StoreError.badManifest(name: name, message: "not a valid manifest: \(error)")
        }
        guard m.name == name else { throw StoreError.badManifest(name: name, message: "it names '\(m.name)'") }
        for f in m.files {
            guard ModelStore.isSafeRelativePath(f.path) else {
                throw StoreError.badManifest(name: name, message: "file path '\(f.path)' leaves the model folder")
            }
            guard ModelStore.isSHA256Hex(f.sha256) else {
                throw StoreError.badManifest(name: name, message: "'\(f.sha256)' is not a sha256 hex digest")
            }
        }
        if m.size == nil { m.size = m.files.reduce(0) { $0 + $1.size } }
        return m
    }
}
