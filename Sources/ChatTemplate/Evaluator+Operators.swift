import Foundation

/// Arithmetic with Python semantics: `/` is true division, `//` and `%` floor toward −∞,
/// `+` joins strings and lists, `*` repeats them. Integer overflow is an error (Python has big ints;
/// a chat template never needs them). Sizes are checked before a repeat is built.
extension Evaluator {
    func binary(_ op: String, _ a: JV, _ b: JV, at off: Int) throws -> JV {
        // `str % x` is Python's formatting, which takes even an undefined value (as a mapping).
        if op == "%", case .string(let fmt) = a.plain, b.isUndefined { return .string(try percentFormat(fmt, b, at: off)) }
        try requireDefined(a, at: off)
        try requireDefined(b, at: off)
        if op == "%", case .string(let fmt) = a.plain { return .string(try percentFormat(fmt, b, at: off)) }
        if op == "+", case .markup = a, b.isStringLike { return .markup(Self.escapedText(a) + Self.escapedText(b)) }
        if op == "+", case .markup = b, a.isStringLike { return .markup(Self.escapedText(a) + Self.escapedText(b)) }
        let a = a.plain, b = b.plain
        let typeError = fail("unsupported operand type(s) for \(op): '\(a.typeName)' and '\(b.typeName)'", at: off)
        switch (op, a, b) {
        case ("+", .string(let x), .string(let y)):
            try checkBuild(x.utf8.count + y.utf8.count, at: off)
            return .string(x + y)
        case ("+", .array(let x), .array(let y)):
            try charge(x.count + y.count, at: off)
            return .array(x + y)
        case ("*", .string(let s), _) where b.asInt != nil: return try repeatString(s, b.asInt ?? 0, at: off)
        case ("*", _, .string(let s)) where a.asInt != nil: return try repeatString(s, a.asInt ?? 0, at: off)
        case ("*", .array(let x), _) where b.asInt != nil: return try repeatList(x, b.asInt ?? 0, at: off)
        case ("*", _, .array(let x)) where a.asInt != nil: return try repeatList(x, a.asInt ?? 0, at: off)
        default: break
        }
        if let x = a.asInt, let y = b.asInt {
            switch op {
            case "+": let (r, o) = x.addingReportingOverflow(y); if !o { return .int(r) }
            case "-": let (r, o) = x.subtractingReportingOverflow(y); if !o { return .int(r) }
            case "*": let (r, o) = x.multipliedReportingOverflow(by: y); if !o { return .int(r) }
            case "/":
                guard y != 0 else { throw fail("division by zero", at: off) }
                return .double(Double(x) / Double(y))
            case "//", "%":
                guard y != 0 else { throw fail("integer division or modulo by zero", at: off) }
                guard !(x == .min && y == -1) else { break }
                var q = x / y, r = x % y
                if r != 0 && ((r < 0) != (y < 0)) { q -= 1; r += y }
                return .int(op == "//" ? q : r)
            case "**":
                if y < 0 { return .double(pow(Double(x), Double(y))) }
                var result = 1, base = x, e = y, overflow = false
                while e > 0 && !overflow {
                    if e & 1 == 1 { let (r, o) = result.multipliedReportingOverflow(by: base); result = r; overflow = o }
                    e >>= 1
                    if e > 0 { let (r, o) = base.multipliedReportingOverflow(by: base); base = r; overflow = overflow || o }
                }
                if !overflow { return .int(result) }
            default: throw typeError
            }
            throw fail("integer result of \(op) is too large", at: off)
        }
        guard let x = a.asNumber, let y = b.asNumber else { throw typeError }
        switch op {
        case "+": return .double(x + y)
        case "-": return .double(x - y)
        case "*": return .double(x * y)
        case "/":
            guard y != 0 else { throw fail("float division by zero", at: off) }
            return .double(x / y)
        case "//", "%":
            guard y != 0 else { throw fail("float modulo by zero", at: off) }
            let (q, r) = Self.pythonFloatDivMod(x, y)
            return .double(op == "//" ? q : r)
        case "**": return .double(pow(x, y))
        default: throw typeError
        }
    }

    /// CPython's float floor division and modulo (fmod-based, sign of the divisor).
    static func pythonFloatDivMod(_ vx: Double, _ wx: Double) -> (Double, Double) {
        var mod = fmod(vx, wx)
        var div = (vx - mod) / wx
        if mod != 0 {
            if (wx < 0) != (mod < 0) { mod += wx; div -= 1 }
        } else {
            mod = wx.sign == .minus ? -0.0 : 0.0
        }
        var floordiv: Double
        if div != 0 {
            floordiv = div.rounded(.down)
            if div - floordiv > 0.5 { floordiv += 1 }
        } else {
            floordiv = (vx / wx).sign == .minus ? -0.0 : 0.0
        }
        return (floordiv, mod)
    }

    /// markupsafe's `escape`: Markup stays as is, a plain string is HTML-escaped.
    static func escapedText(_ v: JV) -> String {
        if case .markup(let s) = v { return s }
        return Methods.htmlEscape(v.pyStr)
    }

    func repeatString(_ s: String, _ n: Int, at off: Int) throws -> JV {
        guard n > 0, !s.isEmpty else { return .string("") }
        let (total, o) = s.utf8.count.multipliedReportingOverflow(by: n)
        try checkBuild(o ? Int.max : total, at: off)
        var bytes: [UInt8] = []
        bytes.reserveCapacity(total)
        let unit = Array(s.utf8)
        if unit.count == 1 { bytes = [UInt8](repeating: unit[0], count: n) } else { for _ in 0..<n { bytes += unit } }
        return .string(String(decoding: bytes, as: UTF8.self))
    }

    func repeatList(_ a: [JV], _ n: Int, at off: Int) throws -> JV {
        guard n > 0, !a.isEmpty else { return .array([]) }
        let (total, o) = a.count.multipliedReportingOverflow(by: n)
        try charge(o ? Int.max / 2 : total, at: off)
        var out: [JV] = []
        for _ in 0..<n { out += a }
        return .array(out)
    }

    /// Python `"fmt" % args`: `%[flags][width][.precision]type` for s r d i f F e E g G x X o c and `%%`.
    func percentFormat(_ fmt: String, _ arg: JV, at off: Int) throws -> String {
        var args: [JV]
        if case .tuple(let a) = arg { args = a } else { args = [arg] }
        var out = ""
        var chars = Array(fmt.unicodeScalars)[...]
        while let c = chars.popFirst() {
            guard c == "%" else { out.unicodeScalars.append(c); continue }
            var flags = "", width = "", precision: String? = nil
            while let f = chars.first, "-+ 0#".unicodeScalars.contains(f) { flags.unicodeScalars.append(f); chars.removeFirst() }
            while let d = chars.first, d.properties.numericType != nil, d.isASCII { width.unicodeScalars.append(d); chars.removeFirst() }
            if chars.first == "." {
                chars.removeFirst()
                var p = ""
                while let d = chars.first, d.properties.numericType != nil, d.isASCII { p.unicodeScalars.append(d); chars.removeFirst() }
                precision = p
            }
            guard let spec = chars.popFirst() else { throw fail("incomplete format", at: off) }
            if spec == "%" { out += "%"; continue }
            guard !args.isEmpty else { throw fail("not enough arguments for format string", at: off) }
            let v = args.removeFirst()
            guard (Int(width) ?? 0) <= limits.maxOutputBytes, (Int(precision ?? "0") ?? 0) <= 4096 else {
                throw fail("format width too large", at: off, kind: .limit)
            }
            let prec = precision.map { "." + ($0.isEmpty ? "0" : $0) } ?? ""
            switch spec {
            case "s", "r":
                var text = spec == "s" ? v.pyStr : v.pyRepr
                if let p = precision.flatMap({ Int($0.isEmpty ? "0" : $0) }) { text = String(String.UnicodeScalarView(text.unicodeScalars.prefix(p))) }
                let pad = max(0, (Int(width) ?? 0) - text.unicodeScalars.count)
                out += flags.contains("-") ? text + String(repeating: " ", count: pad) : String(repeating: " ", count: pad) + text
            case "d", "i", "x", "X", "o":
                guard let n = v.asNumber else { throw fail("%\(spec) format: a real number is required, not \(v.typeName)", at: off) }
                let i = v.asInt ?? Int(n.rounded(.towardZero))
                let conv = spec == "i" ? "d" : String(spec)
                out += String(format: "%" + flags + width + prec + "l" + conv, i)
            case "f", "F", "e", "E", "g", "G":
                guard let n = v.asNumber else { throw fail("%\(spec) format: a real number is required, not \(v.typeName)", at: off) }
                out += String(format: "%" + flags + width + (precision == nil ? ".6" : prec) + String(spec), n)
            case "c":
                if case .string(let s) = v, s.unicodeScalars.count == 1 { out += s }
                else if let i = v.asInt, let u = Unicode.Scalar(UInt32(clamping: max(0, i))) { out.unicodeScalars.append(u) }
                else { throw fail("%c requires an int or a single character", at: off) }
            default: throw fail("unsupported format character '\(spec)'", at: off)
            }
            try checkBuild(out.utf8.count, at: off)
        }
        // Leftover arguments are an error, except for a subscriptable non-tuple, which Python takes as a
        // mapping (`'text' % {}`, `'text' % []`).
        let mappingLike: Bool
        switch arg {
        case .dict, .array, .undefined: mappingLike = true
        default: mappingLike = false
        }
        if !args.isEmpty, !(args.count == 1 && mappingLike) {
            throw fail("not all arguments converted during string formatting", at: off)
        }
        return out
    }
}
