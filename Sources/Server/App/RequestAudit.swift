import AuditLog
import Foundation
import Support

/// What one request's audit record will hold, filled in as the request proceeds. The record is written
/// when every part that contributes has finished: the connection (status, latency) and, for streamed
/// generations, the producer (token counts, finish reason), whichever ends last.
final class RequestAudit: @unchecked Sendable {
    private let lock = NSLock()
    private var entry: AuditEntry
    private var parts = 1
    private let write: @Sendable (AuditEntry) -> Void

    init(requestID: String, client: String, endpoint: String, write: @escaping @Sendable (AuditEntry) -> Void) {
        entry = AuditEntry(requestID: requestID, client: client, endpoint: endpoint)
        self.write = write
    }

    /// Changes fields of the pending record.
    func update(_ body: (inout AuditEntry) -> Void) {
        lock.lock(); body(&entry); lock.unlock()
    }

    /// Another part (a streaming producer) will call `partDone`.
    func expectPart() {
        lock.lock(); parts += 1; lock.unlock()
    }

    /// One part finished; the last one writes the record.
    func partDone() {
        lock.lock()
        parts -= 1
        let done = parts == 0
        let e = entry
        lock.unlock()
        if done { write(e) }
    }
}
