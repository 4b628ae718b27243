import Governance

extension ModelFacts {
    /// The BOM subject: facts plus the manifest's files and source.
    /// - Parameter weightsSHA256: the weights hash when there is no manifest (a path model, hashed by the caller).
    public func bomSubject(weightsSHA256: String? = nil) -> BOMSubject {
        let files = manifest?.files.map { BOMSubject.File(path: $0.path, sha256: $0.sha256, size: $0.size) } ?? []
        return BOMSubject(
            name: name, displayName: displayName, source: manifest?.source, format: format.rawValue, architecture: architecture,
            parameterCount: parameterCount, quantization: quantization, contextLength: contextLength,
            task: format == .huggingFace && architecture == "bert" ? "feature-extraction" : "text-generation",
            organization: organization, datasets: datasets, license: license,
            sha256: sha256 ?? weightsSHA256 ?? String(repeating: "0", count: 64), files: files)
    }
}
