/// The licenses open-weight models actually ship under, with their terms as data, and the lookup that
/// turns a spelling found in a file (`Apache 2.0`, `apache2`, `llama3.1`) into one of them.
///
/// A spelling that matches no entry is unknown: the catalog never guesses.
public struct LicenseCatalog: Sendable {
    public let entries: [LicenseTerms]
    private let index: [String: Int]

    /// A catalog over `entries`; ids and aliases are indexed in their normalized form.
    public init(_ entries: [LicenseTerms]) {
        self.entries = entries
        var index: [String: Int] = [:]
        for (i, e) in entries.enumerated() {
            for key in [e.id] + e.aliases { index[Self.normalize(key)] = i }
        }
        self.index = index
    }

    /// The built-in catalog: SPDX licenses, responsible-AI licenses and model publishers' licenses.
    public static let standard = LicenseCatalog(spdxLicenses + responsibleAILicenses + modelLicenses)

    /// The terms for a license id or alias, nil when it is not in the catalog.
    public func terms(for spelling: String) -> LicenseTerms? {
        index[Self.normalize(spelling)].map { entries[$0] }
    }

    /// Lowercase, with every run of spaces, underscores, commas, slashes and hyphens made one hyphen:
    /// `Apache License, Version 2.0` → `apache-license-version-2.0`.
    public static func normalize(_ s: String) -> String {
        var out = ""
        var pendingDash = false
        for ch in s.lowercased() {
            if ch.isLetter || ch.isNumber || ch == "." || ch == "+" {
                if pendingDash && !out.isEmpty { out.append("-") }
                pendingDash = false
                out.append(ch)
            } else {
                pendingDash = true
            }
        }
        return out
    }
}

extension LicenseCatalog {
    static let spdxLicenses: [LicenseTerms] = [
        LicenseTerms(
            id: "Apache-2.0", name: "Apache License 2.0", kind: .permissive, spdx: true,
            commercialUse: .allowed, redistribution: .allowed, derivatives: .allowed,
            obligations: [
                "Give recipients a copy of the Apache License 2.0.",
                "Keep the copyright, patent, trademark and attribution notices, and pass on the NOTICE file's attributions if there is one.",
                "Mark files you changed with a prominent notice that you changed them.",
            ],
            restrictions: [],
            url: "https://www.apache.org/licenses/LICENSE-2.0",
            aliases: ["apache-2", "apache2", "apache 2.0", "apache license 2.0", "apache license, version 2.0", "asl-2.0"]),
        LicenseTerms(
            id: "MIT", name: "MIT License", kind: .permissive, spdx: true,
            commercialUse: .allowed, redistribution: .allowed, derivatives: .allowed,
            obligations: ["Include the copyright notice and the permission notice in all copies or substantial portions."],
            restrictions: [],
            url: "https://opensource.org/license/mit", aliases: ["mit license", "expat"]),
        LicenseTerms(
            id: "BSD-2-Clause", name: "BSD 2-Clause \"Simplified\" License", kind: .permissive, spdx: true,
            commercialUse: .allowed, redistribution: .allowed, derivatives: .allowed,
            obligations: ["Keep the copyright notice, the conditions and the disclaimer in source copies, and reproduce them in the documentation of binary copies."],
            restrictions: [],
            url: "https://opensource.org/license/bsd-2-clause", aliases: ["bsd-2", "simplified bsd"]),
        LicenseTerms(
            id: "BSD-3-Clause", name: "BSD 3-Clause \"New\" or \"Revised\" License", kind: .permissive, spdx: true,
            commercialUse: .allowed, redistribution: .allowed, derivatives: .allowed,
            obligations: ["Keep the copyright notice, the conditions and the disclaimer in source copies, and reproduce them in the documentation of binary copies."],
            restrictions: ["Do not use the names of the copyright holder or contributors to endorse or promote derived products without permission."],
            url: "https://opensource.org/license/bsd-3-clause", aliases: ["bsd-3", "new bsd", "bsd"]),
        LicenseTerms(
            id: "CC-BY-4.0", name: "Creative Commons Attribution 4.0", kind: .permissive, spdx: true,
            commercialUse: .allowed, redistribution: .allowed, derivatives: .allowed,
            obligations: [
                "Credit the creator, keep the copyright and license notices, link to the license, and say whether you made changes.",
                "Do not add terms or technical measures that stop others from doing what the license allows.",
            ],
            restrictions: [],
            url: "https://creativecommons.org/licenses/by/4.0/", aliases: ["cc-by", "cc by 4.0"]),
        LicenseTerms(
            id: "CC-BY-SA-4.0", name: "Creative Commons Attribution-ShareAlike 4.0", kind: .copyleft, spdx: true,
            commercialUse: .allowed, redistribution: .allowed, derivatives: .conditional,
            obligations: [
                "Credit the creator, keep the copyright and license notices, link to the license, and say whether you made changes.",
                "Share adaptations under CC BY-SA 4.0 or a compatible license.",
            ],
            restrictions: [],
            url: "https://creativecommons.org/licenses/by-sa/4.0/", aliases: ["cc-by-sa", "cc by-sa 4.0"]),
        LicenseTerms(
            id: "CC-BY-NC-4.0", name: "Creative Commons Attribution-NonCommercial 4.0", kind: .nonCommercial, spdx: true,
            commercialUse: .forbidden, redistribution: .conditional, derivatives: .conditional,
            obligations: ["Credit the creator, keep the copyright and license notices, link to the license, and say whether you made changes."],
            restrictions: ["No commercial use: nothing primarily intended for or directed towards commercial advantage or monetary compensation."],
            url: "https://creativecommons.org/licenses/by-nc/4.0/", aliases: ["cc-by-nc", "cc by-nc 4.0"]),
        LicenseTerms(
            id: "CC-BY-NC-SA-4.0", name: "Creative Commons Attribution-NonCommercial-ShareAlike 4.0", kind: .nonCommercial, spdx: true,
            commercialUse: .forbidden, redistribution: .conditional, derivatives: .conditional,
            obligations: [
                "Credit the creator, keep the copyright and license notices, link to the license, and say whether you made changes.",
                "Share adaptations under CC BY-NC-SA 4.0 or a compatible license.",
            ],
            restrictions: ["No commercial use: nothing primarily intended for or directed towards commercial advantage or monetary compensation."],
            url: "https://creativecommons.org/licenses/by-nc-sa/4.0/", aliases: ["cc-by-nc-sa", "cc by-nc-sa 4.0"]),
    ]

    /// The use restrictions every OpenRAIL license attaches (its Attachment A), summarized.
    static let railRestrictions = [
        "Use restrictions (Attachment A): no use that breaks the law, harms or exploits minors, generates or spreads verifiably false information to harm others, defames or harasses, discriminates against people or groups, or makes fully automated decisions that adversely affect people's legal rights.",
        "The use restrictions must be passed on as enforceable terms to everyone you give the model or a derivative to.",
    ]
    static let railObligations = [
        "Give recipients a copy of the license and keep its notices.",
        "Include the use restrictions in the terms of any derivative you distribute, and mark modified files.",
    ]

    static let responsibleAILicenses: [LicenseTerms] = [
        LicenseTerms(
            id: "openrail", name: "Open RAIL License", kind: .responsibleAI, spdx: false,
            commercialUse: .allowed, redistribution: .conditional, derivatives: .conditional,
            obligations: railObligations, restrictions: railRestrictions,
            url: "https://www.licenses.ai/", aliases: ["open-rail"]),
        LicenseTerms(
            id: "openrail++", name: "CreativeML Open RAIL++-M License", kind: .responsibleAI, spdx: false,
            commercialUse: .allowed, redistribution: .conditional, derivatives: .conditional,
            obligations: railObligations, restrictions: railRestrictions,
            url: "https://www.licenses.ai/", aliases: ["openrail++-m", "creativeml-openrail++-m"]),
        LicenseTerms(
            id: "CreativeML-OpenRAIL-M", name: "CreativeML Open RAIL-M License", kind: .responsibleAI, spdx: true,
            commercialUse: .allowed, redistribution: .conditional, derivatives: .conditional,
            obligations: railObligations, restrictions: railRestrictions,
            url: "https://www.licenses.ai/"),
        LicenseTerms(
            id: "BigScience-OpenRAIL-M", name: "BigScience Open RAIL-M License", kind: .responsibleAI, spdx: true,
            commercialUse: .allowed, redistribution: .conditional, derivatives: .conditional,
            obligations: railObligations, restrictions: railRestrictions,
            url: "https://www.licenses.ai/"),
        LicenseTerms(
            id: "bigcode-openrail-m", name: "BigCode Open RAIL-M License", kind: .responsibleAI, spdx: false,
            commercialUse: .allowed, redistribution: .conditional, derivatives: .conditional,
            obligations: railObligations, restrictions: railRestrictions,
            url: "https://www.licenses.ai/"),
    ]
}
