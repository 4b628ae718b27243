/// Python methods templates call on strings, dicts and lists (`s.strip()`, `d.get(k)`, `d.items()`).
/// Mutating methods (`append`, `pop`, `update`…) are refused, as in the reference's immutable sandbox.
enum Methods {
    static let stringMethods: Set<String> = [
        "strip", "lstrip", "rstrip", "split", "rsplit", "splitlines", "startswith", "endswith", "replace",
        "upper", "lower", "title", "capitalize", "swapcase", "find", "rfind", "index", "rindex", "count",
        "format", "join", "isdigit", "isnumeric", "isdecimal", "isalpha", "isalnum", "isspace", "isupper",
        "islower", "istitle", "center", "ljust", "rjust", "zfill", "partition", "rpartition",
        "removeprefix", "removesuffix",
    ]
    static let dictMethods: Set<String> = ["get", "items", "keys", "values", "copy"]
    static let listMethods: Set<String> = ["index", "count", "copy"]
    static let mutating: Set<String> = [
        "append", "extend", "insert", "pop", "popitem", "remove", "clear", "sort", "reverse", "update",
        "setdefault", "add", "discard", "difference_update", "intersection_update", "__setitem__",
    ]

    static func isPySpace(_ u: Unicode.Scalar) -> Bool {
        switch u.value {
        case 0x09...0x0D, 0x1C...0x20, 0x85, 0xA0: return true
        default: return u.value > 0x7F && u.properties.isWhitespace
        }
    }

    static func strip(_ s: String, _ chars: String?, left: Bool, right: Bool) -> String {
        let set = chars.map { Set($0.unicodeScalars) }
        func drop(_ u: Unicode.Scalar) -> Bool { set.map { $0.contains(u) } ?? isPySpace(u) }
        var sc = Substring(s).unicodeScalars[...]
        if left { while let f = sc.first, drop(f) { sc.removeFirst() } }
        if right { while let l = sc.last, drop(l) { sc.removeLast() } }
        return String(String.UnicodeScalarView(sc))
    }

    static func capitalize(_ s: String) -> String {
        guard let f = s.unicodeScalars.first else { return s }
        return String(f).uppercased() + String(String.UnicodeScalarView(s.unicodeScalars.dropFirst())).lowercased()
    }

    /// Jinja's `title` filter: capitalize each run that follows spaces, `-`, or an opening bracket.
    static func jinjaTitle(_ s: String) -> String {
        var out = "", word = ""
        func flush() { if !word.isEmpty { out += capitalize(word); word = "" } }
        for u in s.unicodeScalars {
            if isPySpace(u) || "-({[<".unicodeScalars.contains(u) { flush(); out.unicodeScalars.append(u) }
            else { word.unicodeScalars.append(u) }
        }
        flush()
        return out
    }

    /// Python `str.title()`: upper-case a letter after a non-letter, lower-case the others.
    static func pyTitle(_ s: String) -> String {
        var out = "", prevCased = false
        for u in s.unicodeScalars {
            let c = String(u)
            let cased = u.properties.isCased
            out += cased ? (prevCased ? c.lowercased() : c.uppercased()) : c
            prevCased = cased
        }
        return out
    }

    static func htmlEscape(_ s: String) -> String {
        var out = ""
        for c in s.unicodeScalars {
            switch c {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&#34;"
            case "'": out += "&#39;"
            default: out.unicodeScalars.append(c)
            }
        }
        return out
    }

    static func center(_ s: String, _ width: Int, fill: String = " ") -> String {
        let n = s.unicodeScalars.count
        guard width > n else { return s }
        let total = width - n
        let left = total / 2 + (total & width & 1)
        return String(repeating: fill, count: left) + s + String(repeating: fill, count: total - left)
    }

    static func replace(_ s: String, _ old: String, _ new: String, count: Int, check: (Int) throws -> Void) throws -> String {
        let parts = splitExact(s, old)
        if old.isEmpty {
            // Python inserts `new` between every character and at both ends.
            let sc = s.unicodeScalars.map(String.init)
            let limit = count < 0 ? sc.count + 1 : min(count, sc.count + 1)
            try check(s.utf8.count + new.utf8.count * limit)
            var out = ""
            for (i, c) in sc.enumerated() { if i < limit { out += new }; out += c }
            if limit > sc.count { out += new }
            return out
        }
        let limit = count < 0 ? parts.count - 1 : min(count, parts.count - 1)
        try check(s.utf8.count + max(0, new.utf8.count - old.utf8.count) * limit)
        var out = parts[0]
        for i in 1..<max(parts.count, 1) { out += (i <= limit ? new : old) + parts[i] }
        return out
    }

    /// Splits on an exact (code-point) separator.
    static func splitExact(_ s: String, _ sep: String, max: Int = -1) -> [String] {
        guard !sep.isEmpty else { return [s] }
        let hay = Array(s.unicodeScalars), needle = Array(sep.unicodeScalars)
        var parts: [String] = [], cur = String.UnicodeScalarView(), i = 0
        while i < hay.count {
            if (max < 0 || parts.count < max), i + needle.count <= hay.count, hay[i] == needle[0],
               Array(hay[i..<i + needle.count]) == needle {
                parts.append(String(cur)); cur = String.UnicodeScalarView(); i += needle.count
            } else { cur.append(hay[i]); i += 1 }
        }
        parts.append(String(cur))
        return parts
    }

    /// Python `str.split()` without a separator: runs of whitespace, no empty parts.
    static func splitWhitespace(_ s: String, max: Int = -1) -> [String] {
        var parts: [String] = [], cur = String.UnicodeScalarView()
        var sc = Substring(s).unicodeScalars[...]
        while let f = sc.first, isPySpace(f) { sc.removeFirst() }
        while let u = sc.first {
            sc.removeFirst()
            if isPySpace(u) {
                if !cur.isEmpty { parts.append(String(cur)); cur = String.UnicodeScalarView() }
                while let f = sc.first, isPySpace(f) { sc.removeFirst() }
                if max >= 0 && parts.count == max, !sc.isEmpty { parts.append(String(String.UnicodeScalarView(sc))); return parts }
            } else { cur.append(u) }
        }
        if !cur.isEmpty { parts.append(String(cur)) }
        return parts
    }

    static func find(_ s: String, _ sub: String, last: Bool) -> Int {
        let hay = Array(s.unicodeScalars), needle = Array(sub.unicodeScalars)
        guard needle.count <= hay.count else { return -1 }
        let range = Array(0...(hay.count - needle.count))
        for i in last ? range.reversed() : range where Array(hay[i..<i + needle.count]) == needle { return i }
        return -1
    }
}
