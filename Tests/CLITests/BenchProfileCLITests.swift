import Foundation
import TestSupport
import XCTest

/// `owl bench --profile`: a table per test in text, a `profile` object under `--json`; nothing without the flag.
final class BenchProfileCLITests: XCTestCase {
    func requireModels() throws {
        guard FileManager.default.fileExists(atPath: owlHome + "/models/smollm2-135m-instruct/manifest.json") else {
            throw XCTSkip("catalog models not installed; run `make models`")
        }
    }

    func testJSONProfileHasEveryOpKindPerTest() throws {
        try requireModels()
        let r = try runOwl(["bench", "smollm2-135m-instruct", "-p", "8", "-n", "2", "-r", "1", "-t", "2", "--profile", "--json"], home: owlHome)
        XCTAssertEqual(r.status, 0, r.stderr)
        let j = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any], r.stdout)
        let profile = try XCTUnwrap(j["profile"] as? [String: Any], r.stdout)
        for test in ["pp8", "tg2"] {
            let entries = try XCTUnwrap(profile[test] as? [[String: Any]], "\(test): \(r.stdout)")
            let ops = Set(entries.compactMap { $0["op"] as? String })
            for op in ["attention", "norm", "rope", "activation", "output", "embedding", "matmul Q4_1"] {
                XCTAssertTrue(ops.contains(op), "\(test): \(op) missing from \(ops.sorted())")
            }
            let percent = entries.compactMap { $0["percent"] as? Double }.reduce(0, +)
            XCTAssertEqual(percent, 100, accuracy: 0.01, test)
        }
        let plain = try runOwl(["bench", "smollm2-135m-instruct", "-p", "8", "-n", "0", "-r", "1", "--json"], home: owlHome)
        XCTAssertEqual(plain.status, 0, plain.stderr)
        XCTAssertFalse(plain.stdout.contains("\"profile\""), plain.stdout)
    }

    func testTextProfileIsATablePerTest() throws {
        try requireModels()
        let r = try runOwl(["bench", "smollm2-135m-instruct", "-p", "8", "-n", "2", "-r", "1", "--profile"], home: owlHome)
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertTrue(r.stdout.contains("pp8 profile (per run, mean of 1)"), r.stdout)
        XCTAssertTrue(r.stdout.contains("tg2 profile (per run, mean of 1)"), r.stdout)
        XCTAssertTrue(r.stdout.contains("attention"), r.stdout)
    }
}
