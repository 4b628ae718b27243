import Foundation
import TestSupport
import XCTest

/// Every loading command goes through the license policy gate before loading weights.
final class PolicyGateCLITests: XCTestCase {
    /// A temporary home whose gemma3-270m and all-minilm-l6-v2 link to the installed blobs, with `policy`.
    func home(policy: String) throws -> String {
        guard FileManager.default.fileExists(atPath: owlHome + "/models/gemma3-270m/manifest.json") else {
            throw XCTSkip("catalog models not installed; run `make models`")
        }
        let dir = try temporaryDirectory(self)
        let fm = FileManager.default
        try fm.createDirectory(atPath: dir + "/models", withIntermediateDirectories: true)
        try fm.createSymbolicLink(atPath: dir + "/blobs", withDestinationPath: owlHome + "/blobs")
        for m in ["gemma3-270m", "all-minilm-l6-v2"] {
            try fm.copyItem(atPath: owlHome + "/models/" + m, toPath: dir + "/models/" + m)
        }
        try Data(policy.utf8).write(to: URL(fileURLWithPath: dir + "/policy.json"))
        return dir
    }

    func testRestrictiveLicenseRefusedEverywhereThenAcknowledged() throws {
        let dir = try home(policy: #"{"restrictive_licenses": "deny"}"#)
        for args in [["run", "gemma3-270m", "--raw", "Hi", "-n", "1"], ["perplexity", "gemma3-270m", try goldensDirectory() + "/smollm2-135m/ppl_text_common_licenses.txt"],
                     ["bench", "gemma3-270m", "-p", "8", "-n", "0", "-r", "1"], ["chat", "gemma3-270m"]] {
            let r = try runOwl(args, home: dir)
            XCTAssertEqual(r.status, 1, args.joined(separator: " "))
            XCTAssertTrue(r.stderr.hasPrefix("owl \(args[0]): policy refuses gemma3-270m: rule \"restrictive_licenses\" matches its license Gemma Terms of Use"), r.stderr)
            XCTAssertTrue(r.stderr.contains("owl license accept gemma3-270m"), r.stderr)
        }
        // MiniLM (Apache-2.0) is not restrictive: embedding still works under the same policy.
        XCTAssertEqual(try runOwl(["embed", "all-minilm-l6-v2", "hello"], home: dir).status, 0)
        XCTAssertEqual(try runOwl(["license", "accept", "gemma3-270m"], home: dir).status, 0)
        let ok = try runOwl(["run", "gemma3-270m", "--raw", "Hi", "-n", "1", "--temp", "0"], home: dir)
        XCTAssertEqual(ok.status, 0, ok.stderr)
        let log = try String(contentsOfFile: dir + "/governance/decisions.jsonl", encoding: .utf8)
        XCTAssertGreaterThanOrEqual(log.split(separator: "\n").filter { $0.contains("\"decision\":\"deny\"") }.count, 4)
        XCTAssertTrue(log.contains("\"decision\":\"allow\""))
    }

    func testTamperedModelRefusedBeforeLoading() throws {
        let dir = try home(policy: "{}")
        // Replace the link with a different file of another size: the fast integrity check refuses it.
        let link = dir + "/models/all-minilm-l6-v2/config.json"
        try FileManager.default.removeItem(atPath: link)
        try Data("{\"model_type\": \"bert\"}".utf8).write(to: URL(fileURLWithPath: link))
        let r = try runOwl(["embed", "all-minilm-l6-v2", "hello"], home: dir)
        XCTAssertEqual(r.status, 1)
        XCTAssertTrue(r.stderr.hasPrefix("owl embed: "), r.stderr)
        XCTAssertTrue(r.stderr.contains("config.json"), r.stderr)
    }
}
