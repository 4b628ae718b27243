import Foundation
import Store
import XCTest

/// scripts/range_server.py on loopback: serves a folder with Range support and can drop a connection.
final class LoopbackServer {
    let process = Process()
    let port: Int
    let log: String

    init(serving dir: String, dropAfter: Int? = nil) throws {
        log = dir + "/requests.log"
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", Fixtures.repoRoot.appendingPathComponent("scripts/range_server.py").path, dir, "--log", log]
            + (dropAfter.map { ["--drop-after", String($0)] } ?? [])
        let out = Pipe()
        process.standardOutput = out
        try process.run()
        var line = Data()
        while !line.contains(UInt8(ascii: "\n")) {
            let d = out.fileHandleForReading.availableData
            if d.isEmpty { break }
            line.append(d)
        }
        guard let p = Int(String(decoding: line, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)) else {
            process.terminate()
            throw XCTSkip("the loopback test server did not start (python3 missing?)")
        }
        port = p
    }

    func url(_ file: String) -> URL { URL(string: "http://127.0.0.1:\(port)/\(file)")! }
    var requests: [String] { (try? String(contentsOfFile: log, encoding: .utf8))?.split(separator: "\n").map(String.init) ?? [] }

    deinit {
        process.terminate()
        process.waitUntilExit()
    }
}

final class URLPullTests: XCTestCase {
    func testInterruptedPullResumesWithRange() throws {
        let home = try TempHome()
        let bytes = try Fixtures.gguf(template: String(repeating: "{{ m }}", count: 20_000))
        _ = try home.write("www/tiny-q4.gguf", bytes)
        let server = try LoopbackServer(serving: home.path + "/www", dropAfter: 50_000)
        let store = ModelStore(home: home.path + "/owl")
        let url = server.url("tiny-q4.gguf")

        XCTAssertThrowsError(try store.pullURL(url, expectedSHA256: Fixtures.sha(bytes), downloader: HTTPDownloader(attempts: 1))) {
            XCTAssertTrue("\($0)".contains("50000 bytes are kept in \(store.partialPath(for: url)) and the next pull resumes from there"), "\($0)")
        }
        XCTAssertFalse(store.isInstalled("tiny-q4"))
        XCTAssertEqual(try FileManager.default.attributesOfItem(atPath: store.partialPath(for: url))[.size] as? Int, 50_000)
        XCTAssertFalse(FileManager.default.fileExists(atPath: store.blobPath(Fixtures.sha(bytes))))

        let r = try store.pullURL(url, expectedSHA256: Fixtures.sha(bytes), downloader: HTTPDownloader(attempts: 1))
        XCTAssertEqual(server.requests, ["/tiny-q4.gguf -", "/tiny-q4.gguf bytes=50000-"])
        XCTAssertEqual(r.manifest.name, "tiny-q4")
        XCTAssertEqual(r.manifest.source, url.absoluteString)
        XCTAssertEqual(r.manifest.files, [.init(path: "tiny-q4.gguf", sha256: Fixtures.sha(bytes), size: bytes.count)])
        XCTAssertFalse(FileManager.default.fileExists(atPath: store.partialPath(for: url)))
        try store.checkIntegrity("tiny-q4")
    }

    func testRetriesResumeWithinOnePull() throws {
        let home = try TempHome()
        let bytes = try Fixtures.gguf(template: String(repeating: "{{ m }}", count: 20_000))
        _ = try home.write("www/tiny.gguf", bytes)
        let server = try LoopbackServer(serving: home.path + "/www", dropAfter: 10_000)
        let store = ModelStore(home: home.path + "/owl")
        let r = try store.pullURL(server.url("tiny.gguf"), name: "tiny", downloader: HTTPDownloader(attempts: 3))
        XCTAssertEqual(r.manifest.files[0].sha256, Fixtures.sha(bytes), "without --sha256 the computed hash is recorded")
        XCTAssertEqual(server.requests, ["/tiny.gguf -", "/tiny.gguf bytes=10000-"])
    }

    func testWrongHashAndBadURLsAreRefused() throws {
        let home = try TempHome()
        let bytes = try Fixtures.gguf()
        _ = try home.write("www/tiny.gguf", bytes)
        _ = try home.write("www/notes.txt", Array("not a model".utf8))
        let server = try LoopbackServer(serving: home.path + "/www")
        let store = ModelStore(home: home.path + "/owl")
        let url = server.url("tiny.gguf")
        let wrong = String(repeating: "0", count: 64)
        XCTAssertThrowsError(try store.pullURL(url, expectedSHA256: wrong)) {
            XCTAssertEqual("\($0)", "\(url.absoluteString) has sha256 \(Fixtures.sha(bytes)), expected \(wrong); refusing it (the download is corrupt or not the file you meant)")
        }
        XCTAssertFalse(FileManager.default.fileExists(atPath: store.partialPath(for: url)), "a file with the wrong hash is not kept")
        XCTAssertFalse(store.isInstalled("tiny"))
        XCTAssertThrowsError(try store.pullURL(server.url("notes.txt"))) {
            XCTAssertTrue("\($0)".contains("is not a GGUF file"), "\($0)")
        }
        XCTAssertThrowsError(try store.pullURL(server.url("missing.gguf"))) {
            XCTAssertTrue("\($0)".contains("HTTP 404 from the server; check the URL"), "\($0)")
        }
        XCTAssertThrowsError(try store.pullURL(URL(string: "http://example.com/x.gguf")!)) {
            XCTAssertEqual("\($0)", "cannot pull http://example.com/x.gguf: only https URLs (or http on this machine's loopback) can be pulled")
        }
        XCTAssertThrowsError(try store.pullURL(url, name: "../escape")) { XCTAssertTrue("\($0)".hasPrefix("invalid model name '../escape'")) }
    }
}
