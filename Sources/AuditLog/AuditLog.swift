import Foundation
import LocalSQL
import Support
import Synchronization

/// The append-only, hash-chained audit log: SQLite (`audit.db`, WAL, `synchronous=FULL`) plus a head
/// file (`audit.head`) holding the last record's id and hash, replaced atomically after each commit so
/// that an outside notary can keep it and a deleted tail is noticed.
///
/// Appends are group-committed: concurrent callers queue their entries, one of them writes the whole
/// queue in one transaction, and every caller returns only once its record is durable. A crash loses at
/// most the records of requests whose `append` had not returned; committed records are never damaged.
public final class AuditLog: Sendable {
    private struct Queue {
        var pending: [(ticket: Int64, entry: AuditEntry)] = []
        var nextTicket: Int64 = 1
        var committedTicket: Int64 = 0
        var failedTickets: [Int64: String] = [:]
        var results: [Int64: AuditRecord] = [:]
        var completions: [Int64: @Sendable (Result<AuditRecord, AuditError>) -> Void] = [:]
    }
    private struct Writer {
        let db: SQLiteConnection
        var lastID: Int64
        var lastHash: String
    }
    private let queue = Mutex(Queue())
    private let writer: Mutex<Writer>
    private let reader: Mutex<SQLiteConnection>
    /// The last failure to update the head file, if any (the records themselves were committed).
    public let headError = Mutex<String?>(nil)
    /// Runs background commits for `submit`, one at a time (each takes the whole queue).
    private let drain = DispatchQueue(label: "owl.audit.writer")
    /// The database file.
    public let databasePath: String
    /// The head file.
    public let headPath: String

    static let columns = "id, time_us, kind, request_id, key_name, client, endpoint, model, model_sha256, params, prompt_tokens, completion_tokens, finish_reason, status, latency_us, prompt_text, completion_text, detail, prev_hash, hash"

    /// Opens the log in `home` (`home/audit.db`, `home/audit.head`).
    public static func open(home: String) throws -> AuditLog {
        try AuditLog(databasePath: home + "/audit.db", headPath: home + "/audit.head")
    }

    /// Opens a log to read and verify it, damaged or not (no head check, nothing written).
    public static func openForReading(home: String) throws -> AuditLog {
        try AuditLog(databasePath: home + "/audit.db", headPath: home + "/audit.head", forReading: true)
    }

    /// Opens (creating) the log. Unless `forReading`, refuses a log whose head file is ahead of or
    /// disagrees with the database: appending would hide that records were removed (run `owl audit verify`).
    public init(databasePath: String, headPath: String, forReading: Bool = false) throws {
        self.databasePath = databasePath
        self.headPath = headPath
        let db = try SQLiteConnection(path: databasePath)
        try db.execute("""
            CREATE TABLE IF NOT EXISTS audit (
              id INTEGER PRIMARY KEY, time_us INTEGER NOT NULL, kind TEXT NOT NULL, request_id TEXT NOT NULL,
              key_name TEXT, client TEXT NOT NULL, endpoint TEXT NOT NULL, model TEXT, model_sha256 TEXT,
              params TEXT NOT NULL, prompt_tokens INTEGER, completion_tokens INTEGER, finish_reason TEXT,
              status INTEGER NOT NULL, latency_us INTEGER NOT NULL, prompt_text TEXT, completion_text TEXT,
              detail TEXT, prev_hash TEXT NOT NULL, hash TEXT NOT NULL);
            CREATE INDEX IF NOT EXISTS audit_time ON audit(time_us);
            CREATE TRIGGER IF NOT EXISTS audit_no_update BEFORE UPDATE ON audit
              BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
            CREATE TRIGGER IF NOT EXISTS audit_no_delete BEFORE DELETE ON audit
              BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
            """)
        let last = try db.query("SELECT id, hash FROM audit ORDER BY id DESC LIMIT 1").first
        let lastID = last?[0].int ?? 0
        let lastHash = last?[1].text ?? AuditRecord.genesisHash
        if !forReading, let head = try AuditHead.read(path: headPath) {
            if head.id > lastID {
                throw AuditError.tailMissing(headID: head.id, lastID: lastID, path: databasePath)
            }
            if head.id > 0 {
                let stored = try db.query("SELECT hash FROM audit WHERE id = ?", [.int(head.id)]).first?.first?.text
                if stored != head.hash { throw AuditError.headMismatch(id: head.id, path: databasePath) }
            }
        }
        writer = Mutex(Writer(db: db, lastID: lastID, lastHash: lastHash))
        reader = Mutex(try SQLiteConnection(path: databasePath))
        if !forReading, lastID > 0 { try AuditHead(id: lastID, hash: lastHash).write(path: headPath) }
    }

    /// Appends `entry` and returns its record once it is committed and the head file updated.
    @discardableResult
    public func append(_ entry: AuditEntry) throws -> AuditRecord {
        let ticket = enqueue(entry, completion: nil)
        // Whoever gets the writer commits everything queued so far, its own entry included or not.
        writer.withLock { w in
            if queue.withLock({ $0.committedTicket >= ticket }) { return }
            commitPending(&w)
        }
        if let failure = queue.withLock({ $0.failedTickets.removeValue(forKey: ticket) }) {
            throw AuditError.writeFailed(failure)
        }
        guard let mine = queue.withLock({ $0.results.removeValue(forKey: ticket) }) else {
            throw AuditError.writeFailed("record \(ticket) was not committed")
        }
        return mine
    }

    /// Appends `entry` without waiting: a background writer commits it with whatever else is queued
    /// (one transaction, one fsync for the batch) and then calls `completion`. The server uses this so
    /// its event-loop threads never wait for the disk.
    public func submit(_ entry: AuditEntry, completion: @escaping @Sendable (Result<AuditRecord, AuditError>) -> Void) {
        _ = enqueue(entry, completion: completion)
        drain.async { [self] in
            writer.withLock { w in commitPending(&w) }
        }
    }

    private func enqueue(_ entry: AuditEntry, completion: (@Sendable (Result<AuditRecord, AuditError>) -> Void)?) -> Int64 {
        queue.withLock { q -> Int64 in
            let t = q.nextTicket
            q.nextTicket += 1
            q.pending.append((t, entry))
            if let completion { q.completions[t] = completion }
            return t
        }
    }

    /// Commits everything queued in one transaction (caller holds the writer), then hands each record
    /// (or the failure) to its waiting `append` or `submit` completion.
    private func commitPending(_ w: inout Writer) {
        let batch = queue.withLock { q -> [(ticket: Int64, entry: AuditEntry)] in
            let b = q.pending
            q.pending = []
            return b
        }
        guard let lastTicket = batch.last?.ticket else { return }
        var records: [(Int64, AuditRecord)] = []
        var failure: String?
        do {
            try w.db.transaction {
                // Read the end of the chain inside the write transaction: another process (`owl keys`
                // recording a key change while the server runs) may have appended since.
                let last = try w.db.query("SELECT id, hash FROM audit ORDER BY id DESC LIMIT 1").first
                var id = last?[0].int ?? 0
                var prev = last?[1].text ?? AuditRecord.genesisHash
                records = []
                for (t, e) in batch {
                    id += 1
                    let h = AuditRecord.computeHash(id: id, entry: e, prevHash: prev)
                    let r = AuditRecord(id: id, entry: e, prevHash: prev, hash: h)
                    try insert(r, into: w.db)
                    records.append((t, r))
                    prev = h
                }
            }
        } catch {
            failure = "\(error)"
            records = []
        }
        if let newest = records.last?.1 {
            w.lastID = newest.id
            w.lastHash = newest.hash
            // Another process may have written a newer head meanwhile; never move the head backwards.
            let onDisk = try? AuditHead.read(path: headPath)
            if onDisk.map({ $0.id <= newest.id }) ?? true {
                do { try AuditHead(id: newest.id, hash: newest.hash).write(path: headPath) }
                catch { headError.withLock { $0 = "records up to \(newest.id) are committed but the head file was not updated: \(error)" } }
            }
        }
        let done = queue.withLock { q -> [(@Sendable (Result<AuditRecord, AuditError>) -> Void, Result<AuditRecord, AuditError>)] in
            q.committedTicket = max(q.committedTicket, lastTicket)
            var calls: [(@Sendable (Result<AuditRecord, AuditError>) -> Void, Result<AuditRecord, AuditError>)] = []
            let byTicket = Dictionary(records.map { ($0.0, $0.1) }, uniquingKeysWith: { a, _ in a })
            for (t, _) in batch {
                let result: Result<AuditRecord, AuditError>
                // A committed record is a success even when the head file lagged (verify accepts a head behind).
                if let r = byTicket[t] { result = .success(r) }
                else { result = .failure(.writeFailed(failure ?? "not committed")) }
                if let c = q.completions.removeValue(forKey: t) { calls.append((c, result)) }
                else {
                    switch result {
                    case .success(let r): q.results[t] = r
                    case .failure(let e): q.failedTickets[t] = e.description
                    }
                }
            }
            return calls
        }
        for (c, r) in done { c(r) }
    }

    /// Records a governance or key-management event in the same chain.
    ///
    /// - Parameters:
    ///   - kind: `.policyDecision` for license/policy outcomes, `.keyChange` for key management.
    ///   - decision: a short word (`"refused"`, `"allowed"`, `"created"`, …), stored as the finish reason.
    ///   - detail: JSON with the reasons (license id, rule, …).
    @discardableResult
    public func record(kind: AuditKind, decision: String, detail: JSONValue, model: String? = nil,
                       modelSHA256: String? = nil, keyName: String? = nil, requestID: String? = nil,
                       client: String = "", endpoint: String = "", status: Int = 0) throws -> AuditRecord {
        try append(AuditEntry(kind: kind, requestID: requestID ?? UUID().uuidString.lowercased(), keyName: keyName,
                              client: client, endpoint: endpoint, model: model, modelSHA256: modelSHA256,
                              finishReason: decision, status: status, detail: detail.serialized()))
    }

    /// The id and hash of the last committed record (0 and the genesis hash when empty).
    public var last: AuditHead {
        writer.withLock { AuditHead(id: $0.lastID, hash: $0.lastHash) }
    }

    /// The last `n` records, oldest first.
    public func tail(_ n: Int) throws -> [AuditRecord] {
        try reader.withLock { db in
            try db.query("SELECT \(AuditLog.columns) FROM (SELECT * FROM audit ORDER BY id DESC LIMIT ?) ORDER BY id",
                         [.int(Int64(max(0, n)))]).map(AuditLog.record(from:))
        }
    }

    /// Records at or after `since`, oldest first, passed to `body` in pages (the log may be large).
    public func records(sinceMicros since: Int64, _ body: (AuditRecord) throws -> Void) throws {
        var after: Int64 = 0
        while true {
            let page = try reader.withLock { db in
                try db.query("SELECT \(AuditLog.columns) FROM audit WHERE id > ? AND time_us >= ? ORDER BY id LIMIT 1000",
                             [.int(after), .int(since)]).map(AuditLog.record(from:))
            }
            for r in page { try body(r) }
            guard let l = page.last else { return }
            after = l.id
        }
    }

    /// Rows in id order (`id > after`, at most `limit`), as stored; used by `verify`.
    func page(after: Int64, limit: Int) throws -> [AuditRecord] {
        try reader.withLock { db in
            try db.query("SELECT \(AuditLog.columns) FROM audit WHERE id > ? ORDER BY id LIMIT ?",
                         [.int(after), .int(Int64(limit))]).map(AuditLog.record(from:))
        }
    }

    private func insert(_ r: AuditRecord, into db: SQLiteConnection) throws {
        let e = r.entry
        func t(_ s: String?) -> SQLValue { s.map { .text($0) } ?? .null }
        func i(_ x: Int?) -> SQLValue { x.map { .int(Int64($0)) } ?? .null }
        try db.query("INSERT INTO audit (\(AuditLog.columns)) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)", [
            .int(r.id), .int(e.timeMicros), .text(e.kind.rawValue), .text(e.requestID), t(e.keyName), .text(e.client),
            .text(e.endpoint), t(e.model), t(e.modelSHA256), .text(e.params), i(e.promptTokens), i(e.completionTokens),
            t(e.finishReason), .int(Int64(e.status)), .int(e.latencyMicros), t(e.promptText), t(e.completionText),
            t(e.detail), .text(r.prevHash), .text(r.hash),
        ])
    }

    static func record(from row: [SQLValue]) -> AuditRecord {
        func t(_ i: Int) -> String? { row[i].text }
        func n(_ i: Int) -> Int? { row[i].int.map { Int($0) } }
        let kind = AuditKind(rawValue: t(2) ?? "")
        let e = AuditEntry(timeMicros: row[1].int ?? 0, kind: kind, requestID: t(3) ?? "", keyName: t(4), client: t(5) ?? "",
                           endpoint: t(6) ?? "", model: t(7), modelSHA256: t(8), params: t(9) ?? "", promptTokens: n(10),
                           completionTokens: n(11), finishReason: t(12), status: n(13) ?? 0, latencyMicros: row[14].int ?? 0,
                           promptText: t(15), completionText: t(16), detail: t(17))
        return AuditRecord(id: row[0].int ?? 0, entry: e, prevHash: t(18) ?? "", hash: t(19) ?? "")
    }
}

/// Errors from the audit log, with what to do.
public enum AuditError: Error, CustomStringConvertible, Equatable {
    case tailMissing(headID: Int64, lastID: Int64, path: String)
    case headMismatch(id: Int64, path: String)
    case writeFailed(String)
    case badHeadFile(path: String)

    public var description: String {
        switch self {
        case .tailMissing(let headID, let lastID, let path):
            return "\(path): the audit log ends at record \(lastID) but its head file names record \(headID); records \(lastID + 1)...\(headID) are missing. Run `owl audit verify`, keep the damaged log as evidence, and move it aside to start a new one"
        case .headMismatch(let id, let path):
            return "\(path): record \(id) does not match the hash in the head file; the log was altered. Run `owl audit verify`"
        case .writeFailed(let m):
            return "cannot append to the audit log: \(m)"
        case .badHeadFile(let path):
            return "\(path): the head file is not `ID HASH`; restore it from your notary's copy"
        }
    }
}
