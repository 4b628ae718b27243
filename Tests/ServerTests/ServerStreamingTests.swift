import AuditLog
import Foundation
import Server
import XCTest

/// Server-sent events, NDJSON, client disconnects and shutdown.
final class ServerStreamingTests: XCTestCase {
    /// The `data:` payloads of an SSE body.
    func events(_ text: String) -> [String] {
        text.components(separatedBy: "\n\n").filter { !$0.isEmpty }.map { e in
            XCTAssertTrue(e.hasPrefix("data: "), e)
            return String(e.dropFirst(6))
        }
    }

    func testOpenAIChatStreamsChunksEndingWithDone() throws {
        let f = try ServerFixture(self)
        f.backend?.set(pieces: 4, delay: 0.01)
        let r = try RawHTTP.request(f.port, "POST", "/v1/chat/completions", key: f.userKey,
                                    json: #"{"model":"tiny-chat","messages":[{"role":"user","content":"abc"}],"stream":true,"stream_options":{"include_usage":true}}"#)
        XCTAssertEqual(r.status, 200)
        XCTAssertEqual(r.headers["content-type"], "text/event-stream")
        XCTAssertEqual(r.headers["transfer-encoding"], "chunked")
        let e = events(r.text)
        XCTAssertEqual(e.last, "[DONE]")
        let chunks = try e.dropLast().map { try XCTUnwrap(JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any]) }
        XCTAssertEqual(chunks.count, 1 + 4 + 1 + 1, "role, 4 pieces, finish, usage")
        let deltas = chunks.compactMap { ($0["choices"] as? [[String: Any]])?.first?["delta"] as? [String: Any] }
        XCTAssertEqual(deltas.first?["role"] as? String, "assistant")
        XCTAssertEqual(deltas.compactMap { $0["content"] as? String }.joined(), "len3 w1 w2 w3 ")
        XCTAssertEqual((chunks[5]["choices"] as? [[String: Any]])?.first?["finish_reason"] as? String, "stop")
        XCTAssertEqual((chunks[6]["usage"] as? [String: Any])?.compactMapValues({ $0 as? Int }), ["prompt_tokens": 3, "completion_tokens": 4, "total_tokens": 7])
        XCTAssertTrue(chunks.allSatisfy { $0["object"] as? String == "chat.completion.chunk" && $0["id"] as? String == chunks[0]["id"] as? String })
    }

    func testChunksArriveAsTheyAreProduced() throws {
        let f = try ServerFixture(self)
        f.backend?.set(pieces: 6, delay: 0.1)
        let fd = try RawHTTP.connect(f.port)
        defer { close(fd) }
        let start = Date()
        RawHTTP.send(fd, RawHTTP.requestBytes("POST", "/v1/completions", headers: ["Authorization": "Bearer \(f.userKey)"],
                                              body: Array(#"{"model":"tiny-chat","prompt":"x","stream":true,"max_tokens":6}"#.utf8)))
        var buf = [UInt8](repeating: 0, count: 4096)
        var got: [UInt8] = []
        while RawHTTP.find(got, Array("len1".utf8)) == nil {
            let n = recv(fd, &buf, buf.count, 0)
            XCTAssertGreaterThan(n, 0)
            if n <= 0 { return }
            got += buf[0..<n]
        }
        let firstPiece = Date().timeIntervalSince(start)
        // 6 pieces at 0.1 s: the first must come long before the last would.
        XCTAssertLessThan(firstPiece, 0.4, "first piece after \(firstPiece) s")
    }

    func testOllamaChatStreamsNDJSON() throws {
        let f = try ServerFixture(self)
        f.backend?.set(pieces: 3, delay: 0)
        let r = try RawHTTP.request(f.port, "POST", "/api/chat", key: f.userKey,
                                    json: #"{"model":"tiny-chat","messages":[{"role":"user","content":"hello"}]}"#)
        XCTAssertEqual(r.status, 200)
        XCTAssertEqual(r.headers["content-type"], "application/x-ndjson")
        let lines = try r.text.split(separator: "\n").map { try XCTUnwrap(JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any]) }
        XCTAssertEqual(lines.count, 4)
        XCTAssertEqual(lines.map { $0["done"] as? Bool }, [false, false, false, true])
        XCTAssertEqual(lines.compactMap { ($0["message"] as? [String: Any])?["content"] as? String }.joined(), "len5 w1 w2 ")
        XCTAssertEqual(lines[3]["eval_count"] as? Int, 3)
        XCTAssertEqual(lines[3]["done_reason"] as? String, "stop")
    }

    func testClientDisconnectCancelsTheBackendPromptly() throws {
        let f = try ServerFixture(self)
        let backend = try XCTUnwrap(f.backend)
        backend.set(pieces: 2000, delay: 0.01)
        let fd = try RawHTTP.connect(f.port)
        RawHTTP.send(fd, RawHTTP.requestBytes("POST", "/v1/chat/completions", headers: ["Authorization": "Bearer \(f.userKey)"],
                                              body: Array(#"{"model":"tiny-chat","messages":[{"role":"user","content":"x"}],"stream":true}"#.utf8)))
        var buf = [UInt8](repeating: 0, count: 4096)
        var got: [UInt8] = []
        while RawHTTP.find(got, Array("w3 ".utf8)) == nil {
            let n = recv(fd, &buf, buf.count, 0)
            guard n > 0 else { XCTFail("stream ended early"); return }
            got += buf[0..<n]
        }
        // An abortive close (RST), as when a client process dies.
        var lingerOff = linger(l_onoff: 1, l_linger: 0)
        setsockopt(fd, SOL_SOCKET, SO_LINGER, &lingerOff, socklen_t(MemoryLayout<linger>.size))
        let closedAt = DispatchTime.now().uptimeNanoseconds
        close(fd)
        XCTAssertTrue(ServerFixture.wait(2) { backend.cancelledAt.load(ordering: .relaxed) != 0 }, "backend never saw the cancel")
        let ms = Double(backend.cancelledAt.load(ordering: .relaxed) - closedAt) / 1e6
        print("disconnect → backend cancelled in \(String(format: "%.1f", ms)) ms")
        XCTAssertLessThan(ms, 500)
        // The request's audit record is written once both the connection and the producer ended.
        let record = try f.lastRecord("POST /v1/chat/completions")
        XCTAssertEqual(record.entry.finishReason, "cancelled")
        XCTAssertEqual(record.entry.status, 200)
        XCTAssertLessThan(record.entry.completionTokens ?? 9999, 2000)
    }

    /// A client that leaves before the first token (a long prefill: nothing is written, the connection
    /// is suspended) is noticed by polling its socket, for streamed and whole responses alike.
    func testDisconnectBeforeFirstTokenIsNoticed() throws {
        for (path, body) in [("/api/generate", #"{"model":"tiny-chat","prompt":"x"}"#),
                             ("/v1/chat/completions", #"{"model":"tiny-chat","messages":[{"role":"user","content":"x"}]}"#)] {
            let f = try ServerFixture(self)
            let backend = try XCTUnwrap(f.backend)
            backend.set(pieces: 3, delay: 3)
            let fd = try RawHTTP.connect(f.port)
            RawHTTP.send(fd, RawHTTP.requestBytes("POST", path, headers: ["Authorization": "Bearer \(f.userKey)"], body: Array(body.utf8)))
            XCTAssertTrue(ServerFixture.wait(2) { f.server.metrics.activeSessions.total == 1 })
            let closedAt = DispatchTime.now().uptimeNanoseconds
            close(fd)
            XCTAssertTrue(ServerFixture.wait(2) { backend.cancelledAt.load(ordering: .relaxed) != 0 }, path)
            let ms = Double(backend.cancelledAt.load(ordering: .relaxed) &- closedAt) / 1e6
            print("\(path): disconnect before the first token → backend cancelled in \(String(format: "%.1f", ms)) ms")
            XCTAssertLessThan(ms, 1000, path)
            XCTAssertEqual(try f.lastRecord("POST \(path)").entry.finishReason, "cancelled", path)
        }
    }

    func testGracefulStopFinishesStreamsAndWritesEveryRecord() throws {
        let f = try ServerFixture(self)
        f.backend?.set(pieces: 10, delay: 0.02)
        let results = Tally<String>()
        let group = onThreads(4) { _ in
            let r = try? RawHTTP.request(f.port, "POST", "/v1/chat/completions", key: f.userKey,
                                         json: #"{"model":"tiny-chat","messages":[{"role":"user","content":"x"}],"stream":true}"#)
            results.add(r?.text ?? "")
        }
        let tw = Date()
        XCTAssertTrue(ServerFixture.wait(2) { f.server.metrics.activeSessions.total == 4 })
        print("waited \(Date().timeIntervalSince(tw)) s for 4 sessions")
        let t0 = Date()
        f.server.stop(grace: 5)
        print("graceful stop took \(Date().timeIntervalSince(t0)) s, active \(f.server.metrics.activeSessions.total)")
        XCTAssertEqual(group.wait(timeout: .now() + 5), .success)
        print("clients done \(Date().timeIntervalSince(t0)) s after stop began")
        XCTAssertEqual(results.count, 4)
        for text in results.all { XCTAssertTrue(text.hasSuffix("data: [DONE]\n\n"), text) }
        let records = try f.records().filter { $0.entry.endpoint == "POST /v1/chat/completions" }
        XCTAssertEqual(records.count, 4)
        XCTAssertTrue(records.allSatisfy { $0.entry.completionTokens == 10 && $0.entry.finishReason == "stop" })
        XCTAssertTrue(try f.audit.verify().ok)
    }

    func testAuditContentIsRedacted() throws {
        let f = try ServerFixture(self) { $0.auditContent = true }
        _ = try RawHTTP.request(f.port, "POST", "/v1/chat/completions", key: f.userKey,
                                json: #"{"model":"tiny-chat","messages":[{"role":"user","content":"mail bob@example.com card 4111 1111 1111 1111"}]}"#)
        let r = try f.lastRecord("POST /v1/chat/completions")
        XCTAssertEqual(r.entry.promptText, "user: mail [EMAIL] card [CARD]")
        XCTAssertEqual(r.entry.completionText, "len45 w1 w2 w3 w4 ")
        XCTAssertEqual(r.entry.keyName, "user")
        XCTAssertEqual(r.entry.model, "tiny-chat")
        XCTAssertEqual(r.entry.modelSHA256, String(repeating: "a", count: 64))
        XCTAssertEqual(r.entry.params, #"{"stream":false,"messages":1}"#)
        XCTAssertEqual(r.entry.promptTokens, 3)
        XCTAssertEqual(r.entry.status, 200)
        XCTAssertEqual(r.entry.client, "127.0.0.1")
    }

    func testAuditContentOffStoresNoText() throws {
        let f = try ServerFixture(self)
        _ = try RawHTTP.request(f.port, "POST", "/v1/chat/completions", key: f.userKey,
                                json: #"{"model":"tiny-chat","messages":[{"role":"user","content":"secret words"}]}"#)
        let r = try f.lastRecord("POST /v1/chat/completions")
        XCTAssertNil(r.entry.promptText)
        XCTAssertNil(r.entry.completionText)
        XCTAssertEqual(r.entry.completionTokens, 5)
    }
}
