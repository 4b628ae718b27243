import Governance
import XCTest

final class LicenseTests: XCTestCase {
    func testAliasesNormalizeToCatalogIds() {
        let cases: [(String, String?)] = [
            ("apache-2.0", "Apache-2.0"), ("Apache 2.0", "Apache-2.0"), ("apache2", "Apache-2.0"),
            ("Apache License, Version 2.0", "Apache-2.0"), ("APACHE-2.0", "Apache-2.0"), ("mit", "MIT"),
            ("bsd-3-clause", "BSD-3-Clause"), ("cc-by-nc-4.0", "CC-BY-NC-4.0"), ("cc-by-sa-4.0", "CC-BY-SA-4.0"),
            ("openrail", "openrail"), ("openrail++", "openrail++"), ("creativeml-openrail-m", "CreativeML-OpenRAIL-M"),
            ("bigscience-openrail-m", "BigScience-OpenRAIL-M"), ("llama2", "llama2"), ("llama3", "llama3"),
            ("llama3.1", "llama3.1"), ("Llama 3.2", "llama3.2"), ("llama3.3", "llama3.3"), ("gemma", "gemma"),
            ("qwen", "qwen"), ("qwen-research", "qwen-research"), ("mrl", "mrl"), ("deepseek", "deepseek"),
            ("falcon-llm-license", "falcon-llm-license"),
            // Unknown spellings stay unknown: no guessing.
            ("my-custom-license", nil), ("other", nil), ("apache", nil), ("llama", nil), ("gpl", nil), ("", nil),
        ]
        for (spelling, id) in cases {
            XCTAssertEqual(LicenseCatalog.standard.terms(for: spelling)?.id, id, "spelling '\(spelling)'")
        }
    }

    func testTermsOfKeyLicenses() throws {
        let c = LicenseCatalog.standard
        let apache = try XCTUnwrap(c.terms(for: "apache-2.0"))
        XCTAssertEqual(apache.commercialUse, .allowed)
        XCTAssertFalse(apache.isRestrictive)
        XCTAssertTrue(apache.obligations.contains { $0.contains("NOTICE") })
        let gemma = try XCTUnwrap(c.terms(for: "gemma"))
        XCTAssertTrue(gemma.isRestrictive)
        XCTAssertTrue(gemma.restrictions.contains { $0.contains("Prohibited Use Policy") })
        XCTAssertEqual(gemma.url, "https://ai.google.dev/gemma/terms")
        let llama = try XCTUnwrap(c.terms(for: "llama3.1"))
        XCTAssertEqual(llama.userThreshold, 700_000_000)
        XCTAssertTrue(llama.obligations.contains { $0.contains("Built with Llama") })
        XCTAssertTrue(llama.obligations.contains { $0.contains("begin with \"Llama\"") })
        XCTAssertEqual(c.terms(for: "cc-by-nc-4.0")?.commercialUse, .forbidden)
        XCTAssertEqual(c.terms(for: "qwen-research")?.commercialUse, .forbidden)
        // Every id is unique and every entry says where its text lives or states it has no public link.
        XCTAssertEqual(Set(c.entries.map(\.id)).count, c.entries.count)
    }

    func testResolutionPrefersFilesOverCatalog() {
        typealias E = LicenseEvidence
        let cases: [(String, [E], String?, LicenseSource?, Int)] = [
            ("gguf over catalog", [E(source: .catalog, location: "catalog:x", value: "gemma"), E(source: .gguf, location: "general.license", value: "gemma")], "gemma", .gguf, 0),
            ("catalog only when files are silent", [E(source: .catalog, location: "catalog:x", value: "apache-2.0")], "Apache-2.0", .catalog, 0),
            ("unknown gguf license is not replaced by the catalog", [E(source: .gguf, location: "general.license", value: "acme-model-license"), E(source: .catalog, location: "catalog:x", value: "apache-2.0")], nil, .gguf, 1),
            ("'other' falls back to the name", [E(source: .modelCard, location: "README.md", value: "other", name: "llama3.1")], "llama3.1", .modelCard, 0),
            ("file recognized by its text", [E(source: .file, location: "LICENSE", value: "MIT")], "MIT", .file, 0),
            ("model card over file", [E(source: .file, location: "LICENSE", value: "MIT"), E(source: .modelCard, location: "README.md", value: "apache-2.0")], "Apache-2.0", .modelCard, 1),
            ("nothing stated", [], nil, nil, 0),
        ]
        for (label, evidence, id, source, conflicts) in cases {
            let r = LicenseResolver.resolve(evidence: evidence)
            XCTAssertEqual(r.id, id, label)
            XCTAssertEqual(r.source, source, label)
            XCTAssertEqual(r.conflicts.count, conflicts, label)
            XCTAssertEqual(r.isUnknown, id == nil, label)
        }
        let unknown = LicenseResolver.resolve(evidence: [E(source: .gguf, location: "general.license", value: "acme-model-license")])
        XCTAssertEqual(unknown.stated, "acme-model-license")
    }

    func testLicenseTextsAreIdentifiedByMarkers() {
        let cases: [(String, String?)] = [
            ("<html><title>Gemma Terms of Use</title>", "gemma"),
            ("Apache License\n Version 2.0, January 2004", "Apache-2.0"),
            ("MIT License\n\nPermission is hereby granted, free of charge, to any person", "MIT"),
            ("LLAMA 3.1 COMMUNITY LICENSE AGREEMENT", "llama3.1"),
            ("META LLAMA 3 COMMUNITY LICENSE AGREEMENT", "llama3"),
            ("# NOTICE\nThis package reassembles a file.", nil),
        ]
        for (text, id) in cases { XCTAssertEqual(LicenseResolver.identify(text: text), id, text) }
        XCTAssertTrue(LicenseResolver.isLicenseFileName("GEMMA_TERMS.html"))
        XCTAssertTrue(LicenseResolver.isLicenseFileName("sub/LICENSE.md"))
        XCTAssertFalse(LicenseResolver.isLicenseFileName("config.json"))
    }
}
