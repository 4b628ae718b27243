import AuditLog
import Digest
import Foundation
import LocalSQL
import TestSupport
import XCTest

/// The hash chain: canonical form, verification, tampering, truncation, concurrency, cost.
final class AuditChainTests: XCTestCase {
    func makeLog() throws -> (AuditLog, String) {
        let dir = try temporaryDirectory(self)
        return (try AuditLog.open(home: dir), dir)
    }

    static func entry(_ i: Int) -> AuditEntry {
        AuditEntry(timeMicros: 1_700_000_000_000_000 + Int64(i), requestID: "req-\(i)", keyName: "k", client: "127.0.0.1",
                   endpoint: "POST /v1/chat/completions", model: "m", modelSHA256: String(repeating: "a", count: 64),
                   params: #"{"stream":false}"#, promptTokens: i, completionTokens: 2 * i, finishReason: "stop", status: 200,
                   latencyMicros: 1500)
    }

    /// Tampering needs the append-only triggers out of the way first, as an attacker with the file would.
    func tamper(_ dir: String, _ sql: String) throws {
        let db = try SQLiteConnection(path: dir + "/audit.db")
        try db.execute("DROP TRIGGER audit_no_update; DROP TRIGGER audit_no_delete;")
        try db.execute(sql)
    }

    func testCanonicalFormIsExactlyAsSpecified() throws {
        let e = AuditEntry(timeMicros: 42, requestID: "r\"1\\", keyName: nil, client: "c", endpoint: "GET /x\n",
                           params: "{}", status: 200, latencyMicros: 7, promptText: "a\u{1}é")
        let c = AuditRecord.canonical(id: 3, entry: e, prevHash: AuditRecord.genesisHash)
        XCTAssertEqual(c, #"{"client":"c","completion_text":null,"completion_tokens":null,"detail":null,"endpoint":"GET /x\u000a","finish_reason":null,"id":3,"key_name":null,"kind":"request","latency_us":7,"model":null,"model_sha256":null,"params":"{}","prev_hash":"0000000000000000000000000000000000000000000000000000000000000000","prompt_text":"a\u0001é","prompt_tokens":null,"request_id":"r\"1\\","status":200,"time_us":42}"#)
        // The canonical text is valid JSON whose keys are sorted (Python as the independent reader).
        let out = try runPython("import json,sys,hashlib; b=sys.stdin.buffer.read(); o=json.loads(b); assert list(o)==sorted(o); print(hashlib.sha256(b).hexdigest())",
                                stdin: Data(c.utf8))
        XCTAssertEqual(String(decoding: out, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines),
                       AuditRecord.computeHash(id: 3, entry: e, prevHash: AuditRecord.genesisHash))
    }

    func testAppendChainsAndVerifies() throws {
        let (log, dir) = try makeLog()
        var prev = AuditRecord.genesisHash
        for i in 1...20 {
            let r = try log.append(AuditChainTests.entry(i))
            XCTAssertEqual(r.id, Int64(i))
            XCTAssertEqual(r.prevHash, prev)
            prev = r.hash
        }
        let v = try log.verify()
        XCTAssertTrue(v.ok, v.summary)
        XCTAssertEqual(v.checked, 20)
        XCTAssertEqual(try AuditHead.read(path: dir + "/audit.head"), AuditHead(id: 20, hash: prev))
        XCTAssertEqual(v.summary, "audit log OK: 20 records, head 20 \(prev)")
        // NUL and other control characters round-trip through SQLite exactly.
        var e = AuditChainTests.entry(21)
        e.promptText = "a\u{0}b\u{7}"
        try log.append(e)
        XCTAssertEqual(try log.tail(1).first?.entry.promptText, "a\u{0}b\u{7}")
        XCTAssertTrue(try log.verify().ok)
    }

    func testTriggersMakeTheTableAppendOnly() throws {
        let (log, dir) = try makeLog()
        try log.append(AuditChainTests.entry(1))
        let db = try SQLiteConnection(path: dir + "/audit.db")
        XCTAssertThrowsError(try db.execute("UPDATE audit SET status = 500 WHERE id = 1")) {
            XCTAssertTrue("\($0)".contains("the audit log is append-only"), "\($0)")
        }
        XCTAssertThrowsError(try db.execute("DELETE FROM audit WHERE id = 1"))
    }

    func testTamperedRowsAreFoundWithTheirID() throws {
        let cases: [(String, String, AuditVerification.Problem)] = [
            ("status changed", "UPDATE audit SET status = 404 WHERE id = 7", .altered(id: 7)),
            ("tokens changed", "UPDATE audit SET completion_tokens = 0 WHERE id = 3", .altered(id: 3)),
            ("key name cleared", "UPDATE audit SET key_name = NULL WHERE id = 1", .altered(id: 1)),
            ("kind changed", "UPDATE audit SET kind = 'other' WHERE id = 9", .altered(id: 9)),
            ("middle row deleted", "DELETE FROM audit WHERE id = 5", .missing(id: 5)),
            ("tail row deleted", "DELETE FROM audit WHERE id = 10", .tailMissing(fromID: 10, headID: 10)),
            ("tail rows deleted", "DELETE FROM audit WHERE id >= 8", .tailMissing(fromID: 8, headID: 10)),
            ("everything deleted", "DELETE FROM audit", .tailMissing(fromID: 1, headID: 10)),
        ]
        for (name, sql, problem) in cases {
            let (log, dir) = try makeLog()
            for i in 1...10 { try log.append(AuditChainTests.entry(i)) }
            try tamper(dir, sql)
            let v = try AuditLog.openForReading(home: dir).verify()
            XCTAssertEqual(v.problem, problem, name)
        }
    }

    func testRewrittenChainIsCaughtByTheHeadFile() throws {
        let (log, dir) = try makeLog()
        for i in 1...5 { try log.append(AuditChainTests.entry(i)) }
        // An attacker rewrites record 5 and recomputes its hash: the chain is consistent again,
        // but the head file (kept by a notary) still names the old hash.
        let old = try XCTUnwrap(log.tail(1).first)
        var e = old.entry
        e.status = 403
        let forged = AuditRecord.computeHash(id: 5, entry: e, prevHash: old.prevHash)
        try tamper(dir, "UPDATE audit SET status = 403, hash = '\(forged)' WHERE id = 5")
        XCTAssertEqual(try AuditLog.openForReading(home: dir).verify().problem, .headMismatch(id: 5))
        XCTAssertThrowsError(try AuditLog.open(home: dir)) {
            XCTAssertEqual($0 as? AuditError, .headMismatch(id: 5, path: dir + "/audit.db"))
        }
    }

    func testOpeningATruncatedLogForWritingIsRefused() throws {
        let (log, dir) = try makeLog()
        for i in 1...4 { try log.append(AuditChainTests.entry(i)) }
        try tamper(dir, "DELETE FROM audit WHERE id = 4")
        XCTAssertThrowsError(try AuditLog.open(home: dir)) { error in
            XCTAssertEqual("\(error)", "\(dir)/audit.db: the audit log ends at record 3 but its head file names record 4; records 4...4 are missing. Run `owl audit verify`, keep the damaged log as evidence, and move it aside to start a new one")
        }
    }

    func testConcurrentAppendsFormOneChain() throws {
        let (log, _) = try makeLog()
        let group = DispatchGroup()
        for t in 0..<8 {
            group.enter()
            Thread {
                for i in 0..<25 { _ = try? log.append(AuditChainTests.entry(t * 100 + i)) }
                group.leave()
            }.start()
        }
        group.wait()
        let v = try log.verify()
        XCTAssertTrue(v.ok, v.summary)
        XCTAssertEqual(v.checked, 200)
        XCTAssertEqual(Set(try log.tail(200).map(\.entry.requestID)).count, 200)
    }

    func testPolicyDecisionsShareTheChain() throws {
        let (log, _) = try makeLog()
        try log.append(AuditChainTests.entry(1))
        let r = try log.record(kind: .policyDecision, decision: "refused", detail: .object([("license", .string("gemma")), ("rule", .string("no-commercial"))]),
                               model: "gemma3-270m", modelSHA256: String(repeating: "b", count: 64))
        XCTAssertEqual(r.id, 2)
        XCTAssertEqual(r.entry.kind, .policyDecision)
        XCTAssertEqual(r.entry.detail, #"{"license":"gemma","rule":"no-commercial"}"#)
        XCTAssertTrue(try log.verify().ok)
        XCTAssertTrue(r.jsonLine.contains(#""kind":"policy_decision""#))
    }

    func testExportSinceFiltersByTime() throws {
        let (log, _) = try makeLog()
        for i in 1...6 { try log.append(AuditChainTests.entry(i)) }
        var ids: [Int64] = []
        try log.records(sinceMicros: 1_700_000_000_000_004) { ids.append($0.id) }
        XCTAssertEqual(ids, [4, 5, 6])
    }

    func testAppendCost() throws {
        let (log, _) = try makeLog()
        let n = 200
        let t0 = Date()
        for i in 0..<n { try log.append(AuditChainTests.entry(i)) }
        let serial = Date().timeIntervalSince(t0) / Double(n)
        let t1 = Date()
        let group = DispatchGroup()
        for t in 0..<8 {
            group.enter()
            Thread {
                for i in 0..<(n / 8) { _ = try? log.append(AuditChainTests.entry(10_000 + t * 1000 + i)) }
                group.leave()
            }.start()
        }
        group.wait()
        let concurrent = Date().timeIntervalSince(t1) / Double(n)
        print(String(format: "audit append: %.2f ms/record one writer, %.2f ms/record with 8 writers (group commit)", serial * 1000, concurrent * 1000))
        XCTAssertTrue(try log.verify().ok)
    }
}
