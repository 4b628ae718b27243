import Digest
import Foundation

/// An API key's stored form: its name, permissions and limits, and the SHA-256 of the secret.
///
/// The secret is `owl_` followed by 64 hex digits (256 random bits). A plain SHA-256 is the right hash
/// here, unlike for passwords: a key-derivation function only slows guessing of low-entropy secrets, and
/// guessing a 256-bit random value is infeasible at any speed, so a KDF would add latency and nothing else.
public struct APIKey: Sendable, Equatable {
    /// The name people use to refer to the key (unique); audit records carry this, never the secret.
    public var name: String
    /// Lowercase hex SHA-256 of the secret.
    public var hash: String
    /// Models the key may see and use; nil means all.
    public var models: [String]?
    /// Requests per minute; nil means unlimited.
    public var requestsPerMinute: Int?
    /// Prompt + completion tokens per minute; nil means unlimited.
    public var tokensPerMinute: Int?
    /// Admin keys also reach /metrics, /api/ps and key management.
    public var isAdmin: Bool
    /// Creation time (Unix seconds).
    public var createdAt: Int64
    /// Revocation time (Unix seconds), nil while valid.
    public var revokedAt: Int64?

    public init(name: String, hash: String, models: [String]?, requestsPerMinute: Int?, tokensPerMinute: Int?,
                isAdmin: Bool, createdAt: Int64, revokedAt: Int64? = nil) {
        self.name = name
        self.hash = hash
        self.models = models
        self.requestsPerMinute = requestsPerMinute
        self.tokensPerMinute = tokensPerMinute
        self.isAdmin = isAdmin
        self.createdAt = createdAt
        self.revokedAt = revokedAt
    }

    /// True when the key may use `model`.
    public func allows(model: String) -> Bool {
        guard let models else { return true }
        return models.contains(model)
    }

    /// A fresh secret: `owl_` + 64 hex digits from the system's cryptographic generator.
    public static func generateSecret() -> String {
        var rng = SystemRandomNumberGenerator()
        var bytes = [UInt8](repeating: 0, count: 32)
        for i in 0..<32 { bytes[i] = UInt8.random(in: 0...255, using: &rng) }
        return "owl_" + SHA256.hex(bytes)
    }

    /// The stored hash of a secret.
    public static func hash(secret: String) -> String { SHA256.hex(of: Array(secret.utf8)) }

    /// Compares two strings in time that depends only on their lengths, not on where they differ.
    public static func constantTimeEqual(_ a: String, _ b: String) -> Bool {
        let x = Array(a.utf8), y = Array(b.utf8)
        guard x.count == y.count else { return false }
        var diff: UInt8 = 0
        for i in 0..<x.count { diff |= x[i] ^ y[i] }
        return diff == 0
    }

    /// Key names: 1-64 characters of letters, digits, `-`, `_`, `.`.
    public static func isValidName(_ name: String) -> Bool {
        !name.isEmpty && name.count <= 64 && name.unicodeScalars.allSatisfy {
            ($0.isASCII && (CharacterSet.alphanumerics.contains($0))) || $0 == "-" || $0 == "_" || $0 == "."
        }
    }
}

/// Errors from the key store, worded for the person running `owl keys`.
public enum AccessError: Error, CustomStringConvertible, Equatable {
    case invalidName(String)
    case duplicateName(String)
    case unknownKey(String)
    case invalidLimit(String)
    case storage(String)

    public var description: String {
        switch self {
        case .invalidName(let n):
            return "invalid key name '\(n)': use 1-64 letters, digits, '-', '_' or '.'"
        case .duplicateName(let n):
            return "a key named '\(n)' already exists; revoke it first (`owl keys revoke \(n)`) or pick another name"
        case .unknownKey(let n):
            return "no active key named '\(n)'; `owl keys list` shows the keys"
        case .invalidLimit(let m):
            return m
        case .storage(let m):
            return m
        }
    }
}
