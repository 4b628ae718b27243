/// A small command-line parser: flags (`--json`), options with values (`--ctx 512`, `--ctx=512`, `-n 8`),
/// and positionals. Commands take what they know and call `finish()`, which rejects anything left over.
struct Arguments {
    private var items: [String]
    let command: String

    init(_ items: [String], command: String) {
        self.items = items
        self.command = command
    }

    /// True when any spelling of the flag is present (and removes it).
    mutating func flag(_ names: String...) -> Bool {
        var found = false
        items.removeAll { item in
            if names.contains(item) { found = true; return true }
            return false
        }
        return found
    }

    /// The value of an option (last occurrence wins), removing it; nil when absent.
    mutating func option(_ names: String...) throws -> String? {
        var value: String?
        var i = 0
        while i < items.count {
            let item = items[i]
            if item == "--" { break }
            if names.contains(item) {
                guard i + 1 < items.count else { throw CLIError.usage(command, "\(item) needs a value") }
                value = items[i + 1]
                items.removeSubrange(i...(i + 1))
                continue
            }
            if let eq = item.firstIndex(of: "="), names.contains(String(item[..<eq])) {
                value = String(item[item.index(after: eq)...])
                items.remove(at: i)
                continue
            }
            i += 1
        }
        return value
    }

    /// The first occurrence of a repeatable option (removing it); call until nil to collect them all.
    mutating func optionOnce(_ name: String) throws -> String? {
        guard let i = items.firstIndex(where: { $0 == name || $0.hasPrefix(name + "=") }) else { return nil }
        if items[i] == name {
            guard i + 1 < items.count else { throw CLIError.usage(command, "\(name) needs a value") }
            let v = items[i + 1]
            items.removeSubrange(i...(i + 1))
            return v
        }
        let v = String(items[i].dropFirst(name.count + 1))
        items.remove(at: i)
        return v
    }

    /// An integer option within `range`.
    mutating func int(_ names: String..., in range: ClosedRange<Int> = Int.min...Int.max) throws -> Int? {
        guard let raw = try option(names) else { return nil }
        guard let v = Int(raw), range.contains(v) else {
            throw CLIError.usage(command, "\(names[0]) must be an integer in \(range.lowerBound)...\(range.upperBound), got '\(raw)'")
        }
        return v
    }

    /// A floating-point option within `range`.
    mutating func double(_ names: String..., in range: ClosedRange<Double> = -Double.greatestFiniteMagnitude...Double.greatestFiniteMagnitude) throws -> Double? {
        guard let raw = try option(names) else { return nil }
        guard let v = Double(raw), v.isFinite, range.contains(v) else {
            throw CLIError.usage(command, "\(names[0]) must be a number in \(range.lowerBound)...\(range.upperBound), got '\(raw)'")
        }
        return v
    }

    private mutating func option(_ names: [String]) throws -> String? {
        var value: String?
        for n in names { if let v = try option(n) { value = v } }
        return value
    }

    /// The remaining positionals; rejects unknown options.
    mutating func positionals() throws -> [String] {
        var out: [String] = []
        var literal = false
        for item in items {
            if literal { out.append(item); continue }
            if item == "--" { literal = true; continue }
            if item.hasPrefix("-") && item != "-" && Double(item) == nil {
                throw CLIError.usage(command, "unknown option \(item)")
            }
            out.append(item)
        }
        items = []
        return out
    }
}

/// Errors the CLI reports itself (usage mistakes); other modules' errors are printed by their description.
enum CLIError: Error, CustomStringConvertible {
    case usage(String, String)
    case failed(String)

    var description: String {
        switch self {
        case .usage(let command, let message): return "\(message)\nRun `owl \(command) --help` for usage."
        case .failed(let message): return message
        }
    }
}
