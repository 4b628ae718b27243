import AuditLog
import Governance
import Support

/// Records license-policy decisions made while serving in the hash-chained audit log, next to the requests.
public struct AuditDecisionRecorder: DecisionRecorder {
    let audit: AuditLog

    public init(audit: AuditLog) { self.audit = audit }

    public func record(_ r: DecisionRecord) throws {
        func opt(_ s: String?) -> JSONValue { s.map(JSONValue.string) ?? .null }
        _ = try audit.record(kind: .policyDecision, decision: r.decision,
                             detail: .object([("command", .string(r.command)), ("license", opt(r.license)),
                                              ("rule", opt(r.rule)), ("term", opt(r.term)),
                                              ("acknowledged", .bool(r.acknowledged)), ("time", .string(r.time))]),
                             model: r.model, modelSHA256: r.sha256)
    }
}
