import Checkpoint
import Foundation
import Governance

/// Appends decisions to `$OWL_HOME/governance/decisions.jsonl`, one JSON object a line.
/// The server's audit log can take its place: anything conforming to `DecisionRecorder` can.
public struct JSONLinesDecisionRecorder: DecisionRecorder {
    public let path: String
    public init(path: String) { self.path = path }

    public func record(_ record: DecisionRecord) throws {
        try JSONLines.append(record.jsonLine, to: path)
    }
}

enum JSONLines {
    /// Appends one line with O_APPEND, so concurrent writers do not interleave within a line.
    static func append(_ line: String, to path: String) throws {
        try FileManager.default.createDirectory(atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        let fd = open(path, O_WRONLY | O_CREAT | O_APPEND, 0o644)
        guard fd >= 0 else { throw StoreError.io(path: path, message: "cannot open for appending: \(String(cString: strerror(errno)))") }
        defer { close(fd) }
        let bytes = Array((line + "\n").utf8)
        let n = bytes.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
        guard n == bytes.count else { throw StoreError.io(path: path, message: "cannot append: \(String(cString: strerror(errno)))") }
    }
}

extension ModelStore {
    public var policyPath: String { home + "/policy.json" }
    public var governanceDir: String { home + "/governance" }
    public var decisionsPath: String { governanceDir + "/decisions.jsonl" }
    public var acknowledgmentsPath: String { governanceDir + "/acknowledgments.jsonl" }

    /// The effective policy: `$OWL_HOME/policy.json`, or the default when there is none.
    /// - Throws: `GovernanceError.badPolicy` for a malformed file (never silently the default).
    public func loadPolicy() throws -> Policy {
        guard let data = FileManager.default.contents(atPath: policyPath) else { return .default }
        return try Policy.parse(data, path: policyPath)
    }

    /// Every recorded acknowledgment, oldest first; a revocation line removes the earlier ones it names.
    public func acknowledgments() -> [Acknowledgment] {
        guard let data = FileManager.default.contents(atPath: acknowledgmentsPath) else { return [] }
        var out: [Acknowledgment] = []
        for line in String(decoding: data, as: UTF8.self).split(separator: "\n") {
            guard let d = line.data(using: .utf8) else { continue }
            if let r = try? JSONDecoder().decode(Revocation.self, from: d), r.revoked {
                out.removeAll { $0.model == r.model }
            } else if let a = try? JSONDecoder().decode(Acknowledgment.self, from: d) {
                out.append(a)
            }
        }
        return out
    }

    struct Revocation: Codable { var model: String; var revoked: Bool; var time: String }

    /// Appends an acknowledgment (`owl license accept`).
    public func recordAcknowledgment(_ a: Acknowledgment) throws {
        let e = JSONEncoder(); e.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        try JSONLines.append(String(decoding: try e.encode(a), as: UTF8.self), to: acknowledgmentsPath)
    }

    /// Appends a revocation of every acknowledgment for `model` (`owl license revoke`).
    public func revokeAcknowledgments(model: String) throws {
        let e = JSONEncoder(); e.outputFormatting = [.sortedKeys]
        try JSONLines.append(String(decoding: try e.encode(Revocation(model: model, revoked: true, time: Self.now())), as: UTF8.self), to: acknowledgmentsPath)
    }

    /// The facts of an installed model, read from its files.
    public func facts(_ name: String) throws -> ModelFacts {
        let m = try manifest(name)
        let model = try ModelLocator(home: home).resolve(name)
        return try ModelFacts.read(model, manifest: m)
    }

    /// Decides with the effective policy and acknowledgments, records the decision, and throws on a refusal.
    /// - Parameters:
    ///   - subject: the model (see `ModelFacts.subject`).
    ///   - command: the command asking (`run`, `serve`, `pull`), for the record.
    ///   - recorder: where the decision goes; the default is `decisions.jsonl` in the Owl home.
    /// - Returns: the decision (allow or warn; the caller prints `decision.message` for a warning).
    /// - Throws: `GovernanceError.refused(decision)` when the policy refuses the model; `.badPolicy`.
    @discardableResult
    public func authorize(_ subject: ModelSubject, command: String, recorder: (any DecisionRecorder)? = nil) throws -> Decision {
        let policy = try loadPolicy()
        let decision = PolicyGate.authorize(subject, policy: policy, acknowledgments: acknowledgments())
        let rec = recorder ?? JSONLinesDecisionRecorder(path: decisionsPath)
        try rec.record(DecisionRecord(time: Self.now(), command: command, decision: decision))
        if decision.outcome == .deny { throw GovernanceError.refused(decision) }
        return decision
    }

    /// What every loading command (run, chat, embed, perplexity, bench, serve) calls before loading weights:
    /// for a store model, the fast integrity check; then the policy gate, recorded.
    /// A path the user gave (`./model.gguf`) skips the store check but still goes through the gate.
    /// - Returns: the decision; print `decision.message` to stderr when `decision.outcome == .warn`.
    /// - Throws: `StoreError.tampered`/`.brokenLayout` for a changed file, `GovernanceError.refused` for a refusal.
    @discardableResult
    public func clearForLoading(_ model: ResolvedModel, command: String, recorder: (any DecisionRecorder)? = nil) throws -> Decision {
        var manifest: Manifest?
        if model.name.firstIndex(of: "/") == nil, ModelLocator.isValidName(model.name), isInstalled(model.name),
           model.path.hasPrefix(modelsDir + "/") {
            manifest = try checkIntegrity(model.name)
        }
        let facts = try ModelFacts.read(model, manifest: manifest)
        return try authorize(facts.subject, command: command, recorder: recorder)
    }
}
