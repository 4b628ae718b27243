import AuditLog
import Foundation
import Support

/// `owl audit verify|head|tail|export`: read and check the audit log.
enum AuditCommand: Command {
    static let name = "audit"
    static let summary = "Verify, inspect and export the tamper-evident audit log"
    static let help = """
    Usage: owl audit verify [--json]
           owl audit head
           owl audit tail [-n N] [--json]
           owl audit export --since TIME

    `owl serve` appends one record per request to $OWL_HOME/audit.db (default ~/.owl): time, request
    id, key name (never the key), client address, endpoint, model and its sha256, parameters, token
    counts, finish reason, status and latency; prompt and completion text only with
    `owl serve --audit-content`, after redaction. Key changes and policy decisions are recorded too.

    Each record holds the SHA-256 of the previous one, so changing or removing a record breaks the
    chain. The last record's id and hash are also kept in $OWL_HOME/audit.head, replaced after each
    commit; copy it elsewhere (a notary) to detect a log that was truncated and rebuilt.

    Subcommands:
      verify      check every record's hash and link and the head file; prints the first altered,
                  missing or truncated record. Exit status 0 when intact, 1 when not.
      head        print the head: `ID HASH` (give this to your notary)
      tail        the last N records (default 10), oldest first
      export      records since TIME as JSON lines (the hashed fields plus `hash`), for archiving or
                  a SIEM. TIME is a date (2026-11-28), a date and time (2026-11-28T12:00:00Z) or
                  Unix seconds

    Examples:
      owl audit verify
      owl audit head >> notary.txt
      owl audit tail -n 20
      owl audit export --since 2026-11-01 > november.jsonl
    """

    static func run(_ args: inout Arguments, _ context: CLIContext) throws -> Int32 {
        let json = args.flag("--json")
        let count = try args.int("-n", "--count", in: 0...1_000_000) ?? 10
        let since = try args.option("--since")
        let positionals = try args.positionals()
        guard positionals.count == 1 else { throw CLIError.usage(name, "expected one of verify, head, tail, export") }
        let home = OwlHome(context.environment)
        guard FileManager.default.fileExists(atPath: home.path + "/audit.db") else {
            throw CLIError.failed("no audit log at \(home.path)/audit.db; `owl serve` creates it (set OWL_HOME if it lives elsewhere)")
        }
        switch positionals[0] {
        case "verify":
            // Opening for verification must not refuse a damaged log: read it directly.
            let log = try AuditLog.openForReading(home: home.path)
            let v = try log.verify()
            if json {
                context.out(JSONValue.object([
                    ("ok", .bool(v.ok)), ("checked", .int(Int(v.checked))), ("last_id", .int(Int(v.last.id))),
                    ("last_hash", .string(v.last.hash)), ("head_id", v.head.map { .int(Int($0.id)) } ?? .null),
                    ("problem", v.problem.map { .string(problemWord($0)) } ?? .null),
                    ("record_id", v.problem.map { .int(Int(problemID($0))) } ?? .null), ("summary", .string(v.summary)),
                ]).serialized(pretty: true))
            } else {
                context.out(v.summary)
            }
            return v.ok ? 0 : 1
        case "head":
            if let head = try AuditHead.read(path: home.path + "/audit.head") { context.out(head.description) }
            else { context.out("0 " + AuditRecord.genesisHash) }
            return 0
        case "tail":
            let log = try AuditLog.openForReading(home: home.path)
            for r in try log.tail(count) { context.out(json ? r.jsonLine : line(r)) }
            return 0
        case "export":
            guard let since else { throw CLIError.usage(name, "export needs --since TIME") }
            guard let micros = parseTime(since) else {
                throw CLIError.usage(name, "--since must be a date (2026-11-28), a date and time (2026-11-28T12:00:00Z) or Unix seconds, got '\(since)'")
            }
            let log = try AuditLog.openForReading(home: home.path)
            try log.records(sinceMicros: micros) { context.out($0.jsonLine) }
            return 0
        default:
            throw CLIError.usage(name, "unknown subcommand '\(positionals[0])'; expected verify, head, tail or export")
        }
    }

    static func problemWord(_ p: AuditVerification.Problem) -> String {
        switch p {
        case .altered: return "altered"
        case .brokenLink: return "broken_link"
        case .missing: return "missing"
        case .tailMissing: return "tail_missing"
        case .headMismatch: return "head_mismatch"
        }
    }

    static func problemID(_ p: AuditVerification.Problem) -> Int64 {
        switch p {
        case .altered(let id), .brokenLink(let id), .missing(let id), .headMismatch(let id): return id
        case .tailMissing(let from, _): return from
        }
    }

    static func line(_ r: AuditRecord) -> String {
        let e = r.entry
        let time = Date(timeIntervalSince1970: Double(e.timeMicros) / 1e6)
        let f = ISO8601DateFormatter()
        let tokens = e.promptTokens.map { "\($0)/\(e.completionTokens ?? 0) tok" } ?? "-"
        return "\(r.id)  \(f.string(from: time))  \(e.kind.rawValue)  \(e.keyName ?? "-")  \(e.client)  \(e.endpoint)  "
            + "\(e.model ?? "-")  \(e.status)  \(tokens)  \(e.finishReason ?? "-")  \(String(format: "%.1f ms", Double(e.latencyMicros) / 1000))"
    }

    /// A date, a date-time (ISO 8601) or Unix seconds, in Unix microseconds.
    static func parseTime(_ s: String) -> Int64? {
        if let seconds = Double(s) { return Int64(seconds * 1e6) }
        let full = ISO8601DateFormatter()
        if let d = full.date(from: s) { return Int64(d.timeIntervalSince1970 * 1e6) }
        let day = ISO8601DateFormatter()
        day.formatOptions = [.withFullDate]
        if let d = day.date(from: s) { return Int64(d.timeIntervalSince1970 * 1e6) }
        return nil
    }
}
