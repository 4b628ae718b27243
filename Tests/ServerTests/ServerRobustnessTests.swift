import Foundation
import Server
import XCTest

/// Slow clients, many idle connections, and a loopback load figure.
final class ServerRobustnessTests: XCTestCase {
    func testSlowlorisIsClosedWhileOthersAreServed() throws {
        let f = try ServerFixture(self) { $0.http.headerTimeout = 0.5 }
        let slow = try RawHTTP.connect(f.port, timeout: 5)
        defer { close(slow) }
        let start = Date()
        let header = Array("GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Padding: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\r\n".utf8)
        var closedAfter: Double?
        var served = 0
        for byte in header {
            // One byte every 50 ms keeps libmicrohttpd's idle timer happy but not the header deadline.
            let n = withUnsafeBytes(of: byte) { send(slow, $0.baseAddress, 1, Int32(MSG_NOSIGNAL)) }
            var probe: UInt8 = 0
            let r = recv(slow, &probe, 1, Int32(MSG_DONTWAIT))
            if n <= 0 || r == 0 { closedAfter = Date().timeIntervalSince(start); break }
            // Meanwhile other clients are served at once.
            let t0 = Date()
            XCTAssertEqual(try RawHTTP.request(f.port, "GET", "/health").status, 200)
            XCTAssertLessThan(Date().timeIntervalSince(t0), 0.5)
            served += 1
            Thread.sleep(forTimeInterval: 0.05)
        }
        let closed = try XCTUnwrap(closedAfter, "the slow client was never disconnected")
        print("slowloris client closed after \(String(format: "%.2f", closed)) s; \(served) normal requests served meanwhile")
        XCTAssertGreaterThan(closed, 0.4)
        XCTAssertLessThan(closed, 2.0)
        XCTAssertGreaterThan(served, 3)
    }

    func testManyIdleConnectionsDoNotBlockOthers() throws {
        let f = try ServerFixture(self)
        var idle: [Int32] = []
        defer { for fd in idle { close(fd) } }
        for _ in 0..<500 { idle.append(try RawHTTP.connect(f.port)) }
        XCTAssertTrue(ServerFixture.wait(5) { f.server.openConnections >= 500 }, "open: \(f.server.openConnections)")
        // /metrics reports them too.
        XCTAssertGreaterThanOrEqual(serverOpen(f), 500)
        let t0 = Date()
        let r = try RawHTTP.request(f.port, "POST", "/v1/chat/completions", key: f.userKey,
                                    json: #"{"model":"tiny-chat","messages":[{"role":"user","content":"x"}]}"#)
        let elapsed = Date().timeIntervalSince(t0)
        XCTAssertEqual(r.status, 200)
        print("with 500 idle connections a chat request took \(String(format: "%.1f", elapsed * 1000)) ms")
        XCTAssertLessThan(elapsed, 1.0)
    }

    /// At the limit libmicrohttpd stops accepting: a further client waits in the listen backlog,
    /// unanswered, until a connection closes; then it is served.
    func testConnectionLimitHoldsTheExtraConnectionBack() throws {
        let f = try ServerFixture(self) { $0.http.maxConnections = 4 }
        var held: [Int32] = []
        defer { for fd in held { close(fd) } }
        for _ in 0..<4 { held.append(try RawHTTP.connect(f.port)) }
        XCTAssertTrue(ServerFixture.wait(2) { f.server.openConnections == 4 })
        let extra = try RawHTTP.connect(f.port, timeout: 0.5)
        defer { close(extra) }
        RawHTTP.send(extra, RawHTTP.requestBytes("GET", "/health"))
        var buf = [UInt8](repeating: 0, count: 4096)
        let before = recv(extra, &buf, buf.count, 0)
        XCTAssertEqual(before, -1, "no answer while the server is at its limit")
        close(held.removeLast())
        var tv = timeval(tv_sec: 3, tv_usec: 0)
        setsockopt(extra, SOL_SOCKET, SO_RCVTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
        let n = recv(extra, &buf, buf.count, 0)
        XCTAssertGreaterThan(n, 0)
        XCTAssertTrue(String(decoding: buf[0..<max(0, n)], as: UTF8.self).hasPrefix("HTTP/1.1 200"))
    }

    func serverOpen(_ f: ServerFixture) -> Int {
        let m = (try? RawHTTP.request(f.port, "GET", "/metrics", key: f.adminKey).text) ?? ""
        for line in m.split(separator: "\n") where line.hasPrefix("owl_open_connections ") {
            return Int(line.split(separator: " ")[1]) ?? 0
        }
        return 0
    }

    /// Requests per second for GET /health over keep-alive connections from 4 threads for 1 s
    /// (printed; asserts only a floor far below the expected figure).
    func testHealthThroughput() throws {
        for mode in ["no audit", "audit", "audit in background"] {
            let f = try ServerFixture(self) { c in
                if mode == "no audit" { c.audit = nil }
                c.auditInBackground = mode == "audit in background"
            }
            let total = try load(f)
            print("GET /health keep-alive, 4 clients, 1 s, \(mode): \(total) req/s")
            XCTAssertGreaterThan(total, 20)
            f.server.stop(grace: 1)
            if mode != "no audit" { XCTAssertEqual(try f.audit.verify().checked, Int64(total) + 0, "every answered request is recorded") }
        }
    }

    func load(_ f: ServerFixture) throws -> Int {
        let counts = Tally<Int>()
        let end = Date().addingTimeInterval(1)
        let group = onThreads(4) { _ in
                var n = 0
                defer { counts.add(n) }
                guard let fd = try? RawHTTP.connect(f.port) else { return }
                defer { close(fd) }
                let req = Array("GET /health HTTP/1.1\r\nHost: x\r\n\r\n".utf8)
                var buf = [UInt8](repeating: 0, count: 4096)
                while Date() < end {
                    RawHTTP.send(fd, req)
                    // The health body ends with "}" and its length is fixed per server: read until "}".
                    var got = 0
                    while true {
                        let r = recv(fd, &buf, buf.count, 0)
                        if r <= 0 { return }
                        got += r
                        if buf[r - 1] == UInt8(ascii: "}") { break }
                    }
                    n += 1
                }
        }
        group.wait()
        return counts.all.reduce(0, +)
    }
}
