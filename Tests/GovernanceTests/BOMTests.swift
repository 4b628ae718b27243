import Foundation
import Governance
import Support
import XCTest

/// Runs scripts/validate_cyclonedx.py (the official 1.6 JSON schema via cyclonedx-python-lib) on BOMs,
/// all in one Python process (loading the schema takes seconds).
enum CycloneDXValidator {
    static var repoRoot: URL { URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent() }

    /// For each document: nil when valid, the validator's message otherwise.
    /// - Throws: XCTSkip when cyclonedx-python-lib is not installed.
    static func validate(_ docs: [JSONValue]) throws -> [String?] {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("bom-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        var paths: [String] = []
        for (i, d) in docs.enumerated() {
            let f = dir.appendingPathComponent("\(i).json")
            try Data(d.serialized(pretty: true).utf8).write(to: f)
            paths.append(f.path)
        }
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        p.arguments = ["python3", repoRoot.appendingPathComponent("scripts/validate_cyclonedx.py").path] + paths
        let out = Pipe()
        p.standardOutput = out
        try p.run()
        let text = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        p.waitUntilExit()
        if p.terminationStatus == 3 { throw XCTSkip("\(text); run `pip install -r scripts/test-requirements.txt`") }
        let lines = text.split(separator: "\n").map(String.init)
        return paths.map { path in
            guard let line = lines.first(where: { $0.hasPrefix(path + ": ") }) else { return "no verdict for \(path): \(text)" }
            return line.hasSuffix(": valid") ? nil : line
        }
    }
}

final class BOMTests: XCTestCase {
    func subject(license: String?) -> BOMSubject {
        let record = LicenseResolver.resolve(
            evidence: license.map { [LicenseEvidence(source: .gguf, location: "general.license", value: $0)] } ?? [],
            textFiles: [], baseModels: [BaseModelInfo(name: "Base 1B", organization: "Acme", version: "1.0", url: "https://example.com/base")])
        return BOMSubject(name: "tiny", displayName: "Tiny Model", source: "https://example.com/tiny.gguf", format: "gguf",
                          architecture: "llama", parameterCount: 1234, quantization: "Q4_0 ×10, F32 ×3", contextLength: 2048,
                          task: "text-generation", organization: "Acme", datasets: ["acme/web-text"], license: record,
                          sha256: String(repeating: "ab", count: 32),
                          files: [.init(path: "tiny.gguf", sha256: String(repeating: "ab", count: 32), size: 99),
                                  .init(path: "LICENSE", sha256: String(repeating: "cd", count: 32), size: 10)])
    }

    func testCycloneDXStructure() throws {
        let bom = BOM.cycloneDX(subject(license: "apache-2.0"), now: "2026-11-28T12:00:00Z", toolVersion: "0.1.0")
        XCTAssertEqual(bom["specVersion"], .string("1.6"))
        XCTAssertEqual(bom["serialNumber"], .string("urn:uuid:abababab-abab-5bab-9bab-abababababab"))
        let model = try XCTUnwrap(bom["metadata"]?["component"])
        XCTAssertEqual(model["type"], .string("machine-learning-model"))
        XCTAssertEqual(model["hashes"], .array([.object([("alg", .string("SHA-256")), ("content", .string(String(repeating: "ab", count: 32)))])]))
        XCTAssertEqual(model["licenses"], .array([.object([("license", .object([("id", .string("Apache-2.0")), ("acknowledgement", .string("declared"))]))])]))
        XCTAssertEqual(model["modelCard"]?["modelParameters"]?["architectureFamily"], .string("llama"))
        XCTAssertEqual(model["pedigree"]?["ancestors"].map { if case .array(let a) = $0 { return a.count } else { return 0 } }, 1)
    }

    func testCycloneDXValidatesAgainstTheOfficialSchema() throws {
        let licenses: [String?] = ["apache-2.0", "gemma", "acme-custom", nil]
        var docs = licenses.map { BOM.cycloneDX(subject(license: $0), now: "2026-11-28T12:00:00Z", toolVersion: "0.1.0") }
        // A broken document, so the check can fail: the validator must reject it.
        guard case .object(var pairs) = BOM.cycloneDX(subject(license: "mit"), now: "2026-11-28T12:00:00Z", toolVersion: "0.1.0") else { return XCTFail() }
        pairs[1].1 = .string("NotCycloneDX")
        docs.append(.object(pairs))
        let verdicts = try CycloneDXValidator.validate(docs)
        for (i, l) in licenses.enumerated() { XCTAssertNil(verdicts[i], "license \(l ?? "none")") }
        XCTAssertNotNil(verdicts[4])
    }

    func testSPDXDocument() throws {
        let doc = BOM.spdx(subject(license: "gemma"), now: "2026-11-28T12:00:00Z", toolVersion: "0.1.0")
        XCTAssertEqual(doc["@context"], .string("https://spdx.org/rdf/3.0.1/spdx-context.jsonld"))
        guard case .array(let graph)? = doc["@graph"] else { return XCTFail("no @graph") }
        let types = graph.compactMap { $0["type"] }
        for t in ["CreationInfo", "SpdxDocument", "ai_AIPackage", "software_File", "simplelicensing_LicenseExpression", "Relationship"] {
            XCTAssertTrue(types.contains(.string(t)), t)
        }
        let license = graph.first { $0["type"] == .string("simplelicensing_LicenseExpression") }
        XCTAssertEqual(license?["simplelicensing_licenseExpression"], .string("LicenseRef-gemma"))
        // Every element the document lists exists in the graph.
        guard case .array(let elements)? = graph.first(where: { $0["type"] == .string("SpdxDocument") })?["element"] else { return XCTFail() }
        let ids = graph.compactMap { $0["spdxId"] }
        for e in elements { XCTAssertTrue(ids.contains(e), "\(e)") }
    }
}
