/// Dispatch of `receiver.method(args)` calls.
extension Evaluator {
    func callMethod(_ recv: JV, _ name: String, _ pos: [JV], _ kw: [(String, JV)], at off: Int) throws -> JV {
        let a = Args(pos: pos.map(\.plain), kw: kw.map { ($0.0, $0.1.plain) })
        switch recv.plain {
        case .string(let s): return try stringMethod(s, name, a, at: off)
        case .dict(let d):
            switch name {
            case "get":
                guard case .string(let k)? = a.get(0, "key") else { return a.get(1, "default") ?? JV.none }
                return d[k] ?? a.get(1, "default") ?? JV.none
            case "items": try charge(d.count, at: off); return .array(d.items)
            case "keys": try charge(d.count, at: off); return .array(d.keyValues)
            case "values": try charge(d.count, at: off); return .array(d.pairs.map(\.1))
            default: return recv
            }
        case .array(let arr):
            switch name {
            case "count": let x = pos.first ?? JV.none; return .int(arr.filter { pyEqual($0, x) }.count)
            case "index":
                let x = pos.first ?? JV.none
                guard let i = arr.firstIndex(where: { pyEqual($0, x) }) else { throw fail("\(x.pyRepr) is not in list", at: off) }
                return .int(i)
            default: return recv
            }
        default:
            throw fail("'\(recv.typeName)' object has no method '\(name)'", at: off)
        }
    }

    private func stringMethod(_ s: String, _ name: String, _ a: Args, at off: Int) throws -> JV {
        func strArg(_ i: Int, _ n: String) throws -> String? {
            guard let v = a.get(i, n), !v.isNone else { return nil }
            guard case .string(let x) = v else { throw fail("\(name)() argument must be str, not \(v.typeName)", at: off) }
            return x
        }
        switch name {
        case "strip", "lstrip", "rstrip":
            return .string(Methods.strip(s, try strArg(0, "chars"), left: name != "rstrip", right: name != "lstrip"))
        case "split", "rsplit":
            let maxsplit = a.get(1, "maxsplit")?.asInt ?? -1
            let parts: [String]
            if let sep = try strArg(0, "sep") {
                guard !sep.isEmpty else { throw fail("empty separator", at: off) }
                if name == "rsplit" && maxsplit >= 0 {
                    let rev = Methods.splitExact(String(String.UnicodeScalarView(s.unicodeScalars.reversed())),
                                                 String(String.UnicodeScalarView(sep.unicodeScalars.reversed())), max: maxsplit)
                    parts = rev.reversed().map { String(String.UnicodeScalarView($0.unicodeScalars.reversed())) }
                } else { parts = Methods.splitExact(s, sep, max: maxsplit) }
            } else { parts = Methods.splitWhitespace(s, max: name == "split" ? maxsplit : -1) }
            try charge(parts.count, at: off)
            return .array(parts.map(JV.string))
        case "splitlines":
            return .array(s.split(omittingEmptySubsequences: false, whereSeparator: { $0.isNewline }).map { .string(String($0)) }.dropLast(s.last?.isNewline == true ? 1 : 0).map { $0 })
        case "startswith", "endswith":
            guard let p = a.get(0, "prefix") else { throw fail("\(name)() takes at least 1 argument", at: off) }
            let options: [JV]
            if case .array(let t) = p { options = t } else { options = [p] }
            for o in options {
                guard case .string(let x) = o else { throw fail("\(name) first arg must be str or a tuple of str, not \(o.typeName)", at: off) }
                let hit = name == "startswith" ? s.unicodeScalars.starts(with: x.unicodeScalars)
                    : s.unicodeScalars.reversed().starts(with: x.unicodeScalars.reversed())
                if hit { return .bool(true) }
            }
            return .bool(false)
        case "replace":
            guard let old = try strArg(0, "old"), let new = try strArg(1, "new") else { throw fail("replace() takes 2 string arguments", at: off) }
            return .string(try Methods.replace(s, old, new, count: a.get(2, "count")?.asInt ?? -1, check: { try self.checkBuild($0, at: off) }))
        case "upper": return .string(s.uppercased())
        case "lower": return .string(s.lowercased())
        case "title": return .string(Methods.pyTitle(s))
        case "capitalize": return .string(Methods.capitalize(s))
        case "swapcase": return .string(String(s.map { $0.isUppercase ? Character($0.lowercased()) : Character($0.uppercased()) }))
        case "find", "rfind", "index", "rindex":
            let i = Methods.find(s, try strArg(0, "sub") ?? "", last: name.hasPrefix("r"))
            if i < 0 && name.hasSuffix("index") { throw fail("substring not found", at: off) }
            return .int(i)
        case "count":
            let sub = try strArg(0, "sub") ?? ""
            return .int(sub.isEmpty ? s.unicodeScalars.count + 1 : Methods.splitExact(s, sub).count - 1)
        case "join":
            let items = try iterate(a.get(0, "iterable") ?? .array([]), at: off)
            var out = ""
            for (n, x) in items.enumerated() {
                guard case .string(let t) = x else { throw fail("sequence item \(n): expected str instance, \(x.typeName) found", at: off) }
                if n > 0 { out += s }
                out += t
                try checkBuild(out.utf8.count, at: off)
            }
            return .string(out)
        case "format": return .string(try pyFormat(s, a, at: off))
        case "isdigit", "isnumeric", "isdecimal":
            return .bool(!s.isEmpty && s.unicodeScalars.allSatisfy { $0.properties.numericType != nil })
        case "isalpha": return .bool(!s.isEmpty && s.unicodeScalars.allSatisfy { $0.properties.isAlphabetic })
        case "isalnum": return .bool(!s.isEmpty && s.unicodeScalars.allSatisfy { $0.properties.isAlphabetic || $0.properties.numericType != nil })
        case "isspace": return .bool(!s.isEmpty && s.unicodeScalars.allSatisfy(Methods.isPySpace))
        case "isupper": return .bool(s.contains { $0.isCased } && s == s.uppercased())
        case "islower": return .bool(s.contains { $0.isCased } && s == s.lowercased())
        case "istitle": return .bool(!s.isEmpty && s == Methods.pyTitle(s))
        case "center", "ljust", "rjust", "zfill":
            let w = a.get(0, "width")?.asInt ?? 0
            let n = s.unicodeScalars.count
            try checkBuild(max(w, n), at: off)
            guard w > n else { return .string(s) }
            let fill = name == "zfill" ? "0" : (try strArg(1, "fillchar") ?? " ")
            switch name {
            case "center": return .string(Methods.center(s, w, fill: fill))
            case "ljust": return .string(s + String(repeating: fill, count: w - n))
            default: return .string(String(repeating: fill, count: w - n) + s)
            }
        case "partition", "rpartition":
            guard let sep = try strArg(0, "sep"), !sep.isEmpty else { throw fail("empty separator", at: off) }
            let i = Methods.find(s, sep, last: name == "rpartition")
            let sc = Array(s.unicodeScalars)
            let empty = JV.string("")
            if i < 0 { return name == "partition" ? .tuple([.string(s), empty, empty]) : .tuple([empty, empty, .string(s)]) }
            let k = sep.unicodeScalars.count
            return .tuple([.string(String(String.UnicodeScalarView(sc[..<i]))), .string(sep), .string(String(String.UnicodeScalarView(sc[(i + k)...])))])
        case "removeprefix":
            let p = try strArg(0, "prefix") ?? ""
            return .string(s.unicodeScalars.starts(with: p.unicodeScalars) ? String(String.UnicodeScalarView(s.unicodeScalars.dropFirst(p.unicodeScalars.count))) : s)
        case "removesuffix":
            let p = try strArg(0, "suffix") ?? ""
            return .string(!p.isEmpty && s.unicodeScalars.reversed().starts(with: p.unicodeScalars.reversed()) ? String(String.UnicodeScalarView(s.unicodeScalars.dropLast(p.unicodeScalars.count))) : s)
        default:
            throw fail("'str' object has no method '\(name)'", at: off)
        }
    }

    /// Python `str.format` with `{}`, `{0}`, `{name}`, `{{`/`}}`; format specs are not supported.
    func pyFormat(_ fmt: String, _ a: Args, at off: Int) throws -> String {
        var out = "", auto = 0
        var it = Array(fmt.unicodeScalars)[...]
        while let c = it.popFirst() {
            if c == "{" {
                if it.first == "{" { it.removeFirst(); out += "{"; continue }
                var field = "", closed = false
                while let d = it.popFirst() {
                    if d == "}" { closed = true; break }
                    field.unicodeScalars.append(d)
                }
                if !closed { throw fail("Single '{' encountered in format string", at: off) }
                if field.contains(":") || field.contains("!") { throw fail("format specs in str.format are not supported: '{\(field)}'", at: off) }
                let v: JV?
                if field.isEmpty { v = auto < a.pos.count ? a.pos[auto] : nil; auto += 1 }
                else if let i = Int(field) { v = i < a.pos.count ? a.pos[i] : nil }
                else { v = a.kw.first { $0.0 == field }?.1 }
                guard let v else { throw fail("str.format: no argument for '{\(field)}'", at: off) }
                out += v.pyStr
            } else if c == "}" {
                guard it.first == "}" else { throw fail("Single '}' encountered in format string", at: off) }
                it.removeFirst()
                out += "}"
            } else { out.unicodeScalars.append(c) }
        }
        try checkBuild(out.utf8.count, at: off)
        return out
    }
}
