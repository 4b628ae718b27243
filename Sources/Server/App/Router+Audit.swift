import AuditLog
import Foundation

extension Router {
    /// Creates the request's pending audit record and the completion handler that finishes it, counts the
    /// request in the metrics and cancels work when the client has gone.
    func startAudit(_ request: HTTPRequest, route: Route?, requestID: String, exchange: Exchange) -> RequestAudit {
        pendingAudits.add(1, ordering: .relaxed)
        let audit = RequestAudit(requestID: requestID, client: request.client,
                                 endpoint: "\(request.method) \(request.path.prefix(200))") { [self] entry in
            writeAudit(entry)
        }
        let label = route?.label ?? "unmatched"
        exchange.onComplete { [self] info in
            metrics.requests.inc([label, String(info.status)])
            metrics.latency.observe([label], Double(info.latencyNanos) / 1e9)
            if !info.completed { metrics.cancellations.inc() }
            audit.update { e in
                e.status = info.status
                e.latencyMicros = Int64(info.latencyNanos / 1000)
                if !info.completed, e.finishReason == nil { e.finishReason = "client_disconnected" }
            }
            audit.partDone()
        }
        return audit
    }

    /// Writes the record; a failure is counted and logged (the response has already gone). Shutdown
    /// waits until `pendingAudits` is zero, so every record is committed before the server stops.
    ///
    /// By default the thread that finished the request commits the record (group-committed with the
    /// other threads' records) before it serves anything else, so a crash loses at most the records of
    /// requests in flight. `auditInBackground` hands records to a background writer instead: event-loop
    /// threads never wait for the disk, but a crash can lose the records still queued.
    func writeAudit(_ entry: AuditEntry) {
        guard let log = config.audit else {
            pendingAudits.subtract(1, ordering: .relaxed)
            return
        }
        if !config.auditInBackground {
            do {
                try log.append(entry)
                metrics.auditRecords.inc()
            } catch {
                metrics.auditFailures.inc()
                config.log("audit record for request \(entry.requestID) not written: \(error)")
            }
            pendingAudits.subtract(1, ordering: .relaxed)
            return
        }
        log.submit(entry) { [self] result in
            switch result {
            case .success: metrics.auditRecords.inc()
            case .failure(let error):
                metrics.auditFailures.inc()
                config.log("audit record for request \(entry.requestID) not written: \(error)")
            }
            pendingAudits.subtract(1, ordering: .relaxed)
        }
    }

    /// `--audit-content`: the text after redaction, else nil.
    func auditText(_ text: String) -> String? {
        config.auditContent ? config.redactor.redact(text) : nil
    }
}
