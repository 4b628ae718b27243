/// Python's `str()` and `repr()` of runtime values, which is what `{{ x }}` and `x|string` print.
extension JV {
    /// `str(x)`; undefined prints as the empty string.
    var pyStr: String {
        switch self {
        case .undefined: return ""
        case .string(let s), .markup(let s): return s
        default: return pyRepr
        }
    }

    /// `repr(x)`, cut off past `reprLimit` bytes (values can share structure, so their printed size can be
    /// exponential in the work that built them; callers then hit the output-size limit).
    var pyRepr: String {
        var out = ""
        repr(into: &out)
        return out
    }

    static let reprLimit = 8 << 20

    func repr(into out: inout String) {
        if out.utf8.count > JV.reprLimit { return }
        func seq(_ items: [JV], _ open: String, _ close: String) {
            out += open
            for (n, x) in items.enumerated() {
                if n > 0 { out += ", " }
                x.repr(into: &out)
                if out.utf8.count > JV.reprLimit { return }
            }
            out += close
        }
        switch self {
        case .undefined: out += "Undefined"
        case .none: out += "None"
        case .bool(let b): out += b ? "True" : "False"
        case .int(let i): out += String(i)
        case .double(let d): out += formatPythonFloat(d)
        case .string(let s): out += pyQuote(s)
        case .markup(let s): out += "Markup(" + pyQuote(s) + ")"
        case .array(let a): seq(a, "[", "]")
        case .tuple(let a): seq(a, "(", a.count == 1 ? ",)" : ")")
        case .dict(let d):
            out += "{"
            for (n, (k, v)) in d.pairs.enumerated() {
                if n > 0 { out += ", " }
                d.keyValue(k).repr(into: &out)
                out += ": "
                v.repr(into: &out)
                if out.utf8.count > JV.reprLimit { return }
            }
            out += "}"
        case .namespace(let n):
            out += "<Namespace "
            JV.dict(n.attrs).repr(into: &out)
            out += ">"
        case .function(let f): out += "<function \(f.name)>"
        case .loop: out += "<LoopContext>"
        case .generator: out += "<generator object>"
        }
    }
}

/// Python `repr(str)`: single quotes unless the text has a single quote and no double quote.
func pyQuote(_ s: String) -> String {
    let q: Character = s.contains("'") && !s.contains("\"") ? "\"" : "'"
    var out = String(q)
    for u in s.unicodeScalars {
        switch u {
        case "\\": out += "\\\\"
        case "\n": out += "\\n"
        case "\r": out += "\\r"
        case "\t": out += "\\t"
        default:
            if Character(u) == q { out += "\\" + String(q) }
            else if u.value < 0x20 || u.value == 0x7F { out += "\\x" + hex(u.value, 2) }
            else if u.value >= 0x80 && u.value < 0xA0 { out += "\\x" + hex(u.value, 2) }
            else { out.unicodeScalars.append(u) }
        }
    }
    out.append(q)
    return out
}

func hex(_ v: UInt32, _ width: Int) -> String {
    let s = String(v, radix: 16)
    return String(repeating: "0", count: max(0, width - s.count)) + s
}

/// Python `repr(float)`: shortest round-trip digits; fixed notation for exponents in [-4, 16).
func formatPythonFloat(_ d: Double) -> String {
    if d.isNaN { return "nan" }
    if d.isInfinite { return d < 0 ? "-inf" : "inf" }
    if d == 0 { return d.sign == .minus ? "-0.0" : "0.0" }
    // Swift's description is also shortest round-trip; re-layout its digits.
    var text = "\(d.magnitude)"
    var exp10 = 0
    if let e = text.firstIndex(where: { $0 == "e" || $0 == "E" }) {
        exp10 = Int(text[text.index(after: e)...]) ?? 0
        text = String(text[..<e])
    }
    var intPart = text, frac = ""
    if let dot = text.firstIndex(of: ".") {
        intPart = String(text[..<dot])
        frac = String(text[text.index(after: dot)...])
    }
    var digits = intPart + frac
    var point = intPart.count + exp10  // decimal point position within digits
    while digits.hasPrefix("0") && digits.count > 1 { digits.removeFirst(); point -= 1 }
    while digits.hasSuffix("0") && digits.count > 1 { digits.removeLast() }
    let sci = point - 1
    let sign = d < 0 ? "-" : ""
    if sci >= 16 || sci < -4 {
        var m = String(digits.first ?? "0")
        if digits.count > 1 { m += "." + digits.dropFirst() }
        return sign + m + "e" + (sci < 0 ? "-" : "+") + (abs(sci) < 10 ? "0" : "") + String(abs(sci))
    }
    if point <= 0 { return sign + "0." + String(repeating: "0", count: -point) + digits }
    if point >= digits.count { return sign + digits + String(repeating: "0", count: point - digits.count) + ".0" }
    let idx = digits.index(digits.startIndex, offsetBy: point)
    return sign + digits[..<idx] + "." + digits[idx...]
}
