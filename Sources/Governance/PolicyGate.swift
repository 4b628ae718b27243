import Support

/// What the gate knows about a model: its store name, weights hash, architecture and license record.
public struct ModelSubject: Sendable, Equatable {
    public var name: String
    public var sha256: String?
    public var architecture: String?
    public var license: LicenseRecord

    public init(name: String, sha256: String?, architecture: String?, license: LicenseRecord) {
        self.name = name; self.sha256 = sha256; self.architecture = architecture; self.license = license
    }

    /// The license as acknowledgments and records name it: the catalog id, else the stated spelling, else "none".
    public var licenseKey: String { license.id ?? license.stated ?? "none" }
}

/// One rule that matched.
public struct Finding: Sendable, Equatable {
    public var rule: PolicyRule
    public var action: PolicyAction
    /// The license term (or model fact) the rule matched, in plain words.
    public var term: String
    /// True when a recorded acknowledgment satisfies this finding.
    public var acknowledged: Bool
}

/// The gate's answer for one model.
public struct Decision: Sendable, Equatable {
    public enum Outcome: String, Sendable { case allow, warn, deny }
    public var subject: ModelSubject
    public var outcome: Outcome
    /// Every rule that matched, in the order they were checked.
    public var findings: [Finding]
    /// Rules whose denial an acknowledgment could satisfy (so the message can say so).
    public var acknowledgeable: Bool

    /// The finding that decided the outcome: the first unacknowledged denial, else the first warning.
    public var decidingFinding: Finding? {
        findings.first { $0.action == .deny && !$0.acknowledged }
            ?? findings.first { $0.action == .warn && !$0.acknowledged }
            ?? findings.first { $0.acknowledged }
    }

    /// A message for the user: for a refusal, the rule, the license term and the fix.
    public var message: String {
        let lic = subject.license.terms?.name ?? subject.license.stated.map { "'\($0)' (not in Owl's license catalog)" } ?? "no stated license"
        switch outcome {
        case .allow:
            if findings.contains(where: { $0.acknowledged }) { return "\(subject.name): allowed under \(lic) by a recorded acknowledgment" }
            return "\(subject.name): allowed under \(lic)"
        case .warn:
            let terms = findings.filter { $0.action == .warn && !$0.acknowledged }.map { "  - \($0.rule.rawValue): \($0.term)" }
            return "warning: \(subject.name) is licensed under \(lic), which the policy flags:\n" + terms.joined(separator: "\n")
                + "\nRun `owl license \(subject.name)` for what you may and must do; `owl license accept \(subject.name)` records that you accept the terms."
        case .deny:
            guard let f = decidingFinding else { return "\(subject.name): refused by policy" }
            var s = "policy refuses \(subject.name): rule \"\(f.rule.rawValue)\" matches its license \(lic): \(f.term)"
            if f.rule.acknowledgeable && acknowledgeable {
                s += "\nTo use it anyway, read the terms (`owl license \(subject.name)`) and record your acceptance with `owl license accept \(subject.name)`, or change \"\(f.rule.rawValue)\" in the policy file."
            } else {
                s += "\nAn acknowledgment cannot override this rule; change \"\(f.rule.rawValue)\" in the policy file (`owl policy` shows it) if this model should be allowed."
            }
            return s
        }
    }
}

/// The one decision function every loading command goes through. Pure: the caller passes the policy,
/// the acknowledgments and the model facts, and records the result.
public enum PolicyGate {
    /// Decides whether `subject` may be loaded or fetched under `policy`.
    /// - Parameters:
    ///   - subject: the model's name, hash, architecture and license record.
    ///   - policy: the effective policy.
    ///   - acknowledgments: recorded acceptances; those covering `subject` satisfy acknowledgeable rules.
    /// - Returns: the decision; `.deny` means the caller must not load the model.
    public static func authorize(_ subject: ModelSubject, policy: Policy, acknowledgments: [Acknowledgment] = [],
                                 catalog: LicenseCatalog = .standard) -> Decision {
        var findings: [Finding] = []
        func add(_ rule: PolicyRule, _ action: PolicyAction, _ term: String) {
            guard action != .allow else { return }
            findings.append(Finding(rule: rule, action: action, term: term, acknowledged: false))
        }
        let lic = subject.license
        let name = subject.name
        if policy.denyModels.contains(name) { add(.denyModels, .deny, "the model '\(name)' is on the deny list") }
        if let allow = policy.allowModels, !allow.contains(name) { add(.allowModels, .deny, "the model '\(name)' is not on the allow list") }
        let arch = subject.architecture?.lowercased()
        if let arch, policy.denyArchitectures.map({ $0.lowercased() }).contains(arch) {
            add(.denyArchitectures, .deny, "the architecture '\(arch)' is on the deny list")
        }
        if let allow = policy.allowArchitectures, !allow.map({ $0.lowercased() }).contains(arch ?? "") {
            add(.allowArchitectures, .deny, "the architecture '\(arch ?? "unknown")' is not on the allow list")
        }
        let licenseKeys = Set([lic.id, lic.stated].compactMap { $0 }.map(LicenseCatalog.normalize))
        func listed(_ list: [String]) -> Bool {
            list.contains { entry in
                let canonical = catalog.terms(for: entry)?.id ?? entry
                return licenseKeys.contains(LicenseCatalog.normalize(canonical)) || licenseKeys.contains(LicenseCatalog.normalize(entry))
            }
        }
        if listed(policy.denyLicenses) { add(.denyLicenses, .deny, "the license '\(subject.licenseKey)' is on the deny list") }
        if let allow = policy.allowLicenses, !listed(allow) { add(.allowLicenses, .deny, "the license '\(subject.licenseKey)' is not on the allow list") }
        if let terms = lic.terms {
            if terms.commercialUse == .forbidden {
                if policy.requireCommercialUse { add(.requireCommercialUse, .deny, "it forbids commercial use") }
                add(.nonCommercial, policy.nonCommercial, "it forbids commercial use — \(terms.restrictions.first ?? "")")
            }
            if terms.kind != .permissive && terms.kind != .copyleft {
                var term = "it restricts use — " + (terms.restrictions.first ?? "")
                if let t = terms.userThreshold { term += " (user threshold: \(t) monthly active users)" }
                add(.restrictiveLicenses, policy.restrictiveLicenses, term)
            }
        } else {
            let what = lic.stated.map { "the license '\($0)' is not in Owl's license catalog, so its terms are unknown" }
                ?? "the model states no license, so its terms are unknown"
            if policy.requireCommercialUse { add(.requireCommercialUse, .deny, what + " (commercial use cannot be confirmed)") }
            add(.unknownLicenses, policy.unknownLicenses, what)
        }
        let acked = acknowledgments.contains { $0.covers(subject) }
        var acknowledgeable = false
        for i in findings.indices where findings[i].rule.acknowledgeable && policy.acknowledgmentOverrides.contains(findings[i].rule) {
            acknowledgeable = true
            if acked { findings[i].acknowledged = true }
        }
        let open = findings.filter { !$0.acknowledged }
        let outcome: Decision.Outcome = open.contains { $0.action == .deny } ? .deny : open.contains { $0.action == .warn } ? .warn : .allow
        // An acknowledgment only helps when every denial it must clear is acknowledgeable.
        let blocking = open.filter { $0.action == .deny }
        let canAck = acknowledgeable && blocking.allSatisfy { $0.rule.acknowledgeable && policy.acknowledgmentOverrides.contains($0.rule) }
        return Decision(subject: subject, outcome: outcome, findings: findings, acknowledgeable: canAck)
    }
}
