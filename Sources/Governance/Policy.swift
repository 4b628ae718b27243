import Foundation
import Support

/// What a policy does when a rule matches.
public enum PolicyAction: String, Sendable, Codable, CaseIterable {
    case allow, warn, deny
}

/// Which licenses, terms, architectures and models this deployment accepts (`$OWL_HOME/policy.json`).
///
/// Every key is optional; the default allows every license and warns about restrictive, non-commercial and
/// unknown ones. Unknown keys are rejected so a typo cannot silently loosen a policy.
public struct Policy: Sendable, Equatable {
    /// Licenses with use restrictions, acceptable-use policies or user thresholds (model licenses, OpenRAIL, non-commercial).
    public var restrictiveLicenses: PolicyAction = .warn
    /// Licenses that forbid commercial use.
    public var nonCommercial: PolicyAction = .warn
    /// Licenses the catalog does not know, or models that state none.
    public var unknownLicenses: PolicyAction = .warn
    /// Refuse licenses that forbid commercial use (same as `nonCommercial: deny`, stated as a requirement).
    public var requireCommercialUse = false
    /// When set, only these license ids (or aliases) are accepted.
    public var allowLicenses: [String]?
    public var denyLicenses: [String] = []
    /// When set, only these architectures (`llama`, `gemma3`, `bert`) are accepted.
    public var allowArchitectures: [String]?
    public var denyArchitectures: [String] = []
    /// When set, only these store names are accepted.
    public var allowModels: [String]?
    public var denyModels: [String] = []
    /// Rules a recorded acknowledgment (`owl license accept`) can satisfy. Allow/deny lists never can.
    public var acknowledgmentOverrides: [PolicyRule] = [.restrictiveLicenses, .nonCommercial, .unknownLicenses, .requireCommercialUse]

    public init() {}

    /// The built-in default.
    public static let `default` = Policy()

    /// Parses a policy file's bytes.
    /// - Throws: `GovernanceError.badPolicy` naming the key and what is expected.
    public static func parse(_ data: Data, path: String = "policy.json") throws -> Policy {
        guard let obj = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any] else {
            throw GovernanceError.badPolicy(path: path, message: "not a JSON object; see `owl policy --help` for the format")
        }
        var p = Policy()
        for (key, value) in obj {
            switch key {
            case "restrictive_licenses": p.restrictiveLicenses = try action(value, key, path)
            case "non_commercial": p.nonCommercial = try action(value, key, path)
            case "unknown_licenses": p.unknownLicenses = try action(value, key, path)
            case "require_commercial_use":
                guard let b = value as? Bool else { throw GovernanceError.badPolicy(path: path, message: "\"\(key)\" must be true or false") }
                p.requireCommercialUse = b
            case "allow_licenses": p.allowLicenses = try optionalList(value, key, path)
            case "deny_licenses": p.denyLicenses = try optionalList(value, key, path) ?? []
            case "allow_architectures": p.allowArchitectures = try optionalList(value, key, path)
            case "deny_architectures": p.denyArchitectures = try optionalList(value, key, path) ?? []
            case "allow_models": p.allowModels = try optionalList(value, key, path)
            case "deny_models": p.denyModels = try optionalList(value, key, path) ?? []
            case "acknowledgment_overrides":
                let names = try optionalList(value, key, path) ?? []
                p.acknowledgmentOverrides = try names.map { n in
                    guard let r = PolicyRule(rawValue: n), r.acknowledgeable else {
                        let ok = PolicyRule.allCases.filter(\.acknowledgeable).map(\.rawValue).joined(separator: ", ")
                        throw GovernanceError.badPolicy(path: path, message: "\"\(key)\" lists '\(n)'; an acknowledgment can only satisfy: \(ok)")
                    }
                    return r
                }
            case "version", "comment": continue
            default:
                throw GovernanceError.badPolicy(path: path, message: "unknown key \"\(key)\"; known keys: \(knownKeys.joined(separator: ", "))")
            }
        }
        return p
    }

    static let knownKeys = ["restrictive_licenses", "non_commercial", "unknown_licenses", "require_commercial_use",
                            "allow_licenses", "deny_licenses", "allow_architectures", "deny_architectures",
                            "allow_models", "deny_models", "acknowledgment_overrides", "comment"]

    private static func action(_ v: Any, _ key: String, _ path: String) throws -> PolicyAction {
        guard let s = v as? String, let a = PolicyAction(rawValue: s) else {
            throw GovernanceError.badPolicy(path: path, message: "\"\(key)\" must be \"allow\", \"warn\" or \"deny\"")
        }
        return a
    }

    private static func optionalList(_ v: Any, _ key: String, _ path: String) throws -> [String]? {
        if v is NSNull { return nil }
        guard let a = v as? [Any], let s = a as? [String] else {
            throw GovernanceError.badPolicy(path: path, message: "\"\(key)\" must be a list of strings or null")
        }
        return s
    }

    /// The effective policy as JSON, every key spelled out.
    public var json: JSONValue {
        func list(_ l: [String]?) -> JSONValue { l.map { .array($0.map(JSONValue.string)) } ?? .null }
        return .object([
            ("restrictive_licenses", .string(restrictiveLicenses.rawValue)),
            ("non_commercial", .string(nonCommercial.rawValue)),
            ("unknown_licenses", .string(unknownLicenses.rawValue)),
            ("require_commercial_use", .bool(requireCommercialUse)),
            ("allow_licenses", list(allowLicenses)),
            ("deny_licenses", list(denyLicenses)),
            ("allow_architectures", list(allowArchitectures)),
            ("deny_architectures", list(denyArchitectures)),
            ("allow_models", list(allowModels)),
            ("deny_models", list(denyModels)),
            ("acknowledgment_overrides", .array(acknowledgmentOverrides.map { .string($0.rawValue) })),
        ])
    }
}

/// The rules of a policy, named by the policy key that configures them (so a message names what to change).
public enum PolicyRule: String, Sendable, Codable, CaseIterable {
    case denyModels = "deny_models"
    case allowModels = "allow_models"
    case denyArchitectures = "deny_architectures"
    case allowArchitectures = "allow_architectures"
    case denyLicenses = "deny_licenses"
    case allowLicenses = "allow_licenses"
    case unknownLicenses = "unknown_licenses"
    case requireCommercialUse = "require_commercial_use"
    case nonCommercial = "non_commercial"
    case restrictiveLicenses = "restrictive_licenses"

    /// Rules about license terms can be satisfied by an acknowledgment; explicit lists cannot.
    public var acknowledgeable: Bool {
        switch self {
        case .unknownLicenses, .requireCommercialUse, .nonCommercial, .restrictiveLicenses: return true
        default: return false
        }
    }
}
