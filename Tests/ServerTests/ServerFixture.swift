import AccessControl
import AuditLog
import Foundation
import Server
import TestSupport
import XCTest

/// A real `OwlServer` on 127.0.0.1 with an ephemeral port, keys and an audit log in a temporary folder,
/// and the test backend. Stopped at the end of the test.
final class ServerFixture: @unchecked Sendable {
    let dir: String
    let keys: KeyStore
    let audit: AuditLog
    let backend: TestBackend?
    let server: OwlServer
    var port: UInt16 { server.port }
    /// An admin key and a plain key (all models), created for every fixture.
    let adminKey: String
    let userKey: String

    init(_ test: XCTestCase, requireKeys: Bool = true, backend: TestBackend? = TestBackend(),
         configure: (inout ServerConfiguration) -> Void = { _ in }) throws {
        signal(SIGPIPE, SIG_IGN)
        dir = try temporaryDirectory(test)
        keys = try KeyStore(path: dir + "/owl.db")
        audit = try AuditLog.open(home: dir)
        adminKey = try keys.create(name: "admin", models: nil, requestsPerMinute: nil, tokensPerMinute: nil, isAdmin: true)
        userKey = try keys.create(name: "user", models: nil, requestsPerMinute: nil, tokensPerMinute: nil, isAdmin: false)
        var config = ServerConfiguration()
        config.http.port = 0
        config.http.threads = 2
        config.keys = keys
        config.requireKeys = requireKeys
        config.audit = audit
        config.log = { _ in }
        configure(&config)
        self.backend = backend
        server = OwlServer(configuration: config, backend: backend)
        try server.start()
        let s = server
        test.addTeardownBlock { s.stop(grace: 1) }
    }

    /// Audit records so far, oldest first.
    func records() throws -> [AuditRecord] { try audit.tail(100_000) }

    /// The last record for `endpoint`, waiting up to 2 s for it (records are written as requests end).
    func lastRecord(_ endpoint: String) throws -> AuditRecord {
        var found: AuditRecord?
        _ = ServerFixture.wait(2) {
            found = (try? records())?.last { $0.entry.endpoint == endpoint }
            return found != nil
        }
        return try XCTUnwrap(found, "no audit record for \(endpoint)")
    }

    /// Waits until `condition` holds or `timeout` passes.
    static func wait(_ timeout: Double, _ condition: () -> Bool) -> Bool {
        let end = Date().addingTimeInterval(timeout)
        while Date() < end {
            if condition() { return true }
            Thread.sleep(forTimeInterval: 0.005)
        }
        return condition()
    }
}

/// A thread-safe collection for results gathered from several client threads.
final class Tally<T: Sendable>: @unchecked Sendable {
    private let lock = NSLock()
    private var items: [T] = []
    func add(_ x: T) { lock.lock(); items.append(x); lock.unlock() }
    var all: [T] { lock.lock(); defer { lock.unlock() }; return items }
    var count: Int { all.count }
}

/// Runs `body(i)` for i in 0..<count on dedicated threads (blocking socket clients would starve the
/// small shared dispatch pool) and returns a group to wait on.
func onThreads(_ count: Int, _ body: @escaping @Sendable (Int) -> Void) -> DispatchGroup {
    let group = DispatchGroup()
    for i in 0..<count {
        group.enter()
        let t = Thread { body(i); group.leave() }
        t.start()
    }
    return group
}
