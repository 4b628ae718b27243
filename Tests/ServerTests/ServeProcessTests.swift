import AuditLog
import Foundation
import LocalSQL
import TestSupport
import XCTest

/// `owl serve` as a process: refusals at start, SIGTERM (no record lost) and SIGKILL (chain intact).
final class ServeProcessTests: XCTestCase {
    var binary: URL {
        let products = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath().deletingLastPathComponent()
        return ProcessInfo.processInfo.environment["OWL_BINARY"].map { URL(fileURLWithPath: $0) } ?? products.appendingPathComponent("owl")
    }

    /// Starts `owl serve ARGS` and returns it with the port it printed.
    func serve(_ home: String, _ args: [String]) throws -> (Process, UInt16) {
        guard FileManager.default.isExecutableFile(atPath: binary.path) else { throw XCTSkip("owl binary not built") }
        let p = Process()
        p.executableURL = binary
        p.arguments = ["serve", "--port", "0"] + args
        p.environment = ProcessInfo.processInfo.environment.merging(["OWL_HOME": home]) { $1 }
        let out = Pipe()
        p.standardOutput = out
        p.standardError = FileHandle.nullDevice
        try p.run()
        addTeardownBlock { if p.isRunning { kill(p.processIdentifier, SIGKILL); p.waitUntilExit() } }
        var line = Data()
        while !line.contains(UInt8(ascii: "\n")) {
            let chunk = out.fileHandleForReading.availableData
            if chunk.isEmpty { break }
            line.append(chunk)
        }
        let text = String(decoding: line, as: UTF8.self)
        guard let r = text.range(of: #":(\d+) "#, options: .regularExpression) else {
            XCTFail("no port in: \(text)"); throw XCTSkip("server did not start")
        }
        return (p, UInt16(text[r].dropFirst().dropLast()) ?? 0)
    }

    func testRefusesToStartWithoutKeysOrWithNoAuthOnPublicAddress() throws {
        let home = try temporaryDirectory(self)
        let r = try runOwl(["serve", "--port", "0"], home: home)
        XCTAssertEqual(r.status, 2)
        XCTAssertEqual(r.stderr, "owl serve: no API keys in \(home)/owl.db: create one with `owl keys create --name NAME` (it prints the key once), or run `owl serve --no-auth` for a single user on this machine\n")
        let pub = try runOwl(["serve", "--port", "0", "--no-auth", "--host", "0.0.0.0"], home: home)
        XCTAssertEqual(pub.status, 2)
        XCTAssertTrue(pub.stderr.contains("--no-auth is refused on 0.0.0.0"), pub.stderr)
        let memory = try runOwl(["serve", "--port", "0", "--no-auth", "--max-memory", "lots"], home: home)
        XCTAssertEqual(memory.status, 2)
        XCTAssertTrue(memory.stderr.hasPrefix("owl serve: --max-memory takes a size such as 2GiB, 512MiB or a number of bytes, got 'lots'"), memory.stderr)
    }

    func testKeysCommandsEndToEnd() throws {
        let home = try temporaryDirectory(self)
        let created = try runOwl(["keys", "create", "--name", "ci", "--models", "a,b", "--rpm", "10", "--json"], home: home)
        XCTAssertEqual(created.status, 0, created.stderr)
        let key = try XCTUnwrap((try JSONSerialization.jsonObject(with: Data(created.stdout.utf8)) as? [String: String])?["key"])
        XCTAssertEqual(key.count, 68)
        let dup = try runOwl(["keys", "create", "--name", "ci"], home: home)
        XCTAssertEqual(dup.stderr, "owl keys: a key named 'ci' already exists; revoke it first (`owl keys revoke ci`) or pick another name\n")
        let list = try runOwl(["keys", "list"], home: home)
        XCTAssertTrue(list.stdout.contains("ci                  no     10      -         a,b              active"), list.stdout)
        let db = try String(contentsOfFile: home + "/owl.db", encoding: .isoLatin1)
        XCTAssertFalse(db.contains(key), "the key itself is never stored")
        XCTAssertEqual(try runOwl(["keys", "revoke", "ci"], home: home).status, 0)
        XCTAssertEqual(try runOwl(["keys", "revoke", "ci"], home: home).stderr, "owl keys: no active key named 'ci'; `owl keys list` shows the keys\n")
        let verify = try runOwl(["audit", "verify", "--json"], home: home)
        XCTAssertEqual(verify.status, 0, verify.stdout)
        XCTAssertTrue(verify.stdout.contains("\"checked\": 2"), verify.stdout)
    }

    func testAuditCommands() throws {
        let home = try temporaryDirectory(self)
        XCTAssertEqual(try runOwl(["audit", "verify"], home: home).stderr,
                       "owl audit: no audit log at \(home)/audit.db; `owl serve` creates it (set OWL_HOME if it lives elsewhere)\n")
        for name in ["a", "b", "c"] { XCTAssertEqual(try runOwl(["keys", "create", "--name", name], home: home).status, 0) }
        let head = try runOwl(["audit", "head"], home: home).stdout
        XCTAssertTrue(head.hasPrefix("3 ") && head.count == 2 + 64 + 1, head)
        let tail = try runOwl(["audit", "tail", "-n", "2", "--json"], home: home).stdout.split(separator: "\n")
        XCTAssertEqual(tail.count, 2)
        let last = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(tail[1].utf8)) as? [String: Any])
        XCTAssertEqual(last["id"] as? Int, 3)
        XCTAssertEqual(last["kind"] as? String, "key_change")
        XCTAssertEqual(last["key_name"] as? String, "c")
        XCTAssertEqual(last["hash"] as? String, String(head.dropFirst(2).dropLast()))
        XCTAssertEqual(try runOwl(["audit", "export", "--since", "0"], home: home).stdout.split(separator: "\n").count, 3)
        XCTAssertEqual(try runOwl(["audit", "export", "--since", "2999-01-01"], home: home).stdout, "")
        XCTAssertEqual(try runOwl(["audit", "export", "--since", "yesterday"], home: home).status, 2)

        // Tamper with record 2 the way someone with the file would, and `verify` names it.
        let db = try SQLiteConnection(path: home + "/audit.db")
        try db.execute("DROP TRIGGER audit_no_update; UPDATE audit SET key_name = 'mallory' WHERE id = 2")
        let verify = try runOwl(["audit", "verify"], home: home)
        XCTAssertEqual(verify.status, 1)
        XCTAssertEqual(verify.stdout, "audit log ALTERED: record 2 does not match its hash\n")
        // With the last record gone too, the head file is ahead of the log: `owl serve` refuses to
        // append to it (that would hide the loss) and says what happened.
        try db.execute("DROP TRIGGER audit_no_delete; DELETE FROM audit WHERE id = 3")
        let json = try runOwl(["audit", "verify", "--json"], home: home)
        XCTAssertTrue(json.stdout.contains(#""problem": "altered""#), json.stdout)
        let serve = try runOwl(["serve", "--no-auth", "--port", "0"], home: home)
        XCTAssertEqual(serve.status, 1)
        XCTAssertTrue(serve.stderr.contains("records 3...3 are missing"), serve.stderr)
    }

    func testSIGTERMLosesNoAuditRecord() throws {
        let home = try temporaryDirectory(self)
        let (p, port) = try serve(home, ["--no-auth"])
        for i in 0..<20 { XCTAssertEqual(try RawHTTP.request(port, "GET", i % 2 == 0 ? "/health" : "/v1/models").status, 200) }
        kill(p.processIdentifier, SIGTERM)
        p.waitUntilExit()
        XCTAssertEqual(p.terminationStatus, 0)
        let log = try AuditLog.openForReading(home: home)
        let v = try log.verify()
        XCTAssertTrue(v.ok, v.summary)
        XCTAssertEqual(v.checked, 20)
        XCTAssertEqual(v.head?.id, 20)
    }

    func testSIGKILLMidwayLeavesAVerifiableChain() throws {
        let home = try temporaryDirectory(self)
        let (p, port) = try serve(home, ["--no-auth"])
        let sent = Tally<Int>()
        let group = onThreads(4) { _ in
            for _ in 0..<200 {
                guard (try? RawHTTP.request(port, "GET", "/health", timeout: 2)) != nil else { return }
                sent.add(1)
            }
        }
        XCTAssertTrue(ServerFixture.wait(10) { sent.count >= 100 })
        kill(p.processIdentifier, SIGKILL)
        p.waitUntilExit()
        group.wait()
        let verify = try runOwl(["audit", "verify"], home: home)
        XCTAssertEqual(verify.status, 0, verify.stdout)
        let log = try AuditLog.openForReading(home: home)
        let v = try log.verify()
        XCTAssertTrue(v.ok, v.summary)
        // Every answered request was recorded except at most those in flight when killed.
        XCTAssertGreaterThanOrEqual(Int(v.checked), sent.count - 4)
        print("SIGKILL after \(sent.count) answered requests: \(v.checked) records, chain intact")
        // The log accepts new records afterwards.
        XCTAssertNoThrow(try AuditLog.open(home: home).append(AuditEntry(requestID: "after-crash")))
    }
}
