/// Whether a license lets you do something, as data rather than prose.
public enum Permission: String, Sendable, Codable, Equatable {
    /// Allowed without conditions beyond the license's obligations.
    case allowed
    /// Allowed under conditions the terms spell out (a user-count threshold, a notice, a flow-down of restrictions).
    case conditional
    /// Not allowed.
    case forbidden
}

/// The family a license belongs to; policy rules name these.
public enum LicenseKind: String, Sendable, Codable {
    /// Permissive open-source license (Apache, MIT, BSD).
    case permissive
    /// Share-alike / copyleft (CC-BY-SA).
    case copyleft
    /// Responsible-AI license: open, with use restrictions that flow down to derivatives (OpenRAIL).
    case responsibleAI = "responsible-ai"
    /// A model publisher's own license (Llama, Gemma, Qwen, DeepSeek, Falcon).
    case model
    /// Research or non-commercial only.
    case nonCommercial = "non-commercial"
}

/// The terms of one license, written down as data (a summary of the license, not its text).
public struct LicenseTerms: Sendable, Equatable {
    /// Canonical id: the SPDX id where one exists (`Apache-2.0`), otherwise the id model cards use (`llama3.1`, `gemma`).
    public let id: String
    /// Human name (`Gemma Terms of Use`).
    public let name: String
    public let kind: LicenseKind
    /// True for ids on the SPDX license list.
    public let spdx: Bool
    public let commercialUse: Permission
    public let redistribution: Permission
    public let derivatives: Permission
    /// What you must do when you use or share the model (notices, attribution, naming).
    public let obligations: [String]
    /// What the terms forbid (use restrictions, acceptable-use / prohibited-use policies).
    public let restrictions: [String]
    /// Monthly active users above which a separate license is needed (Llama: 700 million).
    public let userThreshold: Int?
    /// Where the license text is published.
    public let url: String?
    /// Where the acceptable-use policy lives, when the terms incorporate one.
    public let usePolicyURL: String?
    /// Other spellings seen in model cards and GGUF files, lowercased (`apache 2.0`, `apache2`).
    public let aliases: [String]

    public init(id: String, name: String, kind: LicenseKind, spdx: Bool, commercialUse: Permission,
                redistribution: Permission, derivatives: Permission, obligations: [String], restrictions: [String],
                userThreshold: Int? = nil, url: String?, usePolicyURL: String? = nil, aliases: [String] = []) {
        self.id = id; self.name = name; self.kind = kind; self.spdx = spdx
        self.commercialUse = commercialUse; self.redistribution = redistribution; self.derivatives = derivatives
        self.obligations = obligations; self.restrictions = restrictions; self.userThreshold = userThreshold
        self.url = url; self.usePolicyURL = usePolicyURL; self.aliases = aliases
    }

    /// True when the terms restrict how the model may be used (use policies, field-of-use bans,
    /// user thresholds, non-commercial clauses) beyond notice and attribution.
    public var isRestrictive: Bool {
        !restrictions.isEmpty || userThreshold != nil || commercialUse != .allowed
    }

    /// True when commercial use is not allowed at all.
    public var isNonCommercial: Bool { commercialUse == .forbidden }
}
