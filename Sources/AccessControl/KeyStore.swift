import Foundation
import LocalSQL
import Synchronization

/// API keys in SQLite (`$OWL_HOME/owl.db`, table `api_keys`). Holds only hashes.
///
/// The server authenticates against an in-memory snapshot that it refreshes when another process (for
/// example `owl keys revoke`) has committed a change, checked at most once a second.
public final class KeyStore: Sendable {
    private struct State {
        var keys: [APIKey] = []
        var dataVersion: Int64 = -1
        var checkedAt: Double = 0
    }
    private let db: Mutex<SQLiteConnection>
    private let state = Mutex(State())
    public let path: String

    /// Opens (creating) the key table in the database at `path`.
    public init(path: String) throws {
        let conn = try SQLiteConnection(path: path)
        try conn.execute("""
            CREATE TABLE IF NOT EXISTS api_keys (
              name TEXT PRIMARY KEY, hash TEXT NOT NULL UNIQUE, models TEXT, rpm INTEGER, tpm INTEGER,
              admin INTEGER NOT NULL, created_at INTEGER NOT NULL, revoked_at INTEGER)
            """)
        db = Mutex(conn)
        self.path = path
        try reload()
    }

    /// Creates a key and returns its secret, which is shown once and never stored.
    public func create(name: String, models: [String]?, requestsPerMinute: Int?, tokensPerMinute: Int?,
                       isAdmin: Bool, now: Date = Date()) throws -> String {
        guard APIKey.isValidName(name) else { throw AccessError.invalidName(name) }
        if let r = requestsPerMinute, r < 1 { throw AccessError.invalidLimit("--rpm must be at least 1, got \(r)") }
        if let t = tokensPerMinute, t < 1 { throw AccessError.invalidLimit("--tpm must be at least 1, got \(t)") }
        let secret = APIKey.generateSecret()
        try db.withLock { conn in
            try conn.transaction {
                let existing = try conn.query("SELECT revoked_at FROM api_keys WHERE name = ?", [.text(name)])
                if let row = existing.first {
                    if row[0] == .null { throw AccessError.duplicateName(name) }
                    // A revoked key's name may be reused; the old row goes (audit records keep the name).
                    try conn.query("DELETE FROM api_keys WHERE name = ?", [.text(name)])
                }
                try conn.query("INSERT INTO api_keys VALUES (?, ?, ?, ?, ?, ?, ?, NULL)", [
                    .text(name), .text(APIKey.hash(secret: secret)),
                    models.map { .text($0.joined(separator: ",")) } ?? .null,
                    requestsPerMinute.map { .int(Int64($0)) } ?? .null,
                    tokensPerMinute.map { .int(Int64($0)) } ?? .null,
                    .int(isAdmin ? 1 : 0), .int(Int64(now.timeIntervalSince1970)),
                ])
            }
        }
        try reload()
        return secret
    }

    /// Revokes the active key named `name`.
    public func revoke(name: String, now: Date = Date()) throws {
        try db.withLock { conn in
            let rows = try conn.query("SELECT name FROM api_keys WHERE name = ? AND revoked_at IS NULL", [.text(name)])
            guard !rows.isEmpty else { throw AccessError.unknownKey(name) }
            try conn.query("UPDATE api_keys SET revoked_at = ? WHERE name = ?", [.int(Int64(now.timeIntervalSince1970)), .text(name)])
        }
        try reload()
    }

    /// All keys, revoked ones included, by name.
    public func list() throws -> [APIKey] {
        try db.withLock { conn in
            try conn.query("SELECT name, hash, models, rpm, tpm, admin, created_at, revoked_at FROM api_keys ORDER BY name").map { r in
                APIKey(name: r[0].text ?? "", hash: r[1].text ?? "",
                       models: r[2].text.map { $0.split(separator: ",").map(String.init) },
                       requestsPerMinute: r[3].int.map { Int($0) }, tokensPerMinute: r[4].int.map { Int($0) },
                       isAdmin: r[5].int == 1, createdAt: r[6].int ?? 0, revokedAt: r[7].int)
            }
        }
    }

    /// True when at least one key is active.
    public var hasActiveKeys: Bool {
        refreshIfChanged()
        return state.withLock { !$0.keys.isEmpty }
    }

    /// The active key whose secret is `secret`, or nil. Compares the hash against every active key in
    /// constant time per key, without stopping at a match, so timing reveals nothing about which hash matched.
    public func authenticate(secret: String) -> APIKey? {
        refreshIfChanged()
        let presented = APIKey.hash(secret: secret)
        return state.withLock { s in
            var found: APIKey?
            for k in s.keys where APIKey.constantTimeEqual(k.hash, presented) { found = k }
            return found
        }
    }

    /// Reloads the active keys from the database.
    public func reload() throws {
        let version = try db.withLock { try $0.dataVersion() }
        let keys = try list().filter { $0.revokedAt == nil }
        state.withLock { s in
            s.keys = keys
            s.dataVersion = version
            s.checkedAt = Date().timeIntervalSince1970
        }
    }

    private func refreshIfChanged() {
        let now = Date().timeIntervalSince1970
        let due = state.withLock { s -> Bool in
            guard now - s.checkedAt >= 1 else { return false }
            s.checkedAt = now
            return true
        }
        guard due else { return }
        // A failed read keeps the previous snapshot: the server keeps its last known keys.
        guard let version = try? db.withLock({ try $0.dataVersion() }) else { return }
        if version != state.withLock({ $0.dataVersion }) { try? reload() }
    }
}
