import Checkpoint

/// The one way in: the tokenizer of a resolved model.
public enum Tokenizer {
    /// Loads the tokenizer of `model`: a GGUF file's `tokenizer.ggml.*` metadata, or a Hugging Face folder's
    /// `tokenizer.json` (WordPiece).
    /// - Throws: `CheckpointError` when the GGUF file cannot be read, `TokenizerError` when it has no
    ///   tokenizer Owl can run.
    public static func load(_ model: ResolvedModel) throws -> any TextTokenizer {
        switch model.format {
        case .gguf: return try load(ggufPath: model.path)
        case .huggingFace: return try WordPieceTokenizer(folder: model.path)
        }
    }

    /// Loads the tokenizer of a GGUF file at `path`.
    public static func load(ggufPath path: String) throws -> GGUFTokenizer {
        let file = try GGUFFile(path: path)
        let tokenizer = try GGUFTokenizer(gguf: file)
        // The token tables are views of the file; pages read while building them need not stay resident.
        file.releaseMetadataPages()
        return tokenizer
    }
}
