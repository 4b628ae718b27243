import Foundation

/// The outcome of `AuditLog.verify()`.
public struct AuditVerification: Sendable, Equatable {
    /// What was wrong first (verification stops there).
    public enum Problem: Sendable, Equatable {
        /// The record's content no longer matches its hash.
        case altered(id: Int64)
        /// The record's `prev_hash` is not the previous record's hash (a record before it was replaced).
        case brokenLink(id: Int64)
        /// Ids jump: the record with this id is missing.
        case missing(id: Int64)
        /// The head file names a record past the end: the tail from this id on is missing.
        case tailMissing(fromID: Int64, headID: Int64)
        /// The head file's hash differs from the stored record with its id.
        case headMismatch(id: Int64)
    }

    /// Records checked.
    public var checked: Int64
    /// The last record's id and hash.
    public var last: AuditHead
    /// The head file's content, if there is one.
    public var head: AuditHead?
    /// The first problem, or nil when the chain and head agree.
    public var problem: Problem?

    public var ok: Bool { problem == nil }

    /// One line for people.
    public var summary: String {
        switch problem {
        case nil:
            var s = "audit log OK: \(checked) records, head \(last.id) \(last.hash)"
            if let head, head.id < last.id { s += " (the head file was \(last.id - head.id) records behind, as after a crash; it is updated on the next append)" }
            if head == nil && last.id > 0 { s += " (no head file)" }
            return s
        case .altered(let id): return "audit log ALTERED: record \(id) does not match its hash"
        case .brokenLink(let id): return "audit log ALTERED: record \(id) does not link to record \(id - 1) (prev_hash differs)"
        case .missing(let id): return "audit log DAMAGED: record \(id) is missing"
        case .tailMissing(let from, let headID): return "audit log TRUNCATED: records \(from)...\(headID) are missing (the head file names record \(headID))"
        case .headMismatch(let id): return "audit log ALTERED: record \(id) differs from the hash in the head file"
        }
    }
}

extension AuditLog {
    /// Checks every record's hash and link in id order, then the head file against the stored records.
    public func verify() throws -> AuditVerification {
        var expectedID: Int64 = 1
        var prev = AuditRecord.genesisHash
        var checked: Int64 = 0
        let head = try AuditHead.read(path: headPath)
        var result = AuditVerification(checked: 0, last: AuditHead(id: 0, hash: prev), head: head, problem: nil)
        var hashes: [Int64: String] = [:]
        var after: Int64 = 0
        pages: while true {
            let page = try page(after: after, limit: 2000)
            if page.isEmpty { break }
            for r in page {
                if r.id != expectedID { result.problem = .missing(id: expectedID); break pages }
                if AuditRecord.computeHash(id: r.id, entry: r.entry, prevHash: r.prevHash) != r.hash {
                    result.problem = .altered(id: r.id); break pages
                }
                if r.prevHash != prev { result.problem = .brokenLink(id: r.id); break pages }
                if let head, head.id == r.id { hashes[r.id] = r.hash }
                prev = r.hash
                expectedID += 1
                checked += 1
            }
            after = page[page.count - 1].id
        }
        result.checked = checked
        result.last = AuditHead(id: expectedID - 1, hash: prev)
        if result.problem == nil, let head {
            if head.id > expectedID - 1 { result.problem = .tailMissing(fromID: expectedID, headID: head.id) }
            else if head.id > 0, hashes[head.id] != head.hash { result.problem = .headMismatch(id: head.id) }
        }
        return result
    }
}
