import Checkpoint
import Foundation
import Governance

/// What the store knows about a model, read from its files: what the gate, `owl license` and `owl bom` need.
public struct ModelFacts: Sendable {
    /// Store name, or the path as given for a model outside the store.
    public var name: String
    public var format: CheckpointFormat
    /// The weights file (GGUF) or folder (Hugging Face).
    public var path: String
    /// The folder holding the weights and any license files.
    public var folder: String
    public var manifest: Manifest?
    public var architecture: String?
    public var displayName: String?
    public var organization: String?
    public var parameterCount: Int?
    public var contextLength: Int?
    public var quantization: String?
    public var datasets: [String]
    public var chatTemplate: String?
    public var license: LicenseRecord
    /// sha256 of the main weights file when known without hashing (from the manifest).
    public var sha256: String?

    /// The subject the policy gate decides on.
    public var subject: ModelSubject {
        ModelSubject(name: name, sha256: sha256, architecture: architecture, license: license)
    }

    /// Reads the facts of a resolved model. Metadata only: weights are mapped, never read in full.
    /// - Parameters:
    ///   - model: a store model or a path the user gave.
    ///   - manifest: the store manifest, when the model is in the store.
    ///   - name: the name to report (default: the model's name as resolved).
    ///   - catalogLicense: the catalog's stated license, for a catalog model read from a staging folder.
    public static func read(_ model: ResolvedModel, manifest: Manifest?, name: String? = nil, catalogLicense: String? = nil) throws -> ModelFacts {
        var evidence: [LicenseEvidence] = []
        var bases: [BaseModelInfo] = []
        var facts = ModelFacts(name: name ?? model.name, format: model.format, path: model.path,
                               folder: model.format == .gguf ? (model.path as NSString).deletingLastPathComponent : model.path,
                               manifest: manifest, datasets: [],
                               license: LicenseResolver.resolve(evidence: []), sha256: manifest?.weights?.sha256)
        switch model.format {
        case .gguf:
            let f = try GGUFFile(path: model.path)
            let m = f.metadata
            facts.architecture = f.architecture
            facts.displayName = m["general.name"]?.string
            facts.organization = m["general.organization"]?.string
            facts.contextLength = f.int("context_length")
            facts.chatTemplate = m["tokenizer.chat_template"]?.string
            var params = 0
            var types: [String: Int] = [:]
            for t in f.tensors { params += t.elementCount; types[t.type.name, default: 0] += 1 }
            facts.parameterCount = params
            facts.quantization = types.sorted { ($0.value, $1.key) > ($1.value, $0.key) }.map { "\($0.key) ×\($0.value)" }.joined(separator: ", ")
            let license = m["general.license"]?.string, lname = m["general.license.name"]?.string, link = m["general.license.link"]?.string
            if license != nil || lname != nil || link != nil {
                evidence.append(LicenseEvidence(source: .gguf, location: "general.license", value: license, name: lname, link: link))
            }
            for i in 0..<(m["general.base_model.count"]?.int ?? 0) {
                let p = "general.base_model.\(i)."
                guard let n = m[p + "name"]?.string else { continue }
                bases.append(BaseModelInfo(name: n, organization: m[p + "organization"]?.string, version: m[p + "version"]?.string,
                                           url: m[p + "repo_url"]?.string ?? m[p + "url"]?.string))
            }
            for i in 0..<(m["general.dataset.count"]?.int ?? 0) {
                if let n = m["general.dataset.\(i).name"]?.string { facts.datasets.append(n) }
            }
        case .huggingFace:
            let h = try HuggingFaceFolder(path: model.path)
            facts.architecture = h.architecture
            facts.displayName = h.config["_name_or_path"] as? String
            facts.parameterCount = h.tensors.reduce(0) { $0 + $1.elementCount }
            facts.contextLength = (h.config["max_position_embeddings"] as? Int) ?? (h.config["n_positions"] as? Int)
            var types: [String: Int] = [:]
            for t in h.tensors { types[t.dtype.rawValue, default: 0] += 1 }
            facts.quantization = types.sorted { $0.key < $1.key }.map { "\($0.key) ×\($0.value)" }.joined(separator: ", ")
            if let tc = try? h.json("tokenizer_config.json") as? [String: Any] { facts.chatTemplate = tc["chat_template"] as? String }
            if let data = FileManager.default.contents(atPath: model.path + "/README.md"),
               let text = String(data: data.prefix(65536), encoding: .utf8) {
                let fm = ModelCard.frontMatter(text)
                if fm["license"] != nil || fm["license_name"] != nil {
                    evidence.append(LicenseEvidence(source: .modelCard, location: "README.md", value: fm["license"],
                                                    name: fm["license_name"], link: fm["license_link"]))
                }
                if let b = fm["base_model"] { bases.append(BaseModelInfo(name: b)) }
                if let d = fm["datasets"] { facts.datasets.append(d) }
            }
        }
        var textFiles: [String] = []
        for rel in licenseFiles(in: facts.folder) {
            textFiles.append(rel)
            guard let data = FileManager.default.contents(atPath: facts.folder + "/" + rel) else { continue }
            let text = String(decoding: data.prefix(512 << 10), as: UTF8.self)
            if let id = LicenseResolver.identify(text: text) {
                evidence.append(LicenseEvidence(source: .file, location: rel, value: id))
            }
        }
        if let catalogLicense {
            evidence.append(LicenseEvidence(source: .catalog, location: "catalog:\(facts.name)", value: catalogLicense))
        } else if let entry = model.catalog ?? (manifest != nil ? Catalog.entry(named: model.name) : nil) {
            evidence.append(LicenseEvidence(source: .catalog, location: "catalog:\(entry.name)", value: entry.license))
        }
        facts.license = LicenseResolver.resolve(evidence: evidence, textFiles: textFiles, baseModels: bases)
        return facts
    }

    /// License-like files in `folder` and one level below, as relative paths, sorted.
    static func licenseFiles(in folder: String) -> [String] {
        let fm = FileManager.default
        var out: [String] = []
        for name in (try? fm.contentsOfDirectory(atPath: folder)) ?? [] where !name.hasPrefix(".") {
            var isDir: ObjCBool = false
            guard fm.fileExists(atPath: folder + "/" + name, isDirectory: &isDir) else { continue }
            if isDir.boolValue {
                for sub in (try? fm.contentsOfDirectory(atPath: folder + "/" + name)) ?? [] where LicenseResolver.isLicenseFileName(sub) {
                    out.append(name + "/" + sub)
                }
            } else if LicenseResolver.isLicenseFileName(name) {
                out.append(name)
            }
        }
        return out.sorted()
    }
}
