import Foundation

/// Removes personal data and secrets from prompt and completion text before it is stored.
///
/// Categories, applied in this order (secrets first: keys contain digit runs that look like numbers):
/// - `secret`: API-key-like tokens (`sk-…`, `owl_` + 64 hex, `ghp_…`, `github_pat_…`, `xox?-…`, `AKIA…`,
///   `AIza…`, `Bearer …`) → `[SECRET]`
/// - `email`: `name@domain.tld` → `[EMAIL]`
/// - `card`: 13-19 digits, optionally grouped by spaces or dashes, that pass the Luhn check → `[CARD]`
/// - `phone`: 7-15 digits with a leading `+`, parentheses or separators between groups → `[PHONE]`
public struct Redactor: Sendable {
    public enum Category: String, Sendable, CaseIterable {
        case secret, email, card, phone
    }

    public let categories: Set<Category>

    public init(_ categories: Set<Category> = Set(Category.allCases)) {
        self.categories = categories
    }

    /// Parses `--audit-redact` values: a comma list of categories, `all` or `none`.
    public static func parse(_ text: String) -> Redactor? {
        let words = text.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces).lowercased() }
        if words == ["all"] { return Redactor() }
        if words == ["none"] { return Redactor([]) }
        var set = Set<Category>()
        for w in words {
            guard let c = Category(rawValue: w) else { return nil }
            set.insert(c)
        }
        return Redactor(set)
    }

    private static let patterns: [Category: String] = [
        .secret: #"(?:\bsk-[A-Za-z0-9_-]{16,}|\bowl_[0-9a-f]{64}\b|\bghp_[A-Za-z0-9]{36}\b|\bgithub_pat_[A-Za-z0-9_]{22,}|\bxox[abprs]-[A-Za-z0-9-]{10,}|\bAKIA[0-9A-Z]{16}\b|\bAIza[0-9A-Za-z_-]{35}|(?i:\bbearer)\s+[A-Za-z0-9._~+/-]{16,}=*)"#,
        .email: #"[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}"#,
        .card: #"(?<![\d])\d(?:[ -]?\d){12,18}(?![\d])"#,
        .phone: #"(?<![\w+])(?:\+\d{1,3}[ .-]?)?(?:\(\d{1,4}\)[ .-]?)?\d{2,4}(?:[ .-]?\d{2,4}){1,4}(?![\w])"#,
    ]

    /// `text` with every match of the enabled categories replaced by its marker.
    public func redact(_ text: String) -> String {
        var s = text
        for c in Category.allCases where categories.contains(c) {
            guard let pattern = Redactor.patterns[c], let re = try? NSRegularExpression(pattern: pattern) else { continue }
            let ns = s as NSString
            var out = ""
            var last = 0
            for m in re.matches(in: s, range: NSRange(location: 0, length: ns.length)) {
                let found = ns.substring(with: m.range)
                guard Redactor.accept(found, as: c) else { continue }
                out += ns.substring(with: NSRange(location: last, length: m.range.location - last))
                out += "[\(c.rawValue.uppercased())]"
                last = m.range.location + m.range.length
            }
            out += ns.substring(from: last)
            s = out
        }
        return s
    }

    static func accept(_ match: String, as category: Category) -> Bool {
        let digits = match.compactMap { $0.wholeNumberValue }
        switch category {
        case .card: return (13...19).contains(digits.count) && luhn(digits)
        case .phone:
            guard (7...15).contains(digits.count) else { return false }
            return match.contains("+") || match.contains("(") || match.contains { " .-".contains($0) } || digits.count >= 10
        default: return true
        }
    }

    /// The Luhn checksum: from the right, double every second digit (subtracting 9 above 9); valid when
    /// the sum is a multiple of 10.
    public static func luhn(_ digits: [Int]) -> Bool {
        var sum = 0
        for (i, d) in digits.reversed().enumerated() {
            if i % 2 == 1 { let x = d * 2; sum += x > 9 ? x - 9 : x } else { sum += d }
        }
        return sum % 10 == 0
    }
}
