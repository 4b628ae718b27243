import Foundation

/// A Hugging Face model folder: `config.json`, weights in `model.safetensors` or shards listed by
/// `model.safetensors.index.json`, and the tokenizer and pooling files beside them.
public final class HuggingFaceFolder: @unchecked Sendable {
    public let path: String
    /// `config.json` as parsed JSON.
    public let config: [String: Any]
    /// The weight files, in shard order.
    public let shards: [SafetensorsFile]
    private let index: [String: (shard: Int, tensor: SafetensorsTensor)]

    /// Opens `path`, reading `config.json` and every weight shard.
    /// - Throws: `CheckpointError` when a file is missing, malformed, or a shard name leaves the folder.
    public init(path: String) throws {
        self.path = path
        let fm = FileManager.default
        let configPath = path + "/config.json"
        guard let configData = fm.contents(atPath: configPath) else {
            throw CheckpointError.io(path: configPath, message: "missing; a Hugging Face model folder needs config.json")
        }
        guard let config = (try? JSONSerialization.jsonObject(with: configData)) as? [String: Any] else {
            throw CheckpointError.malformed(path: configPath, offset: 0, message: "config.json is not a JSON object")
        }
        self.config = config

        var shardNames: [String] = []
        let indexPath = path + "/model.safetensors.index.json"
        if fm.fileExists(atPath: indexPath) {
            guard let data = fm.contents(atPath: indexPath),
                  let obj = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any],
                  let map = obj["weight_map"] as? [String: String] else {
                throw CheckpointError.malformed(path: indexPath, offset: 0, message: "weight_map is missing or not an object of strings")
            }
            for name in Set(map.values).sorted() {
                guard Self.isPlainFileName(name) else {
                    throw CheckpointError.malformed(path: indexPath, offset: 0, message: "shard name '\(name)' is not a plain file name in this folder")
                }
                shardNames.append(name)
            }
        } else if fm.fileExists(atPath: path + "/model.safetensors") {
            shardNames = ["model.safetensors"]
        } else {
            throw CheckpointError.io(path: path, message: "no model.safetensors or model.safetensors.index.json; Owl reads safetensors weights only (convert .bin checkpoints first)")
        }
        var shards: [SafetensorsFile] = []
        var index: [String: (Int, SafetensorsTensor)] = [:]
        for (i, name) in shardNames.enumerated() {
            let shard = try SafetensorsFile(path: path + "/" + name)
            for t in shard.tensors {
                if index[t.name] != nil {
                    throw CheckpointError.malformed(path: shard.path, offset: 0, message: "tensor '\(t.name)' appears in more than one shard")
                }
                index[t.name] = (i, t)
            }
            shards.append(shard)
        }
        self.shards = shards
        self.index = index
    }

    /// True for names like `model-00001-of-00002.safetensors`: no separators, no `..`, not hidden.
    static func isPlainFileName(_ name: String) -> Bool {
        !name.isEmpty && !name.contains("/") && !name.contains("\\") && !name.hasPrefix(".") && !name.contains("\0")
    }

    /// Whether `path` looks like a Hugging Face folder (has config.json).
    public static func looksLikeFolder(_ path: String) -> Bool {
        var isDir: ObjCBool = false
        return FileManager.default.fileExists(atPath: path, isDirectory: &isDir) && isDir.boolValue
            && FileManager.default.fileExists(atPath: path + "/config.json")
    }

    /// All tensors across shards.
    public var tensors: [SafetensorsTensor] { shards.flatMap(\.tensors) }

    public func tensor(named name: String) -> SafetensorsTensor? { index[name]?.tensor }

    /// The tensor named `name`.
    public func require(_ name: String) throws -> SafetensorsTensor {
        guard let t = index[name]?.tensor else { throw CheckpointError.missingTensor(path: path, name: name) }
        return t
    }

    /// A zero-copy view of a tensor's bytes.
    public func data(of t: SafetensorsTensor) -> UnsafeRawBufferPointer {
        guard let (shard, _) = index[t.name] else { return UnsafeRawBufferPointer(start: nil, count: 0) }
        return shards[shard].data(of: t)
    }

    /// Reads a JSON file of the folder (e.g. `tokenizer.json`, `1_Pooling/config.json`), nil when absent.
    public func json(_ relativePath: String) throws -> Any? {
        let p = path + "/" + relativePath
        guard let data = FileManager.default.contents(atPath: p) else { return nil }
        do { return try JSONSerialization.jsonObject(with: data) } catch {
            throw CheckpointError.malformed(path: p, offset: 0, message: "not valid JSON")
        }
    }

    /// `model_type` from config.json (e.g. `bert`), or the first of `architectures`.
    public var architecture: String? {
        (config["model_type"] as? String) ?? (config["architectures"] as? [String])?.first
    }
}
