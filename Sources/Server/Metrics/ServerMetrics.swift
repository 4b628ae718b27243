import Foundation

/// The server's metrics, registered once per server (no globals).
public final class ServerMetrics: Sendable {
    public let registry = MetricsRegistry()
    /// Requests by route and status.
    public let requests: Counter
    /// Request latency by route (seconds, from headers received to response complete).
    public let latency: Histogram
    /// Prompt and completion tokens by model.
    public let tokens: Counter
    /// Time to first token by model (seconds).
    public let timeToFirstToken: Histogram
    /// Generation requests by model and outcome.
    public let modelRequests: Counter
    /// Generation requests admitted but not yet producing tokens, by model (waiting for the model to load, for
    /// a batch slot, or in prefill).
    public let queueDepth: Gauge
    /// Generation requests in progress (queued or producing tokens), by model.
    public let activeSessions: Gauge
    /// Memory each loaded model holds (weights, KV caches, scratch; set when rendering from the backend).
    public let modelMemory: Gauge
    /// Per model, from its batch scheduler (set when rendering): requests waiting for a slot, sequences
    /// decoded together now, and slots.
    public let schedulerWaiting: Gauge
    public let schedulerActive: Gauge
    public let schedulerSlots: Gauge
    /// Client disconnects that cancelled work.
    public let cancellations: Counter
    /// Requests refused by rate limits, per key.
    public let rateLimited: Counter
    /// Audit records written and failed.
    public let auditRecords: Counter
    public let auditFailures: Counter
    /// Connections open now (set when rendering).
    public let openConnections: Gauge
    /// Connections closed for sending their request too slowly.
    public let slowClientsClosed: Gauge

    public init() {
        let r = registry
        requests = r.counter("owl_http_requests_total", "HTTP requests by route and status.", labels: ["route", "status"])
        latency = r.histogram("owl_http_request_duration_seconds", "HTTP request latency.", labels: ["route"],
                              buckets: [0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5, 10, 30, 60])
        tokens = r.counter("owl_tokens_total", "Tokens processed by model and kind (prompt, completion).", labels: ["model", "kind"])
        timeToFirstToken = r.histogram("owl_time_to_first_token_seconds", "Time from request to first generated text.",
                                       labels: ["model"], buckets: [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10])
        modelRequests = r.counter("owl_model_requests_total", "Generation and embedding requests by model and finish reason.",
                                  labels: ["model", "finish_reason"])
        queueDepth = r.gauge("owl_queue_depth", "Generation requests waiting for their first token, by model.", labels: ["model"])
        activeSessions = r.gauge("owl_active_sessions", "Generation requests in progress, by model.", labels: ["model"])
        modelMemory = r.gauge("owl_model_memory_bytes", "Memory a loaded model holds (weights, KV caches, scratch), by model.", labels: ["model"])
        schedulerWaiting = r.gauge("owl_scheduler_waiting", "Generation requests waiting for a batch slot, by model.", labels: ["model"])
        schedulerActive = r.gauge("owl_scheduler_active", "Generation requests decoded together now, by model.", labels: ["model"])
        schedulerSlots = r.gauge("owl_scheduler_slots", "Batch slots (requests decoded together at most), by model.", labels: ["model"])
        cancellations = r.counter("owl_cancellations_total", "Requests cancelled because the client went away.")
        rateLimited = r.counter("owl_rate_limited_total", "Requests refused with 429 by key.", labels: ["key"])
        auditRecords = r.counter("owl_audit_records_total", "Audit records committed.")
        auditFailures = r.counter("owl_audit_failures_total", "Audit records that could not be written.")
        openConnections = r.gauge("owl_open_connections", "TCP connections open.")
        slowClientsClosed = r.gauge("owl_slow_clients_closed", "Connections closed for sending a request too slowly.")
    }
}
