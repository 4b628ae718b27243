import Checkpoint
import Foundation
import Governance
import Store
import Support

/// `owl license MODEL`: the model's license in plain language; `accept` / `revoke` record acknowledgments.
enum LicenseCommand: Command {
    static let name = "license"
    static let summary = "Explain a model's license; accept or revoke its terms"
    static let help = """
    Usage: owl license MODEL [--json]
           owl license accept MODEL
           owl license revoke MODEL
           owl license catalog [--json]

    Reads the license from every source there is — GGUF metadata (general.license, .name, .link,
    general.base_model.N.*), the Hugging Face model card front matter (license, license_name,
    license_link), license and terms files beside the weights (LICENSE, *TERMS*, NOTICE) and, only when
    the files say nothing, Owl's catalog entry — and explains it: what you may do, what you must do,
    what is forbidden, and where the text is. A license Owl's catalog does not know is reported as
    unknown; Owl never guesses terms.

    `accept` records that you have read and accept the terms (in $OWL_HOME/governance/acknowledgments.jsonl,
    with the model's sha256, your user name and the time). A policy rule listed in
    "acknowledgment_overrides" (see `owl policy`) is then satisfied for that model. `revoke` withdraws it.
    `catalog` lists the licenses Owl knows.

    Options:
      --json    machine-readable output (terms, evidence, policy decision)

    Examples:
      owl license gemma3-270m
      owl license accept gemma3-270m
    """

    static func run(_ args: inout Arguments, _ context: CLIContext) throws -> Int32 {
        let json = args.flag("--json")
        var positionals = try args.positionals()
        guard let first = positionals.first else { throw CLIError.usage(Self.name, "expected a MODEL") }
        switch first {
        case "catalog":
            guard positionals.count == 1 else { throw CLIError.usage(Self.name, "catalog takes no arguments") }
            return catalog(json: json, context)
        case "accept", "revoke":
            positionals.removeFirst()
            guard positionals.count == 1 else { throw CLIError.usage(Self.name, "expected: owl license \(first) MODEL") }
            let model = positionals[0]
            if first == "accept", !context.store.isInstalled(model), let recipe = CatalogRecipe.builtIn(named: model) {
                // Accepting before the pull: the catalog states the license and the weights' hash.
                let record = LicenseResolver.resolve(evidence: [LicenseEvidence(source: .catalog, location: "catalog:\(model)", value: recipe.license)])
                let subject = ModelSubject(name: model, sha256: recipe.files.first?.sha256, architecture: nil, license: record)
                return try accept(subject, termsName: record.terms?.name, termsURL: record.terms?.url, context)
            }
            let facts = try Self.facts(model, context)
            if first == "revoke" {
                try context.store.revokeAcknowledgments(model: facts.name)
                context.out("\(facts.name): acknowledgments revoked")
                return 0
            }
            return try accept(facts.subject, termsName: facts.license.terms?.name, termsURL: facts.license.terms?.url, context)
        default:
            guard positionals.count == 1 else { throw CLIError.usage(Self.name, "expected one MODEL, got \(positionals.count)") }
            let facts = try Self.facts(first, context)
            let policy = try context.store.loadPolicy()
            let acks = context.store.acknowledgments().filter { $0.covers(facts.subject) }
            let decision = PolicyGate.authorize(facts.subject, policy: policy, acknowledgments: acks)
            if json { context.out(Self.json(facts, decision: decision, acks: acks).serialized(pretty: true)) } else {
                context.out(Self.text(facts, decision: decision, acks: acks))
            }
            return 0
        }
    }

    static func accept(_ subject: ModelSubject, termsName: String?, termsURL: String?, _ context: CLIContext) throws -> Int32 {
        let ack = Acknowledgment(model: subject.name, license: subject.licenseKey, sha256: subject.sha256,
                                 acceptedAt: ISO8601DateFormatter().string(from: Date()),
                                 acceptedBy: context.environment["USER"] ?? context.environment["LOGNAME"] ?? "unknown",
                                 termsURL: termsURL)
        try context.store.recordAcknowledgment(ack)
        context.out("\(subject.name): recorded your acceptance of \(termsName ?? "the license '\(subject.licenseKey)'")"
            + (termsURL.map { " (\($0))" } ?? "") + " as \(ack.acceptedBy) at \(ack.acceptedAt)")
        return 0
    }

    static func facts(_ model: String, _ context: CLIContext) throws -> ModelFacts {
        let resolved = try context.locator.resolve(model)
        let manifest = context.store.isInstalled(model) ? try context.store.manifest(model) : nil
        return try ModelFacts.read(resolved, manifest: manifest)
    }

    static func permission(_ p: Permission) -> String {
        switch p {
        case .allowed: return "yes"
        case .conditional: return "yes, under the conditions below"
        case .forbidden: return "no"
        }
    }

    static func text(_ f: ModelFacts, decision: Decision, acks: [Acknowledgment]) -> String {
        let r = f.license
        var l: [String] = []
        if let t = r.terms {
            l.append("\(f.name): \(t.name) (\(t.id))" + (t.spdx ? ", an SPDX license" : ""))
        } else if let s = r.stated {
            l.append("\(f.name): '\(s)' — UNKNOWN: this license is not in Owl's catalog, so its terms are unknown. Read its text before using the model.")
        } else {
            l.append("\(f.name): no license stated anywhere — UNKNOWN. Without a license you have no permission to use the model beyond what the law allows.")
        }
        if let src = r.source {
            let where_ = r.evidence.first { $0.source == src }?.location ?? ""
            l.append("  stated by: \(src.rawValue) (\(where_))" + (src == .catalog ? " — the files carry no license; this is the publisher's stated license from Owl's catalog" : ""))
        }
        for c in r.conflicts { l.append("  conflict: \(c)") }
        if let t = r.terms {
            l.append("")
            l.append("You may:")
            l.append("  - use it commercially: \(permission(t.commercialUse))")
            l.append("  - redistribute it: \(permission(t.redistribution))")
            l.append("  - modify it and share derivatives: \(permission(t.derivatives))")
            l.append("You must:")
            for o in t.obligations { l.append("  - \(o)") }
            if t.obligations.isEmpty { l.append("  - nothing beyond the license's disclaimer") }
            l.append("You must not:")
            for x in t.restrictions { l.append("  - \(x)") }
            if t.restrictions.isEmpty { l.append("  - nothing specific (no use restrictions)") }
        }
        l.append("")
        l.append("Where the text is:")
        for file in r.textFiles { l.append("  - \(f.folder)/\(file)") }
        if let u = r.terms?.url { l.append("  - \(u)") }
        if let u = r.terms?.usePolicyURL { l.append("  - use policy: \(u)") }
        if let link = r.evidence.compactMap(\.link).first { l.append("  - stated link: \(link)") }
        if r.textFiles.isEmpty && r.terms?.url == nil { l.append("  - nowhere known; ask the publisher") }
        for b in r.baseModels { l.append("Base model: \(b.name)" + (b.organization.map { " by \($0)" } ?? "")) }
        l.append("")
        switch decision.outcome {
        case .allow: l.append("Policy: allowed" + (decision.findings.contains { $0.acknowledged } ? " (by your recorded acknowledgment)" : ""))
        case .warn: l.append("Policy: allowed with warnings: " + decision.findings.filter { !$0.acknowledged }.map(\.rule.rawValue).joined(separator: ", "))
        case .deny: l.append("Policy: REFUSED — " + decision.message)
        }
        for a in acks { l.append("Accepted by \(a.acceptedBy) at \(a.acceptedAt) (`owl license revoke \(f.name)` withdraws it)") }
        return l.joined(separator: "\n")
    }

    static func termsJSON(_ t: LicenseTerms) -> JSONValue {
        .object([
            ("id", .string(t.id)), ("name", .string(t.name)), ("kind", .string(t.kind.rawValue)), ("spdx", .bool(t.spdx)),
            ("commercial_use", .string(t.commercialUse.rawValue)), ("redistribution", .string(t.redistribution.rawValue)),
            ("derivatives", .string(t.derivatives.rawValue)),
            ("obligations", .array(t.obligations.map(JSONValue.string))), ("restrictions", .array(t.restrictions.map(JSONValue.string))),
            ("user_threshold", t.userThreshold.map(JSONValue.int) ?? .null), ("restrictive", .bool(t.isRestrictive)),
            ("url", t.url.map(JSONValue.string) ?? .null), ("use_policy_url", t.usePolicyURL.map(JSONValue.string) ?? .null),
        ])
    }

    static func json(_ f: ModelFacts, decision: Decision, acks: [Acknowledgment]) -> JSONValue {
        let r = f.license
        func opt(_ s: String?) -> JSONValue { s.map(JSONValue.string) ?? .null }
        return .object([
            ("model", .string(f.name)), ("license", opt(r.id)), ("stated", opt(r.stated)), ("known", .bool(!r.isUnknown)),
            ("source", opt(r.source?.rawValue)), ("terms", r.terms.map(termsJSON) ?? .null),
            ("text_files", .array(r.textFiles.map { .string(f.folder + "/" + $0) })),
            ("evidence", .array(r.evidence.map { .object([("source", .string($0.source.rawValue)), ("location", .string($0.location)),
                                                           ("value", opt($0.value)), ("name", opt($0.name)), ("link", opt($0.link))]) })),
            ("conflicts", .array(r.conflicts.map(JSONValue.string))),
            ("base_models", .array(r.baseModels.map { .object([("name", .string($0.name)), ("organization", opt($0.organization))]) })),
            ("policy", .object([("decision", .string(decision.outcome.rawValue)),
                                ("findings", .array(decision.findings.map { .object([("rule", .string($0.rule.rawValue)), ("action", .string($0.action.rawValue)),
                                                                                     ("term", .string($0.term)), ("acknowledged", .bool($0.acknowledged))]) })),
                                ("message", .string(decision.message))])),
            ("acknowledgments", .array(acks.map { .object([("accepted_by", .string($0.acceptedBy)), ("accepted_at", .string($0.acceptedAt)),
                                                           ("license", .string($0.license))]) })),
        ])
    }

    static func catalog(json: Bool, _ context: CLIContext) -> Int32 {
        let entries = LicenseCatalog.standard.entries
        if json { context.out(JSONValue.array(entries.map(termsJSON)).serialized(pretty: true)); return 0 }
        for t in entries {
            context.out("\(t.id.padding(toLength: 24, withPad: " ", startingAt: 0)) \(t.kind.rawValue.padding(toLength: 15, withPad: " ", startingAt: 0)) commercial: \(t.commercialUse.rawValue.padding(toLength: 12, withPad: " ", startingAt: 0)) \(t.name)")
        }
        return 0
    }
}
