import Foundation
import Support

/// A recorded, explicit acceptance of a model's license terms by a person (`owl license accept NAME`).
/// It can satisfy the policy rules listed in `Policy.acknowledgmentOverrides` for that model and license.
public struct Acknowledgment: Sendable, Codable, Equatable {
    /// Store name of the model.
    public var model: String
    /// The license id accepted (catalog id, or the stated spelling for an unknown license).
    public var license: String
    /// sha256 of the weights accepted; an acknowledgment does not carry over to different weights.
    public var sha256: String?
    /// ISO 8601 time of acceptance.
    public var acceptedAt: String
    /// Who accepted (the user name from the environment).
    public var acceptedBy: String
    /// Where the accepted terms are published.
    public var termsURL: String?

    enum CodingKeys: String, CodingKey {
        case model, license, sha256
        case acceptedAt = "accepted_at", acceptedBy = "accepted_by", termsURL = "terms_url"
    }

    public init(model: String, license: String, sha256: String?, acceptedAt: String, acceptedBy: String, termsURL: String?) {
        self.model = model; self.license = license; self.sha256 = sha256
        self.acceptedAt = acceptedAt; self.acceptedBy = acceptedBy; self.termsURL = termsURL
    }

    /// Whether this acknowledgment covers `subject`: same model, same license, same weights when both know them.
    public func covers(_ subject: ModelSubject) -> Bool {
        guard model == subject.name, license == subject.licenseKey else { return false }
        if let a = sha256, let b = subject.sha256 { return a == b }
        return true
    }
}

/// One gate decision as a JSON line (`$OWL_HOME/governance/decisions.jsonl`), shaped to move into an audit log.
public struct DecisionRecord: Sendable, Codable, Equatable {
    public var time: String
    public var command: String
    public var model: String
    public var sha256: String?
    public var license: String?
    /// allow, warn or deny.
    public var decision: String
    /// The deciding rule (policy key), nil when nothing matched.
    public var rule: String?
    /// The license term the rule matched.
    public var term: String?
    public var acknowledged: Bool

    public init(time: String, command: String, decision d: Decision) {
        self.time = time
        self.command = command
        self.model = d.subject.name
        self.sha256 = d.subject.sha256
        self.license = d.subject.licenseKey
        self.decision = d.outcome.rawValue
        let deciding = d.decidingFinding
        self.rule = deciding?.rule.rawValue
        self.term = deciding?.term
        self.acknowledged = d.findings.contains { $0.acknowledged }
    }

    /// The record as one compact JSON line (keys in a fixed order).
    public var jsonLine: String {
        func opt(_ s: String?) -> JSONValue { s.map(JSONValue.string) ?? .null }
        return JSONValue.object([
            ("time", .string(time)), ("command", .string(command)), ("model", .string(model)), ("sha256", opt(sha256)),
            ("license", opt(license)), ("decision", .string(decision)), ("rule", opt(rule)), ("term", opt(term)),
            ("acknowledged", .bool(acknowledged)),
        ]).serialized()
    }
}

/// Where gate decisions go: a JSON-lines file today, the server's audit log later.
public protocol DecisionRecorder: Sendable {
    func record(_ record: DecisionRecord) throws
}
