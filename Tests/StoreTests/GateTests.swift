import Checkpoint
import Foundation
import Governance
import Store
import XCTest

final class GateTests: XCTestCase {
    /// A temporary store whose blobs link to the real model files in ~/.owl (never modified).
    func linkReal(_ names: [String], into home: TempHome) throws -> ModelStore {
        let real = ModelStore(home: Fixtures.realHome)
        let store = ModelStore(home: home.path + "/owl")
        try FileManager.default.createDirectory(atPath: store.blobsDir, withIntermediateDirectories: true)
        for name in names {
            guard let m = try? real.manifest(name) else { throw XCTSkip("\(name) is not installed in \(Fixtures.realHome); run `make models`") }
            for f in m.files {
                let blob = store.blobPath(f.sha256)
                if !FileManager.default.fileExists(atPath: blob) {
                    try FileManager.default.createSymbolicLink(atPath: blob, withDestinationPath: real.blobPath(f.sha256))
                }
                let link = store.modelsDir + "/\(name)/" + f.path
                try FileManager.default.createDirectory(atPath: (link as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
                try FileManager.default.createSymbolicLink(atPath: link, withDestinationPath: String(repeating: "../", count: f.path.split(separator: "/").count + 1) + "blobs/sha256-" + f.sha256)
            }
            try FileManager.default.copyItem(atPath: real.modelDir(name) + "/manifest.json", toPath: store.modelDir(name) + "/manifest.json")
        }
        return store
    }

    func decisions(_ store: ModelStore) throws -> [[String: Any]] {
        let text = (try? String(contentsOfFile: store.decisionsPath, encoding: .utf8)) ?? ""
        return try text.split(separator: "\n").map { try XCTUnwrap(JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any]) }
    }

    func testSmolLM2IsApacheWithObligations() throws {
        let home = try TempHome()
        let store = try linkReal(["smollm2-135m-instruct"], into: home)
        let facts = try store.facts("smollm2-135m-instruct")
        XCTAssertEqual(facts.license.id, "Apache-2.0")
        XCTAssertEqual(facts.license.source, .gguf)
        XCTAssertEqual(facts.license.stated, "apache-2.0")
        XCTAssertEqual(facts.license.terms?.commercialUse, .allowed)
        XCTAssertEqual(facts.license.terms?.obligations.count, 3)
        XCTAssertEqual(facts.architecture, "llama")
        XCTAssertEqual(ChatTemplateScanner.scan(try XCTUnwrap(facts.chatTemplate)), [], "the SmolLM2 template scans clean")
        let model = try ModelLocator(home: store.home).resolve("smollm2-135m-instruct")
        let d = try store.clearForLoading(model, command: "run")
        XCTAssertEqual(d.outcome, .allow)
        XCTAssertEqual(try decisions(store).map { $0["decision"] as? String }, ["allow"])
    }

    func testGemmaTermsRefusedUnderStrictPolicyThenAcceptedAfterAcknowledgment() throws {
        let home = try TempHome()
        let store = try linkReal(["gemma3-270m"], into: home)
        let facts = try store.facts("gemma3-270m")
        XCTAssertEqual(facts.license.id, "gemma")
        XCTAssertEqual(facts.license.terms?.name, "Gemma Terms of Use")
        XCTAssertEqual(facts.license.textFiles, ["GEMMA_TERMS.html", "NOTICE.md"])
        XCTAssertTrue(facts.license.evidence.contains(LicenseEvidence(source: .file, location: "GEMMA_TERMS.html", value: "gemma")))
        XCTAssertEqual(facts.license.conflicts, [])
        XCTAssertTrue(try XCTUnwrap(facts.license.terms).restrictions.contains { $0.contains("Prohibited Use Policy") })

        let model = try ModelLocator(home: store.home).resolve("gemma3-270m")
        XCTAssertEqual(try store.clearForLoading(model, command: "run").outcome, .warn, "the default policy warns")
        try Data(#"{"restrictive_licenses": "deny"}"#.utf8).write(to: URL(fileURLWithPath: store.policyPath))
        XCTAssertThrowsError(try store.clearForLoading(model, command: "serve")) { error in
            guard case GovernanceError.refused(let d) = error else { return XCTFail("\(error)") }
            XCTAssertEqual(d.decidingFinding?.rule, .restrictiveLicenses)
            XCTAssertTrue("\(error)".hasPrefix("policy refuses gemma3-270m: rule \"restrictive_licenses\" matches its license Gemma Terms of Use: it restricts use — "), "\(error)")
        }
        try store.recordAcknowledgment(Acknowledgment(model: "gemma3-270m", license: "gemma", sha256: facts.sha256,
                                                      acceptedAt: "2026-11-28T12:00:00Z", acceptedBy: "tester", termsURL: nil))
        let d = try store.clearForLoading(model, command: "serve")
        XCTAssertEqual(d.outcome, .allow)
        let log = try decisions(store)
        XCTAssertEqual(log.map { $0["decision"] as? String }, ["warn", "deny", "allow"])
        XCTAssertEqual(log.map { $0["command"] as? String }, ["run", "serve", "serve"])
        XCTAssertEqual(log[1]["rule"] as? String, "restrictive_licenses")
        XCTAssertEqual(log[1]["sha256"] as? String, "a5fd3b62230aa5ec60212297dc9d20eaa70578ac519e00d93a17e44c087a6818")
        XCTAssertEqual(log[2]["acknowledged"] as? Bool, true)
        // Revoking restores the refusal.
        try store.revokeAcknowledgments(model: "gemma3-270m")
        XCTAssertThrowsError(try store.clearForLoading(model, command: "run"))
    }

    func testPathModelsAreGatedToo() throws {
        let home = try TempHome()
        let path = try home.write("models/x.gguf", try Fixtures.gguf(license: "cc-by-nc-4.0"))
        let store = ModelStore(home: home.path + "/owl")
        try FileManager.default.createDirectory(atPath: store.home, withIntermediateDirectories: true)
        try Data(#"{"require_commercial_use": true}"#.utf8).write(to: URL(fileURLWithPath: store.policyPath))
        let model = try ModelLocator(home: store.home).resolve(path)
        XCTAssertThrowsError(try store.clearForLoading(model, command: "run")) {
            XCTAssertTrue("\($0)".contains("rule \"require_commercial_use\""), "\($0)")
        }
    }

    func testMalformedPolicyIsAnErrorNotTheDefault() throws {
        let home = try TempHome()
        let store = ModelStore(home: home.path + "/owl")
        try FileManager.default.createDirectory(atPath: store.home, withIntermediateDirectories: true)
        try Data(#"{"restrictive_licenses": deny}"#.utf8).write(to: URL(fileURLWithPath: store.policyPath))
        XCTAssertThrowsError(try store.loadPolicy()) { XCTAssertTrue("\($0)".contains("not a JSON object"), "\($0)") }
    }

    func testRealModelBOMsValidate() throws {
        let home = try TempHome()
        let names = ["smollm2-135m-instruct", "gemma3-270m", "all-minilm-l6-v2"]
        let store = try linkReal(names, into: home)
        var docs: [URL] = []
        for name in names {
            let subject = try store.facts(name).bomSubject()
            let bom = BOM.cycloneDX(subject, now: "2026-11-28T12:00:00Z", toolVersion: "test")
            let f = URL(fileURLWithPath: home.path + "/\(name).cdx.json")
            try Data(bom.serialized(pretty: true).utf8).write(to: f)
            docs.append(f)
            let text = bom.serialized()
            XCTAssertTrue(text.contains(#""type":"machine-learning-model""#), name)
            XCTAssertTrue(text.contains(subject.sha256), name)
        }
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        p.arguments = ["python3", Fixtures.repoRoot.appendingPathComponent("scripts/validate_cyclonedx.py").path] + docs.map(\.path)
        let out = Pipe()
        p.standardOutput = out
        try p.run()
        let text = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        p.waitUntilExit()
        if p.terminationStatus == 3 { throw XCTSkip(text) }
        XCTAssertEqual(p.terminationStatus, 0, text)
        XCTAssertEqual(text.components(separatedBy: ": valid").count - 1, 3, text)
    }
}
