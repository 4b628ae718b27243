import CSQLite
import Foundation

/// A value bound to or read from an SQLite statement.
public enum SQLValue: Sendable, Equatable {
    case null
    case int(Int64)
    case double(Double)
    case text(String)

    /// The text, or nil for other kinds.
    public var text: String? { if case .text(let s) = self { return s } else { return nil } }
    /// The integer, or nil for other kinds.
    public var int: Int64? { if case .int(let i) = self { return i } else { return nil } }
}

/// Errors from SQLite, with the statement and SQLite's own message.
public enum SQLError: Error, CustomStringConvertible {
    case open(path: String, message: String)
    case statement(sql: String, message: String)

    public var description: String {
        switch self {
        case .open(let path, let message):
            return "\(path): cannot open the database (\(message)); check that the folder exists and is writable"
        case .statement(let sql, let message):
            return "database error: \(message) (in: \(sql.prefix(80)))"
        }
    }
}

/// One SQLite connection. Not shared across threads: each owner serializes its own use
/// (the modules that use it keep it behind a `Mutex`).
public final class SQLiteConnection: @unchecked Sendable {
    private let db: OpaquePointer
    public let path: String

    /// SQLite copies bound text at bind time with this destructor (the C macro SQLITE_TRANSIENT).
    private static let transient = unsafeBitCast(OpaquePointer(bitPattern: -1), to: sqlite3_destructor_type.self)

    /// Opens (creating) the database at `path` in WAL mode with `synchronous=FULL`: a commit that returned
    /// is on disk, and a crash loses at most the transaction in progress.
    public init(path: String, busyTimeoutMs: Int32 = 5000) throws {
        var handle: OpaquePointer?
        let flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_FULLMUTEX
        let rc = sqlite3_open_v2(path, &handle, flags, nil)
        guard rc == SQLITE_OK, let handle else {
            let message = handle.map { String(cString: sqlite3_errmsg($0)) } ?? "out of memory"
            if let handle { sqlite3_close(handle) }
            throw SQLError.open(path: path, message: message)
        }
        db = handle
        self.path = path
        sqlite3_busy_timeout(db, busyTimeoutMs)
        try execute("PRAGMA journal_mode=WAL")
        try execute("PRAGMA synchronous=FULL")
    }

    deinit { sqlite3_close_v2(db) }

    /// Runs one or more statements without results.
    public func execute(_ sql: String) throws {
        var err: UnsafeMutablePointer<CChar>?
        if sqlite3_exec(db, sql, nil, nil, &err) != SQLITE_OK {
            let message = err.map { String(cString: $0) } ?? lastError
            sqlite3_free(err)
            throw SQLError.statement(sql: sql, message: message)
        }
    }

    /// Runs one statement with `bindings` (positional `?`), returning all rows.
    @discardableResult
    public func query(_ sql: String, _ bindings: [SQLValue] = []) throws -> [[SQLValue]] {
        var stmt: OpaquePointer?
        guard sqlite3_prepare_v2(db, sql, -1, &stmt, nil) == SQLITE_OK, let stmt else {
            throw SQLError.statement(sql: sql, message: lastError)
        }
        defer { sqlite3_finalize(stmt) }
        for (i, v) in bindings.enumerated() {
            let index = Int32(i + 1)
            switch v {
            case .null: sqlite3_bind_null(stmt, index)
            case .int(let x): sqlite3_bind_int64(stmt, index, x)
            case .double(let x): sqlite3_bind_double(stmt, index, x)
            case .text(let s):
                // Explicit length: text may hold NUL characters, which must round-trip exactly (hash chains).
                var bytes = Array(s.utf8)
                if bytes.isEmpty { bytes = [0]; sqlite3_bind_text(stmt, index, bytes, 0, SQLiteConnection.transient) }
                else { sqlite3_bind_text(stmt, index, bytes, Int32(bytes.count), SQLiteConnection.transient) }
            }
        }
        var rows: [[SQLValue]] = []
        while true {
            let rc = sqlite3_step(stmt)
            if rc == SQLITE_DONE { break }
            guard rc == SQLITE_ROW else { throw SQLError.statement(sql: sql, message: lastError) }
            let n = sqlite3_column_count(stmt)
            var row: [SQLValue] = []
            row.reserveCapacity(Int(n))
            for c in 0..<n {
                switch sqlite3_column_type(stmt, c) {
                case SQLITE_INTEGER: row.append(.int(sqlite3_column_int64(stmt, c)))
                case SQLITE_FLOAT: row.append(.double(sqlite3_column_double(stmt, c)))
                case SQLITE_NULL: row.append(.null)
                default:
                    // sqlite3_column_text first, then _bytes (the order SQLite documents).
                    let p = sqlite3_column_text(stmt, c)
                    let count = Int(sqlite3_column_bytes(stmt, c))
                    if let p {
                        row.append(.text(String(decoding: UnsafeBufferPointer(start: p, count: count), as: UTF8.self)))
                    } else { row.append(count == 0 ? .text("") : .null) }
                }
            }
            rows.append(row)
        }
        return rows
    }

    /// Runs `body` inside `BEGIN IMMEDIATE … COMMIT`, rolling back when it throws.
    public func transaction<T>(_ body: () throws -> T) throws -> T {
        try execute("BEGIN IMMEDIATE")
        do {
            let value = try body()
            try execute("COMMIT")
            return value
        } catch {
            try? execute("ROLLBACK")
            throw error
        }
    }

    /// `PRAGMA data_version`: changes when another connection commits (used to notice revoked keys).
    public func dataVersion() throws -> Int64 {
        try query("PRAGMA data_version").first?.first?.int ?? 0
    }

    private var lastError: String { String(cString: sqlite3_errmsg(db)) }
}
