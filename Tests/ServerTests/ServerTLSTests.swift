import Foundation
import Server
import TestSupport
import XCTest

/// HTTPS with a throwaway self-signed certificate (made by the openssl tool, checked by curl).
final class ServerTLSTests: XCTestCase {
    func tool(_ name: String) -> String? {
        ["/usr/bin/" + name, "/bin/" + name].first { FileManager.default.isExecutableFile(atPath: $0) }
    }

    func run(_ path: String, _ args: [String]) throws -> (Int32, String) {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: path)
        p.arguments = args
        let out = Pipe()
        p.standardOutput = out
        p.standardError = FileHandle.nullDevice
        try p.run()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        return (p.terminationStatus, String(decoding: data, as: UTF8.self))
    }

    func testHTTPSServesHealth() throws {
        guard HTTPServer.supportsTLS else { throw XCTSkip("libmicrohttpd without TLS") }
        guard let openssl = tool("openssl"), let curl = tool("curl") else { throw XCTSkip("openssl or curl missing") }
        let dir = try temporaryDirectory(self)
        let (rc, _) = try run(openssl, ["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-subj", "/CN=127.0.0.1",
                                        "-addext", "subjectAltName=IP:127.0.0.1", "-days", "1",
                                        "-keyout", dir + "/key.pem", "-out", dir + "/cert.pem"])
        XCTAssertEqual(rc, 0)
        let cert = try String(contentsOfFile: dir + "/cert.pem", encoding: .utf8)
        let key = try String(contentsOfFile: dir + "/key.pem", encoding: .utf8)
        let f = try ServerFixture(self) { $0.http.tls = (cert, key) }
        let (status, body) = try run(curl, ["-s", "--max-time", "5", "--cacert", dir + "/cert.pem", "https://127.0.0.1:\(f.port)/health"])
        XCTAssertEqual(status, 0)
        XCTAssertTrue(body.contains(#""status":"ok""#), body)
        // Plain HTTP to the TLS port gets no HTTP answer.
        XCTAssertThrowsError(try RawHTTP.request(f.port, "GET", "/health", timeout: 2))
    }
}
