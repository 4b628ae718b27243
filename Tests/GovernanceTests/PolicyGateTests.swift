import Foundation
import Governance
import XCTest

final class PolicyGateTests: XCTestCase {
    func record(_ spelling: String?, source: LicenseSource = .gguf) -> LicenseRecord {
        LicenseResolver.resolve(evidence: spelling.map { [LicenseEvidence(source: source, location: "general.license", value: $0)] } ?? [])
    }

    func subject(_ name: String, _ license: String?, arch: String = "llama", sha: String = "aa") -> ModelSubject {
        ModelSubject(name: name, sha256: sha, architecture: arch, license: record(license))
    }

    func policy(_ json: String) throws -> Policy { try Policy.parse(Data(json.utf8)) }

    func testDecisionTable() throws {
        let cases: [(String, String, ModelSubject, Decision.Outcome, PolicyRule?)] = [
            ("default allows apache", "{}", subject("smol", "apache-2.0"), .allow, nil),
            ("default warns on gemma", "{}", subject("gemma", "gemma", arch: "gemma3"), .warn, .restrictiveLicenses),
            ("default warns on unknown", "{}", subject("x", "acme"), .warn, .unknownLicenses),
            ("default warns on no license", "{}", subject("x", nil), .warn, .unknownLicenses),
            ("restrictive deny refuses gemma", #"{"restrictive_licenses": "deny"}"#, subject("gemma", "gemma", arch: "gemma3"), .deny, .restrictiveLicenses),
            ("restrictive deny refuses llama 3.1", #"{"restrictive_licenses": "deny"}"#, subject("l", "llama3.1"), .deny, .restrictiveLicenses),
            ("restrictive deny keeps apache", #"{"restrictive_licenses": "deny"}"#, subject("smol", "apache-2.0"), .allow, nil),
            ("commercial required refuses cc-by-nc", #"{"require_commercial_use": true, "restrictive_licenses": "allow", "non_commercial": "allow"}"#, subject("n", "cc-by-nc-4.0"), .deny, .requireCommercialUse),
            ("non_commercial deny", #"{"non_commercial": "deny"}"#, subject("n", "mrl"), .deny, .nonCommercial),
            ("unknown deny", #"{"unknown_licenses": "deny"}"#, subject("x", "acme"), .deny, .unknownLicenses),
            ("deny list by alias", #"{"deny_licenses": ["Apache 2.0"]}"#, subject("smol", "apache-2.0"), .deny, .denyLicenses),
            ("allow list", #"{"allow_licenses": ["mit", "apache-2.0"]}"#, subject("g", "gemma"), .deny, .allowLicenses),
            ("allow list passes", #"{"allow_licenses": ["mit", "apache-2.0"]}"#, subject("smol", "apache2"), .allow, nil),
            ("architecture allow list", #"{"allow_architectures": ["llama"]}"#, subject("b", "apache-2.0", arch: "bert"), .deny, .allowArchitectures),
            ("architecture deny list", #"{"deny_architectures": ["gemma3"]}"#, subject("g", "apache-2.0", arch: "gemma3"), .deny, .denyArchitectures),
            ("model deny list", #"{"deny_models": ["smol"]}"#, subject("smol", "apache-2.0"), .deny, .denyModels),
            ("model allow list", #"{"allow_models": ["other"]}"#, subject("smol", "apache-2.0"), .deny, .allowModels),
        ]
        for (label, json, s, outcome, rule) in cases {
            let d = PolicyGate.authorize(s, policy: try policy(json))
            XCTAssertEqual(d.outcome, outcome, label)
            XCTAssertEqual(d.decidingFinding?.rule, rule, label)
        }
    }

    func testGemmaRefusalMessageNamesRuleTermAndFix() throws {
        let d = PolicyGate.authorize(subject("gemma3-270m", "gemma", arch: "gemma3"), policy: try policy(#"{"restrictive_licenses": "deny"}"#))
        XCTAssertEqual(d.message, """
            policy refuses gemma3-270m: rule "restrictive_licenses" matches its license Gemma Terms of Use: it restricts use — Uses that the Gemma Prohibited Use Policy forbids: illegal or dangerous activities, harm to children, harassment or hate, disinformation or impersonation, generating sexually explicit content, circumventing safety filters, and automated decisions affecting individual rights without human review.
            To use it anyway, read the terms (`owl license gemma3-270m`) and record your acceptance with `owl license accept gemma3-270m`, or change "restrictive_licenses" in the policy file.
            """)
    }

    func testAcknowledgmentSatisfiesOnlyAcknowledgeableRules() throws {
        let gemma = subject("gemma3-270m", "gemma", arch: "gemma3", sha: "a5")
        let ack = Acknowledgment(model: "gemma3-270m", license: "gemma", sha256: "a5", acceptedAt: "2026-01-01T00:00:00Z", acceptedBy: "ana", termsURL: nil)
        let strict = try policy(#"{"restrictive_licenses": "deny"}"#)
        let d = PolicyGate.authorize(gemma, policy: strict, acknowledgments: [ack])
        XCTAssertEqual(d.outcome, .allow)
        XCTAssertTrue(d.findings.allSatisfy(\.acknowledged))
        XCTAssertEqual(d.message, "gemma3-270m: allowed under Gemma Terms of Use by a recorded acknowledgment")
        // Different weights: the acknowledgment does not carry over.
        XCTAssertEqual(PolicyGate.authorize(subject("gemma3-270m", "gemma", arch: "gemma3", sha: "b6"), policy: strict, acknowledgments: [ack]).outcome, .deny)
        // A policy that allows no override.
        let noOverride = try policy(#"{"restrictive_licenses": "deny", "acknowledgment_overrides": []}"#)
        let refused = PolicyGate.authorize(gemma, policy: noOverride, acknowledgments: [ack])
        XCTAssertEqual(refused.outcome, .deny)
        XCTAssertTrue(refused.message.contains("An acknowledgment cannot override this rule"))
        // Deny lists are never overridden.
        let listed = try policy(#"{"deny_licenses": ["gemma"]}"#)
        XCTAssertEqual(PolicyGate.authorize(gemma, policy: listed, acknowledgments: [ack]).outcome, .deny)
    }

    func testPolicyParsingErrors() {
        let cases: [(String, String)] = [
            (#"{"restrictve_licenses": "deny"}"#, "policy.json: unknown key \"restrictve_licenses\"; known keys: restrictive_licenses, non_commercial, unknown_licenses, require_commercial_use, allow_licenses, deny_licenses, allow_architectures, deny_architectures, allow_models, deny_models, acknowledgment_overrides, comment; fix the file or remove it to use the default policy (`owl policy` shows the effective one)"),
            (#"{"restrictive_licenses": "maybe"}"#, "policy.json: \"restrictive_licenses\" must be \"allow\", \"warn\" or \"deny\"; fix the file or remove it to use the default policy (`owl policy` shows the effective one)"),
            (#"{"deny_licenses": "gemma"}"#, "policy.json: \"deny_licenses\" must be a list of strings or null; fix the file or remove it to use the default policy (`owl policy` shows the effective one)"),
            (#"{"acknowledgment_overrides": ["deny_models"]}"#, "policy.json: \"acknowledgment_overrides\" lists 'deny_models'; an acknowledgment can only satisfy: unknown_licenses, require_commercial_use, non_commercial, restrictive_licenses; fix the file or remove it to use the default policy (`owl policy` shows the effective one)"),
            ("[1]", "policy.json: not a JSON object; see `owl policy --help` for the format; fix the file or remove it to use the default policy (`owl policy` shows the effective one)"),
        ]
        for (json, message) in cases {
            XCTAssertThrowsError(try Policy.parse(Data(json.utf8))) { XCTAssertEqual("\($0)", message, json) }
        }
        XCTAssertEqual(try Policy.parse(Data("{}".utf8)), Policy.default)
    }

    func testDecisionRecordLine() throws {
        let d = PolicyGate.authorize(subject("gemma3-270m", "gemma", arch: "gemma3", sha: "a5"), policy: try policy(#"{"restrictive_licenses": "deny"}"#))
        let line = DecisionRecord(time: "2026-11-28T12:00:00Z", command: "run", decision: d).jsonLine
        XCTAssertTrue(line.hasPrefix(#"{"time":"2026-11-28T12:00:00Z","command":"run","model":"gemma3-270m","sha256":"a5","license":"gemma","decision":"deny","rule":"restrictive_licenses","term":"it restricts use — "#), line)
        XCTAssertTrue(line.hasSuffix(#""acknowledged":false}"#))
        XCTAssertFalse(line.contains("\n"))
    }
}
