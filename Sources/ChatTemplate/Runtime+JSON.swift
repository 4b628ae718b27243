/// `tojson` as Hugging Face defines it: Python `json.dumps(x, ensure_ascii=False, indent=…,
/// separators=…, sort_keys=False)`: keys in insertion order, no HTML escaping.
struct JSONDumper {
    var ensureASCII = false
    var indent: String? = nil
    var itemSeparator = ", "
    var keySeparator = ": "
    var sortKeys = false

    func dump(_ v: JV, into out: inout String, level: Int = 0, budget: inout Int) throws {
        budget -= 1
        guard budget > 0 else { throw JSONDumpError.tooDeep }
        switch v {
        case .none: out += "null"
        case .bool(let b): out += b ? "true" : "false"
        case .int(let i): out += String(i)
        case .double(let d):
            if d.isNaN { out += "NaN" } else if d.isInfinite { out += d < 0 ? "-Infinity" : "Infinity" }
            else { out += formatPythonFloat(d) }
        case .string(let s), .markup(let s): quote(s, into: &out)
        case .array(let a), .tuple(let a):
            if a.isEmpty { out += "[]"; return }
            out += "["
            for (n, e) in a.enumerated() {
                if n > 0 { out += itemSeparator }
                newline(&out, level + 1)
                try dump(e, into: &out, level: level + 1, budget: &budget)
            }
            newline(&out, level)
            out += "]"
        case .dict(let d):
            if d.count == 0 { out += "{}"; return }
            out += "{"
            let keys = sortKeys ? d.keys.sorted { $0.unicodeScalars.lexicographicallyPrecedes($1.unicodeScalars) } : d.keys
            for (n, k) in keys.enumerated() {
                if n > 0 { out += itemSeparator }
                newline(&out, level + 1)
                quote(k, into: &out)
                out += keySeparator
                try dump(d[k] ?? JV.none, into: &out, level: level + 1, budget: &budget)
            }
            newline(&out, level)
            out += "}"
        case .undefined, .namespace, .function, .loop, .generator:
            throw JSONDumpError.notSerializable(v.typeName)
        }
    }

    private func newline(_ out: inout String, _ level: Int) {
        guard let indent else { return }
        out += "\n"
        for _ in 0..<level { out += indent }
    }

    private func quote(_ s: String, into out: inout String) {
        out += "\""
        for u in s.unicodeScalars {
            switch u {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case "\u{08}": out += "\\b"
            case "\u{0C}": out += "\\f"
            default:
                if u.value < 0x20 { out += "\\u" + hex(u.value, 4) }
                else if ensureASCII && u.value > 0x7E {
                    if u.value > 0xFFFF {
                        let v = u.value - 0x10000
                        out += "\\u" + hex(0xD800 + (v >> 10), 4) + "\\u" + hex(0xDC00 + (v & 0x3FF), 4)
                    } else { out += "\\u" + hex(u.value, 4) }
                } else { out.unicodeScalars.append(u) }
            }
        }
        out += "\""
    }
}

enum JSONDumpError: Error {
    case notSerializable(String)
    case tooDeep
}
