import Checkpoint

/// Maps `general.architecture` to the type that implements it. One line per architecture.
public struct ModelRegistry: Sendable {
    /// Builds a model from an opened GGUF file.
    public typealias Factory = @Sendable (GGUFFile, LoadOptions) throws -> any LanguageModel

    public let factories: [String: Factory]

    public init(_ factories: [String: Factory]) { self.factories = factories }

    /// The architectures Owl implements.
    public static let standard = ModelRegistry([
        "llama": { try LlamaModel(gguf: $0, options: $1) },
        "gemma3": { try Gemma3Model(gguf: $0, options: $1) },
    ])

    /// Supported architecture names, sorted.
    public var supported: [String] { factories.keys.sorted() }

    /// Loads the model that `gguf` declares.
    /// - Throws: `ModelError.unsupportedArchitecture` (listing the supported ones), or the model's load errors.
    public func load(gguf: GGUFFile, options: LoadOptions = LoadOptions()) throws -> any LanguageModel {
        guard let arch = gguf.architecture else {
            throw ModelError.badMetadata(path: gguf.path, key: "general.architecture", message: "is missing")
        }
        guard let make = factories[arch] else {
            throw ModelError.unsupportedArchitecture(arch, supported: supported)
        }
        return try make(gguf, options)
    }

    /// Convenience: `load(gguf:options:)` with a mode and thread count.
    public func load(gguf: GGUFFile, mode: ComputeMode, threads: Int = 1) throws -> any LanguageModel {
        try load(gguf: gguf, options: LoadOptions(mode: mode, threads: threads))
    }
}
