import AccessControl
import AuditLog
import Foundation

/// Everything `OwlServer` needs, passed in (no globals).
public struct ServerConfiguration: Sendable {
    /// Listening, limits, TLS.
    public var http = HTTPServerOptions()
    /// API keys. With `requireKeys`, every request but `GET /health` needs one.
    public var keys: KeyStore?
    /// False only for `--no-auth` (single user on loopback).
    public var requireKeys = true
    /// Where every request is recorded; nil disables the audit log (tests of other parts).
    public var audit: AuditLog?
    /// Store prompt and completion text in audit records (`--audit-content`), after `redactor`.
    public var auditContent = false
    public var redactor = Redactor()
    /// Commit audit records on a background writer instead of before the finishing thread moves on
    /// (`--audit-async`): more throughput on slow disks, but a crash may lose the records still queued.
    public var auditInBackground = false
    /// Per-key request and token limits.
    public var rateLimiter = RateLimiter()
    /// Reported by `/health` and `/api/version`.
    public var version = "0.1.0"
    /// Where the server reports problems it cannot answer to a client (audit write failures).
    public var log: @Sendable (String) -> Void = { FileHandle.standardError.write(Data(("owl serve: " + $0 + "\n").utf8)) }

    public init() {}
}
