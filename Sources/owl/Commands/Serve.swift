import AccessControl
import AuditLog
import Dispatch
import Foundation
import Checkpoint
import Server
import Serving

/// `owl serve`: the OpenAI- and Ollama-compatible HTTP API.
enum ServeCommand: Command {
    static let name = "serve"
    static let summary = "Serve the OpenAI- and Ollama-compatible HTTP API (keys, metrics, audit log)"
    static let help = """
    Usage: owl serve [--host ADDR] [--port N] [--no-auth] [--audit-content] [options]

    Serves HTTP/1.1 on 127.0.0.1:11435 (libmicrohttpd, epoll event loops in a thread pool):
      GET  /health                       liveness, no key needed
      GET  /metrics                      Prometheus metrics (admin key)
      GET  /v1/models                    models this key may use
      POST /v1/chat/completions          OpenAI chat (stream: true → server-sent events)
      POST /v1/completions               OpenAI text completion
      POST /v1/embeddings                OpenAI embeddings (encoding_format float or base64)
      POST /api/chat, /api/generate      Ollama chat and generate (NDJSON streams)
      POST /api/embed, /api/show         Ollama embeddings, model details
      GET  /api/tags, /api/version       Ollama model list, version
      GET  /api/ps                       loaded models (admin key)
      GET/POST /admin/keys, DELETE /admin/keys/NAME   key management (admin key)

    Models are the ones installed in $OWL_HOME/models (see `owl inspect`); each loads on its first request
    and stays loaded. Concurrent requests for one model are decoded together (continuous batching: each
    step runs one forward pass over the next token of every running request and a chunk of new prompts)
    in up to --parallel slots, each with its own KV cache; a request takes the slot whose cache shares
    the longest prefix with its prompt, so a repeated prefix is not computed again. Further requests wait
    in arrival order (at most --max-queue, then 503). Different models run in parallel.

    Memory: the loaded models share a budget (--max-memory, default three quarters of the RAM this process
    may use). A model's share is its weights plus the KV caches of its slots (--parallel × --ctx tokens)
    plus work buffers, estimated before it loads and shown by GET /api/ps. Loading a model that does not
    fit first unloads the least recently used idle models; if the others are busy it waits up to
    --load-wait seconds for them, then answers 503 saying what holds the memory.

    Access: every request except GET /health needs `Authorization: Bearer KEY` (see `owl keys --help`).
    Without any key the server refuses to start, unless --no-auth is given, which is for one user on
    this machine: it is refused on a non-loopback address unless --insecure-no-auth is added too.

    Audit: every request is appended to the hash-chained log in $OWL_HOME/audit.db (see
    `owl audit --help`). On SIGTERM or SIGINT the server stops accepting, lets requests finish (up to
    --grace seconds, then cancels them) and writes every record before it exits.

    Options:
      --host ADDR            IPv4/IPv6 address to listen on (default 127.0.0.1)
      --port N               port (default 11435; 0 picks a free one, printed at start)
      --compute-threads N    threads for each model's forward pass (default: the number of cores)
      --ctx N                KV cache size per slot in tokens (default 4096, at most the model's)
      --parallel N           requests per model decoded together, each in a slot with its own KV
                             cache (default 4)
      --keep-alive SECONDS   unload a model idle this long (default 300; "forever" keeps it loaded)
      --max-memory SIZE      memory all loaded models may take together: bytes or 512MiB, 2GiB, 1.5G
                             (default: 3/4 of physical RAM or of the cgroup's limit)
      --max-loaded N         models loaded at once at most (default: no limit besides --max-memory)
      --load-wait SECONDS    how long a request waits for busy models to free memory (default 10)
      --max-queue N          requests that may wait for a slot per model before new ones get 503
                             (default 64)
      --threads N            event-loop threads (default: 2 per core, at least 16; a thread that ends
                             a request commits its audit record before serving more)
      --max-connections N    open connections at most (default 10000)
      --max-connections-per-ip N   per client address (default 0: no limit)
      --max-body-bytes N     largest request body, else 413 (default 8388608)
      --idle-timeout S       close connections idle this long (default 60)
      --header-timeout S     seconds to send a request's headers, against slowloris; also how long a
                             kept-alive connection may wait between requests (default 10)
      --body-timeout S       seconds to send a request's body (default 60)
      --grace S              seconds requests get to finish at shutdown (default 10)
      --tls-cert FILE        PEM certificate: serve HTTPS (with --tls-key)
      --tls-key FILE         PEM private key
      --no-auth              no API keys (loopback only)
      --insecure-no-auth     allow --no-auth on a non-loopback address
      --audit-content        also store prompt and completion text in the audit log
      --audit-redact LIST    with --audit-content: what to mask, comma-separated from email, phone,
                             card, secret; or all (default) or none
      --audit-async          commit audit records in the background: higher throughput on slow disks,
                             but a crash can lose the records not yet written (default: each request's
                             record is committed before its thread serves another request)

    Examples:
      owl keys create --name me && owl serve
      owl serve --no-auth --port 8080
      curl -H "Authorization: Bearer $KEY" http://127.0.0.1:11435/v1/models
    """

    static func run(_ args: inout Arguments, _ context: CLIContext) throws -> Int32 {
        var http = HTTPServerOptions()
        http.host = try args.option("--host") ?? "127.0.0.1"
        if http.host == "localhost" { http.host = "127.0.0.1" }
        http.port = UInt16(try args.int("--port", in: 0...65535) ?? 11435)
        if let t = try args.int("--threads", in: 1...1024) { http.threads = t }
        let computeThreads = try args.int("--compute-threads", in: 1...512) ?? ProcessInfo.processInfo.activeProcessorCount
        let contextLength = try args.int("--ctx", in: 64...1_048_576) ?? 4096
        let maxQueue = try args.int("--max-queue", in: 1...100_000) ?? 64
        let parallel = try args.int("--parallel", in: 1...256) ?? 4
        var memory = MemoryLimits()
        if let m = try args.option("--max-memory") {
            guard let bytes = MemoryLimits.parseBytes(m) else {
                throw CLIError.usage(name, "--max-memory takes a size such as 2GiB, 512MiB or a number of bytes, got '\(m)'")
            }
            memory.maxBytes = bytes
        }
        memory.maxLoaded = try args.int("--max-loaded", in: 1...10_000)
        if let w = try args.double("--load-wait", in: 0...3600) { memory.loadWait = w }
        var keepAlive: Double? = 300
        if let k = try args.option("--keep-alive") {
            if k == "forever" { keepAlive = nil } else {
                guard let v = Double(k), v > 0 else { throw CLIError.usage(name, "--keep-alive takes seconds (> 0) or 'forever', got '\(k)'") }
                keepAlive = v
            }
        }
        if let m = try args.int("--max-connections", in: 1...1_000_000) { http.maxConnections = m }
        if let m = try args.int("--max-connections-per-ip", in: 0...1_000_000) { http.maxConnectionsPerIP = m }
        if let b = try args.int("--max-body-bytes", in: 1...(1 << 31)) { http.maxBodyBytes = b }
        if let i = try args.int("--idle-timeout", in: 1...86400) { http.idleTimeout = i }
        if let h = try args.double("--header-timeout", in: 0.1...3600) { http.headerTimeout = h }
        if let b = try args.double("--body-timeout", in: 0.1...3600) { http.bodyTimeout = b }
        let grace = try args.double("--grace", in: 0...3600) ?? 10
        let certPath = try args.option("--tls-cert")
        let keyPath = try args.option("--tls-key")
        let noAuth = args.flag("--no-auth")
        let insecure = args.flag("--insecure-no-auth")
        let auditContent = args.flag("--audit-content")
        let redact = try args.option("--audit-redact")
        let auditAsync = args.flag("--audit-async")
        let extra = try args.positionals()
        guard extra.isEmpty else { throw CLIError.usage(name, "unexpected \(extra.joined(separator: " "))") }

        var config = ServerConfiguration()
        config.version = OwlCLI.version
        if certPath != nil || keyPath != nil {
            guard let certPath, let keyPath else { throw CLIError.usage(name, "--tls-cert and --tls-key go together") }
            guard HTTPServer.supportsTLS else { throw CLIError.failed(HTTPServerError.tlsUnsupported.description) }
            guard let cert = try? String(contentsOfFile: certPath, encoding: .utf8), let key = try? String(contentsOfFile: keyPath, encoding: .utf8) else {
                throw CLIError.failed("cannot read \(certPath) or \(keyPath); give PEM files")
            }
            http.tls = (cert, key)
        }
        if let redact {
            guard let r = Redactor.parse(redact) else {
                throw CLIError.usage(name, "--audit-redact takes email, phone, card, secret (comma-separated), all or none; got '\(redact)'")
            }
            config.redactor = r
        }
        config.auditContent = auditContent
        config.auditInBackground = auditAsync
        config.http = http

        let home = try OwlHome(context.environment).ensure()
        let keys = try KeyStore(path: home + "/owl.db")
        config.keys = keys
        if noAuth {
            guard isLoopback(http.host) || insecure else {
                throw CLIError.failed("--no-auth is refused on \(http.host), which other machines can reach; create keys (`owl keys create --name NAME`) or add --insecure-no-auth if you really mean it")
            }
            config.requireKeys = false
        } else if !keys.hasActiveKeys {
            throw CLIError.failed("no API keys in \(home)/owl.db: create one with `owl keys create --name NAME` (it prints the key once), or run `owl serve --no-auth` for a single user on this machine")
        }
        config.audit = try AuditLog.open(home: home)

        signal(SIGPIPE, SIG_IGN)
        let backend = EngineBackend(locator: context.locator.locator, threads: computeThreads, contextLength: contextLength,
                                    keepAlive: keepAlive, maxQueue: maxQueue, parallel: parallel,
                                    recorder: config.audit.map { AuditDecisionRecorder(audit: $0) }, memory: memory)
        let server = OwlServer(configuration: config, backend: backend)
        try server.start()
        let scheme = http.tls == nil ? "http" : "https"
        context.out("owl serve: listening on \(scheme)://\(http.host.contains(":") ? "[\(http.host)]" : http.host):\(server.port) (auth: \(noAuth ? "off" : "keys"), memory budget: \(MemoryLimits.format(memory.maxBytes))\(memory.maxLoaded.map { ", at most \($0) models" } ?? ""), models: \(backend.models().map(\.name).joined(separator: ", ")))")
        let stop = DispatchSemaphore(value: 0)
        var sources: [any DispatchSourceSignal] = []
        for sig in [SIGTERM, SIGINT] {
            signal(sig, SIG_IGN)
            let s = DispatchSource.makeSignalSource(signal: sig, queue: .global())
            s.setEventHandler { stop.signal() }
            s.resume()
            sources.append(s)
        }
        stop.wait()
        context.err("owl serve: stopping (up to \(Int(grace)) s for requests in progress)")
        server.stop(grace: grace)
        context.err("owl serve: stopped; audit head \(config.audit?.last.description ?? "-")")
        _ = sources
        return 0
    }

    /// 127.0.0.0/8 and ::1.
    static func isLoopback(_ host: String) -> Bool {
        host == "::1" || host.hasPrefix("127.")
    }
}
