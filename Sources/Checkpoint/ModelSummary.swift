import Digest
import Foundation
import Support

/// License fields as the checkpoint states them.
public struct LicenseFields: Sendable {
    /// A license id (`apache-2.0`, `gemma`, …).
    public var id: String?
    public var name: String?
    public var link: String?
    /// Where the id came from: `gguf` (general.license), `model-card` (README front matter) or `catalog`.
    public var source: String?
}

/// What `owl inspect` reports about a checkpoint.
public struct ModelSummary: Sendable {
    public var path: String
    public var format: CheckpointFormat
    public var architecture: String?
    public var modelName: String?
    public var ggufVersion: Int?
    public var fileBytes: Int
    public var parameterCount: Int
    public var tensorCount: Int
    /// Type name → (tensor count, bytes), sorted by name.
    public var tensorTypes: [(type: String, count: Int, bytes: Int)]
    public var contextLength: Int?
    public var tokenizer: String?
    public var hasChatTemplate: Bool
    public var license: LicenseFields
    /// Weights file → sha256.
    public var sha256: [(file: String, sha256: String)]
    public var metadata: [(String, JSONValue)]

    /// Reads `model` and hashes its weights (`progress(done, total)` while hashing).
    public static func make(for model: ResolvedModel, progress: ((Int64, Int64) -> Void)? = nil) throws -> ModelSummary {
        switch model.format {
        case .gguf: return try gguf(GGUFFile(path: model.path), catalog: model.catalog, progress: progress)
        case .huggingFace: return try huggingFace(HuggingFaceFolder(path: model.path), catalog: model.catalog, progress: progress)
        }
    }

    static func gguf(_ f: GGUFFile, catalog: CatalogEntry?, progress: ((Int64, Int64) -> Void)?) throws -> ModelSummary {
        var types: [String: (Int, Int)] = [:]
        var params = 0
        for t in f.tensors {
            params += t.elementCount
            let e = types[t.type.name] ?? (0, 0)
            types[t.type.name] = (e.0 + 1, e.1 + t.byteCount)
        }
        let m = f.metadata
        let tokenizer = m["tokenizer.ggml.model"]?.string.map { model -> String in
            let pre = m["tokenizer.ggml.pre"]?.string
            return pre.map { "\(model) (pre: \($0))" } ?? model
        }
        var license = LicenseFields(id: m["general.license"]?.string, name: m["general.license.name"]?.string,
                                    link: m["general.license.link"]?.string, source: nil)
        if license.id != nil { license.source = "gguf" } else if let c = catalog { license.id = c.license; license.source = "catalog" }
        let sha = try SHA256.hexOfFile(at: f.path, progress: progress)
        return ModelSummary(
            path: f.path, format: .gguf, architecture: f.architecture, modelName: m["general.name"]?.string,
            ggufVersion: f.version, fileBytes: f.file.count, parameterCount: params, tensorCount: f.tensors.count,
            tensorTypes: types.keys.sorted().map { ($0, types[$0]!.0, types[$0]!.1) },
            contextLength: f.int("context_length"), tokenizer: tokenizer,
            hasChatTemplate: m["tokenizer.chat_template"]?.string != nil, license: license,
            sha256: [((f.path as NSString).lastPathComponent, sha)],
            metadata: m.entries.map { ($0.key, Self.json($0.value)) })
    }

    static func huggingFace(_ h: HuggingFaceFolder, catalog: CatalogEntry?, progress: ((Int64, Int64) -> Void)?) throws -> ModelSummary {
        var types: [String: (Int, Int)] = [:]
        var params = 0
        for t in h.tensors {
            params += t.elementCount
            let e = types[t.dtype.rawValue] ?? (0, 0)
            types[t.dtype.rawValue] = (e.0 + 1, e.1 + t.byteCount)
        }
        var tokenizer: String?
        if let tok = try h.json("tokenizer.json") as? [String: Any], let model = tok["model"] as? [String: Any] {
            tokenizer = (model["type"] as? String) ?? "unknown"
        }
        let tokConfig = try h.json("tokenizer_config.json") as? [String: Any]
        var license = ModelCard.license(folder: h.path)
        if license.id == nil, let c = catalog { license.id = c.license; license.source = "catalog" }
        var hashes: [(String, String)] = []
        for s in h.shards { hashes.append(((s.path as NSString).lastPathComponent, try SHA256.hexOfFile(at: s.path, progress: progress))) }
        let ctx = (h.config["max_position_embeddings"] as? Int) ?? (h.config["n_positions"] as? Int)
        return ModelSummary(
            path: h.path, format: .huggingFace, architecture: h.architecture, modelName: h.config["_name_or_path"] as? String,
            ggufVersion: nil, fileBytes: h.shards.reduce(0) { $0 + $1.file.count }, parameterCount: params,
            tensorCount: h.tensors.count, tensorTypes: types.keys.sorted().map { ($0, types[$0]!.0, types[$0]!.1) },
            contextLength: ctx, tokenizer: tokenizer, hasChatTemplate: tokConfig?["chat_template"] != nil,
            license: license, sha256: hashes,
            metadata: h.config.keys.sorted().map { ($0, JSONValue(foundation: h.config[$0]!)) })
    }

    /// Metadata as JSON; arrays longer than 16 are summarized as `{"type", "length"}`.
    static func json(_ v: GGUFValue) -> JSONValue {
        switch v {
        case .string(let s): return .string(s)
        case .bool(let b): return .bool(b)
        case .float32(let f): return .double(Double(f))
        case .float64(let d): return .double(d)
        case .array(let a):
            if a.count > 16 { return .object([("type", .string("array")), ("element_type", .string("\(a.elementType)")), ("length", .int(a.count))]) }
            return .array(a.map(json))
        case .uint64(let u): return Int(exactly: u).map(JSONValue.int) ?? .double(Double(u))
        default: return .int(v.int ?? 0)
        }
    }

    /// The `--json` object.
    public var json: JSONValue {
        func opt(_ s: String?) -> JSONValue { s.map(JSONValue.string) ?? .null }
        func optInt(_ i: Int?) -> JSONValue { i.map(JSONValue.int) ?? .null }
        let shaValue: JSONValue = format == .gguf && sha256.count == 1
            ? .string(sha256[0].sha256)
            : .object(sha256.map { ($0.file, .string($0.sha256)) })
        return .object([
            ("path", .string(path)),
            ("format", .string(format.rawValue)),
            ("architecture", opt(architecture)),
            ("name", opt(modelName)),
            ("gguf_version", optInt(ggufVersion)),
            ("file_bytes", .int(fileBytes)),
            ("parameter_count", .int(parameterCount)),
            ("tensor_count", .int(tensorCount)),
            ("tensor_types", .object(tensorTypes.map { ($0.type, .int($0.count)) })),
            ("tensor_bytes", .object(tensorTypes.map { ($0.type, .int($0.bytes)) })),
            ("context_length", optInt(contextLength)),
            ("tokenizer", opt(tokenizer)),
            ("chat_template", .bool(hasChatTemplate)),
            ("license", opt(license.id)),
            ("license_fields", .object([("id", opt(license.id)), ("name", opt(license.name)),
                                        ("link", opt(license.link)), ("source", opt(license.source))])),
            ("sha256", shaValue),
            ("metadata", .object(metadata)),
        ])
    }
}

/// Reads the YAML front matter of a Hugging Face model card (README.md) for license fields.
public enum ModelCard {
    /// `license`, `license_name`, `license_link` from README.md's front matter (simple `key: value` lines).
    public static func license(folder: String) -> LicenseFields {
        guard let data = FileManager.default.contents(atPath: folder + "/README.md"),
              let text = String(data: data.prefix(65536), encoding: .utf8) else { return LicenseFields() }
        let fields = frontMatter(text)
        var l = LicenseFields(id: fields["license"], name: fields["license_name"], link: fields["license_link"])
        if l.id != nil { l.source = "model-card" }
        return l
    }

    /// Top-level scalar `key: value` pairs between the leading `---` lines.
    public static func frontMatter(_ text: String) -> [String: String] {
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespaces) }
        guard lines.first == "---" else { return [:] }
        var out: [String: String] = [:]
        for line in lines.dropFirst() {
            if line == "---" { break }
            guard let colon = line.firstIndex(of: ":"), !line.hasPrefix("-"), !line.hasPrefix("#") else { continue }
            let key = String(line[..<colon]).trimmingCharacters(in: .whitespaces)
            var value = String(line[line.index(after: colon)...]).trimmingCharacters(in: .whitespaces)
            if value.count >= 2, let f = value.first, f == "\"" || f == "'", value.last == f { value = String(value.dropFirst().dropLast()) }
            if !value.isEmpty, !key.contains(" ") { out[key] = value }
        }
        return out
    }
}
