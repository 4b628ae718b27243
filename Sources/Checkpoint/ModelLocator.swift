import Foundation

/// A model named on the command line, resolved to files.
public struct ResolvedModel: Sendable {
    /// The name as given (catalog name or path).
    public let name: String
    public let format: CheckpointFormat
    /// The weights file (GGUF) or the folder (Hugging Face).
    public let path: String
    /// The catalog entry when the model was named by catalog name.
    public let catalog: CatalogEntry?
}

/// Turns a model name into files: a catalog name (installed under `$OWL_HOME/models/NAME`), a path to a
/// `.gguf` file, or a path to a Hugging Face folder.
public struct ModelLocator: Sendable {
    /// The Owl home folder (`$OWL_HOME`, default `~/.owl`).
    public let home: String

    public init(home: String) { self.home = home }

    /// The home folder from the environment.
    public static func fromEnvironment(_ env: [String: String] = ProcessInfo.processInfo.environment) -> ModelLocator {
        if let h = env["OWL_HOME"], !h.isEmpty { return ModelLocator(home: h) }
        return ModelLocator(home: (env["HOME"] ?? NSHomeDirectory()) + "/.owl")
    }

    /// Catalog and store names: lowercase letters, digits, `.`, `_`, `-`; no leading dot; at most 128.
    public static func isValidName(_ name: String) -> Bool {
        guard !name.isEmpty, name.utf8.count <= 128, !name.hasPrefix("."), !name.contains("..") else { return false }
        return name.utf8.allSatisfy { c in
            (c >= 0x61 && c <= 0x7a) || (c >= 0x30 && c <= 0x39) || c == 0x2e || c == 0x5f || c == 0x2d
        }
    }

    /// Resolves `name`. Paths (anything with a `/` or ending in `.gguf`) are the user's choice and are used
    /// as given; other names must be valid store names and never leave `$OWL_HOME/models`.
    /// - Throws: `CheckpointError.unknownModel` with a hint on what to do.
    public func resolve(_ name: String) throws -> ResolvedModel {
        let fm = FileManager.default
        var isDir: ObjCBool = false
        let looksLikePath = name.contains("/") || name.hasSuffix(".gguf") || name == "." || name == ".."
        if looksLikePath || (fm.fileExists(atPath: name, isDirectory: &isDir) && !Self.isValidName(name)) {
            guard fm.fileExists(atPath: name, isDirectory: &isDir) else {
                throw CheckpointError.unknownModel(name: name, hint: "no such file or folder")
            }
            if isDir.boolValue {
                if HuggingFaceFolder.looksLikeFolder(name) {
                    return ResolvedModel(name: name, format: .huggingFace, path: name, catalog: nil)
                }
                if let gguf = try? fm.contentsOfDirectory(atPath: name).filter({ $0.hasSuffix(".gguf") }).sorted(), gguf.count == 1 {
                    return ResolvedModel(name: name, format: .gguf, path: name + "/" + gguf[0], catalog: nil)
                }
                throw CheckpointError.unknownModel(name: name, hint: "the folder has neither config.json (a Hugging Face model) nor exactly one .gguf file")
            }
            return ResolvedModel(name: name, format: .gguf, path: name, catalog: nil)
        }
        guard Self.isValidName(name) else {
            throw CheckpointError.unknownModel(name: name, hint: "model names use lowercase letters, digits, '.', '_' and '-'; give a path (./model.gguf) for a file")
        }
        let dir = home + "/models/" + name
        let entry = Catalog.entry(named: name)
        guard fm.fileExists(atPath: dir + "/manifest.json") else {
            if entry != nil {
                throw CheckpointError.unknownModel(name: name, hint: "it is in the catalog but not installed; run `make models` first")
            }
            let known = Catalog.entries.map(\.name).joined(separator: ", ")
            throw CheckpointError.unknownModel(name: name, hint: "not installed and not in the catalog (\(known)); give a path to a .gguf file or a Hugging Face folder")
        }
        if let entry {
            let path = entry.format == .gguf ? dir + "/" + entry.weightsFile : dir
            return ResolvedModel(name: name, format: entry.format, path: path, catalog: entry)
        }
        if HuggingFaceFolder.looksLikeFolder(dir) {
            return ResolvedModel(name: name, format: .huggingFace, path: dir, catalog: nil)
        }
        let gguf = ((try? fm.contentsOfDirectory(atPath: dir)) ?? []).filter { $0.hasSuffix(".gguf") }.sorted()
        guard let first = gguf.first else {
            throw CheckpointError.unknownModel(name: name, hint: "its store folder has no weights; reinstall it")
        }
        return ResolvedModel(name: name, format: .gguf, path: dir + "/" + first, catalog: nil)
    }
}
