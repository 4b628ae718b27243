import Foundation
import Governance
import Store
import Support

/// `owl policy`: the effective license policy; `owl policy check MODEL` tries it on a model.
enum PolicyCommand: Command {
    static let name = "policy"
    static let summary = "Show the effective license policy, or check a model against it"
    static let help = """
    Usage: owl policy [--json]
           owl policy check MODEL [--json]

    The policy in $OWL_HOME/policy.json says which licenses, terms, architectures and models this
    deployment accepts. Every command that loads or fetches a model (run, chat, embed, perplexity, bench,
    serve, pull) checks it first; a refusal names the rule and the license term, and every decision is
    appended to $OWL_HOME/governance/decisions.jsonl. Without a file the default applies: every license
    is allowed, and restrictive, non-commercial and unknown licenses get a warning.

    Keys (all optional):
      "restrictive_licenses": "allow"|"warn"|"deny"   licenses with use restrictions or user thresholds
      "non_commercial":       "allow"|"warn"|"deny"   licenses that forbid commercial use
      "unknown_licenses":     "allow"|"warn"|"deny"   licenses Owl's catalog does not know, or none stated
      "require_commercial_use": true|false            refuse what cannot be used commercially
      "allow_licenses": [ids] or null, "deny_licenses": [ids]        (ids or aliases: "apache-2.0", "gemma")
      "allow_architectures": [..] or null, "deny_architectures": [..]   ("llama", "gemma3", "bert")
      "allow_models": [..] or null, "deny_models": [..]                 (store names)
      "acknowledgment_overrides": rules an `owl license accept` can satisfy (default: restrictive_licenses,
                                  non_commercial, unknown_licenses, require_commercial_use; lists never)

    Example policy.json (no restrictive licenses unless someone accepted the terms):
      {"restrictive_licenses": "deny", "unknown_licenses": "deny"}

    `check MODEL` shows the decision for one model without recording it.

    Examples:
      owl policy
      owl policy check gemma3-270m
    """

    static func run(_ args: inout Arguments, _ context: CLIContext) throws -> Int32 {
        let json = args.flag("--json")
        let positionals = try args.positionals()
        let store = context.store
        let policy = try store.loadPolicy()
        let exists = FileManager.default.fileExists(atPath: store.policyPath)
        if positionals.first == "check" {
            guard positionals.count == 2 else { throw CLIError.usage(Self.name, "expected: owl policy check MODEL") }
            let facts = try LicenseCommand.facts(positionals[1], context)
            let d = PolicyGate.authorize(facts.subject, policy: policy, acknowledgments: store.acknowledgments())
            if json {
                context.out(JSONValue.object([("model", .string(facts.name)), ("decision", .string(d.outcome.rawValue)),
                                              ("rule", d.decidingFinding.map { .string($0.rule.rawValue) } ?? .null),
                                              ("term", d.decidingFinding.map { .string($0.term) } ?? .null),
                                              ("message", .string(d.message))]).serialized(pretty: true))
            } else {
                context.out(d.message)
            }
            return d.outcome == .deny ? 1 : 0
        }
        guard positionals.isEmpty else { throw CLIError.usage(Self.name, "unexpected '\(positionals[0])'") }
        if json {
            context.out(JSONValue.object([("path", .string(store.policyPath)), ("from_file", .bool(exists)), ("policy", policy.json)]).serialized(pretty: true))
        } else {
            context.out(exists ? "policy from \(store.policyPath):" : "no \(store.policyPath); the default policy applies:")
            context.out(policy.json.serialized(pretty: true))
            context.out("decisions are recorded in \(store.decisionsPath)")
        }
        return 0
    }
}
