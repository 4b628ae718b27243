/// Where a piece of license evidence was found.
public enum LicenseSource: String, Sendable, Codable, Equatable {
    /// GGUF metadata (`general.license`, `general.license.name`, `general.license.link`).
    case gguf
    /// Hugging Face model card front matter (`license`, `license_name`, `license_link`).
    case modelCard = "model-card"
    /// A license or terms file shipped beside the weights, recognized by its text.
    case file
    /// Owl's catalog entry: the publisher's stated license, used only when the files carry none.
    case catalog
}

/// One place that says something about a model's license.
public struct LicenseEvidence: Sendable, Codable, Equatable {
    public var source: LicenseSource
    /// The key or file it came from (`general.license`, `README.md`, `GEMMA_TERMS.html`).
    public var location: String
    /// The license id or name as written there.
    public var value: String?
    public var name: String?
    public var link: String?

    public init(source: LicenseSource, location: String, value: String?, name: String? = nil, link: String? = nil) {
        self.source = source; self.location = location; self.value = value; self.name = name; self.link = link
    }
}

/// A model this one was derived from (GGUF `general.base_model.N.*`, model card `base_model`).
public struct BaseModelInfo: Sendable, Codable, Equatable {
    public var name: String
    public var organization: String?
    public var version: String?
    public var url: String?

    public init(name: String, organization: String? = nil, version: String? = nil, url: String? = nil) {
        self.name = name; self.organization = organization; self.version = version; self.url = url
    }
}

/// Everything known about a model's license: the decision on which license applies, the terms when the
/// license is in the catalog, and every piece of evidence with where it came from.
public struct LicenseRecord: Sendable, Equatable {
    /// The catalog id of the license that applies; nil when unknown.
    public let id: String?
    /// The spelling the deciding source used (`apache-2.0`, `gemma`), nil when no source states one.
    public let stated: String?
    /// The source that decided it.
    public let source: LicenseSource?
    /// The license's terms, nil when the license is not in the catalog (unknown) or none is stated.
    public let terms: LicenseTerms?
    public let evidence: [LicenseEvidence]
    /// Files beside the weights that hold license or terms text (relative paths).
    public let textFiles: [String]
    /// Sources that disagree with the deciding one: "gguf says X, catalog says Y".
    public let conflicts: [String]
    public let baseModels: [BaseModelInfo]

    /// True when no catalog entry matches what the model states (or it states nothing).
    public var isUnknown: Bool { terms == nil }
}

/// Decides which license applies from the evidence. Pure: callers read files and pass their contents in.
public enum LicenseResolver {
    /// Values that say "look elsewhere" rather than name a license.
    static let placeholders: Set<String> = ["other", "unknown", "custom", "proprietary", "see-license", "see license", "none"]

    /// Resolves evidence in order of authority: GGUF metadata, model card, license files, then the catalog
    /// entry (which counts only when the files state nothing).
    /// - Returns: a record whose `id` is nil when the stated license is not in `catalog` — never a guess.
    public static func resolve(evidence: [LicenseEvidence], textFiles: [String] = [], baseModels: [BaseModelInfo] = [],
                               catalog: LicenseCatalog = .standard) -> LicenseRecord {
        let rank: [LicenseSource: Int] = [.gguf: 0, .modelCard: 1, .file: 2, .catalog: 3]
        func key(_ e: (offset: Int, element: LicenseEvidence)) -> Int { (rank[e.element.source] ?? 9) * 1_000_000 + e.offset }
        let ordered: [LicenseEvidence] = evidence.enumerated().sorted { key($0) < key($1) }.map { $0.element }
        let stating = ordered.filter { stated(by: $0) != nil }
        let fromFiles = stating.filter { $0.source != .catalog }
        let deciding = fromFiles.first ?? stating.first
        let decided: LicenseTerms? = deciding.flatMap { Self.terms(for: $0, catalog: catalog) }
        var conflicts: [String] = []
        if let deciding {
            let decidedId = decided?.id
            for e in stating where e != deciding {
                let other = Self.terms(for: e, catalog: catalog)?.id
                if other != decidedId, let v = stated(by: e) {
                    conflicts.append("\(e.source.rawValue) (\(e.location)) says '\(v)', \(deciding.source.rawValue) (\(deciding.location)) says '\(stated(by: deciding) ?? "")'")
                }
            }
        }
        return LicenseRecord(id: decided?.id, stated: deciding.flatMap(stated(by:)), source: deciding?.source, terms: decided,
                             evidence: evidence, textFiles: textFiles, conflicts: conflicts, baseModels: baseModels)
    }

    /// The spelling an evidence entry states: its value unless that is a placeholder like `other`, then its name.
    static func stated(by e: LicenseEvidence) -> String? {
        if let v = e.value, !v.isEmpty, !placeholders.contains(v.lowercased()) { return v }
        if let n = e.name, !n.isEmpty { return n }
        if let v = e.value, !v.isEmpty { return v }
        return nil
    }

    static func terms(for e: LicenseEvidence, catalog: LicenseCatalog) -> LicenseTerms? {
        if let v = e.value, let t = catalog.terms(for: v) { return t }
        if let n = e.name, let t = catalog.terms(for: n) { return t }
        return nil
    }

    /// Whether a file name looks like license or terms text (`LICENSE`, `COPYING.md`, `GEMMA_TERMS.html`,
    /// `USE_POLICY.md`, `NOTICE`).
    public static func isLicenseFileName(_ path: String) -> Bool {
        let base = (path.split(separator: "/").last.map(String.init) ?? path).uppercased()
        return ["LICENSE", "LICENCE", "COPYING", "TERMS", "USE_POLICY", "USE-POLICY", "NOTICE"].contains { base.contains($0) }
    }

    /// Markers that identify a license text without doubt, in the order they are tried.
    static let textMarkers: [(markers: [String], id: String)] = [
        (["gemma terms of use"], "gemma"),
        (["llama 3.3 community license"], "llama3.3"),
        (["llama 3.2 community license"], "llama3.2"),
        (["llama 3.1 community license"], "llama3.1"),
        (["meta llama 3 community license"], "llama3"),
        (["llama 2 community license"], "llama2"),
        (["mistral ai research license"], "mrl"),
        (["qwen research license agreement"], "qwen-research"),
        (["qwen license agreement"], "qwen"),
        (["deepseek license agreement"], "deepseek"),
        (["apache license", "version 2.0"], "Apache-2.0"),
        (["permission is hereby granted, free of charge"], "MIT"),
    ]

    /// The license a text is, when a marker names it; nil otherwise (e.g. a NOTICE file).
    public static func identify(text: String) -> String? {
        let lower = text.lowercased()
        return textMarkers.first { $0.markers.allSatisfy(lower.contains) }?.id
    }
}
