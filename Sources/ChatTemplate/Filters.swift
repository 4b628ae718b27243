/// Positional-or-keyword argument access for filters, tests, methods and built-ins.
struct Args {
    let pos: [JV]
    let kw: [(String, JV)]
    func get(_ i: Int, _ name: String) -> JV? {
        if let kv = kw.first(where: { $0.0 == name }) { return kv.1 }
        return i >= 0 && i < pos.count ? pos[i] : nil
    }
    func bool(_ i: Int, _ name: String, _ def: Bool) -> Bool { get(i, name)?.truthy ?? def }
}

/// Jinja's built-in filters plus Hugging Face's `tojson`.
extension Evaluator {
    func applyFilter(_ name: String, _ value: JV, _ rawPos: [JV], _ rawKw: [(String, JV)], _ scope: Scope, at off: Int) throws -> JV {
        guard Signatures.filters[name] != nil else { throw fail("no filter named '\(name)'", at: off) }
        if let problem = Signatures.check(filter: name, positional: rawPos.count, keywords: rawKw.map(\.0)) {
            throw fail(problem, at: off)
        }
        switch name {
        case "safe": if case .markup = value { return value }; return .markup(value.pyStr)
        case "e", "escape": if case .markup = value { return value }; return .markup(Methods.htmlEscape(value.pyStr))
        case "forceescape": return .markup(Methods.htmlEscape(value.pyStr))
        default: break
        }
        let v = value.plain, pos = rawPos.map(\.plain), kw = rawKw.map { ($0.0, $0.1.plain) }
        let a = Args(pos: pos, kw: kw)
        func str(_ x: JV) throws -> String {
            if case .undefined(let u) = x, u.unsafe { throw fail(u.hint, at: off) }
            return x.pyStr
        }
        func list(_ x: JV) throws -> [JV] {
            let items = try iterate(x, at: off)
            try charge(items.count, at: off)
            return items
        }
        switch name {
        case "tojson":
            var d = JSONDumper()
            d.ensureASCII = a.bool(0, "ensure_ascii", false)
            d.sortKeys = a.bool(3, "sort_keys", false)
            if let ind = a.get(1, "indent"), !ind.isNone {
                if case .string(let s) = ind { d.indent = s } else if let n = ind.asInt { d.indent = String(repeating: " ", count: max(0, n)) }
                d.itemSeparator = ","
            }
            if case .array(let seps)? = a.get(2, "separators"), seps.count == 2 {
                d.itemSeparator = seps[0].pyStr; d.keySeparator = seps[1].pyStr
            }
            var out = ""
            var budget = limits.maxSteps - steps
            do { try d.dump(v, into: &out, budget: &budget) } catch JSONDumpError.notSerializable(let t) {
                throw fail("Object of type \(t) is not JSON serializable", at: off)
            } catch {
                throw fail("value too large or deeply nested to convert to JSON", at: off, kind: .limit)
            }
            try checkBuild(out.utf8.count, at: off)
            return .string(out)
        case "length", "count":
            switch v {
            case .string(let s): return .int(s.unicodeScalars.count)
            case .array(let x): return .int(x.count)
            case .dict(let d): return .int(d.count)
            case .undefined(let u): if u.unsafe { throw fail(u.hint, at: off) }; return .int(0)
            case .namespace(let n): return .int(n.attrs.count)
            default: throw fail("object of type '\(v.typeName)' has no len()", at: off)
            }
        case "trim":
            let s = try str(value)
            if let chars = a.get(0, "chars"), !chars.isNone { return .string(Methods.strip(s, chars.pyStr, left: true, right: true)) }
            return .string(Methods.strip(s, nil, left: true, right: true))
        case "upper": return .string(try str(value).uppercased())
        case "lower": return .string(try str(value).lowercased())
        case "capitalize": return .string(Methods.capitalize(try str(value)))
        case "title": return .string(Methods.jinjaTitle(try str(value)))
        case "string": return .string(try str(value))
        case "int":
            let def = a.get(0, "default") ?? .int(0)
            switch v {
            case .undefined(let u): throw fail(u.hint, at: off)
            case .int, .bool: return .int(v.asInt ?? 0)
            case .double(let d): return d.isFinite && abs(d) < 9e18 ? .int(Int(d.rounded(.towardZero))) : def
            case .string(let s):
                let t = Methods.strip(s, nil, left: true, right: true).replacingOccurrences("_", "")
                let base = a.get(1, "base")?.asInt ?? 10
                if let i = Int(t, radix: base) { return .int(i) }
                if let d = Double(t), d.isFinite, abs(d) < 9e18 { return .int(Int(d.rounded(.towardZero))) }
                return def
            default: return def
            }
        case "float":
            let def = a.get(0, "default") ?? .double(0)
            try requireDefined(v, at: off)
            if let d = v.asNumber { return .double(d) }
            if case .string(let s) = v, let d = Double(Methods.strip(s, nil, left: true, right: true)) { return .double(d) }
            return def
        case "abs":
            switch v {
            case .int(let i): return .int(i == .min ? i : abs(i))
            case .bool(let b): return .int(b ? 1 : 0)
            case .double(let d): return .double(abs(d))
            default: throw fail("bad operand type for abs(): '\(v.typeName)'", at: off)
            }
        case "round":
            guard let d = v.asNumber else { throw fail("round: a number is required, not '\(v.typeName)'", at: off) }
            let p = a.get(0, "precision")?.asInt ?? 0
            let method = a.get(1, "method")?.pyStr ?? "common"
            var scale = 1.0
            for _ in 0..<min(max(p, 0), 15) { scale *= 10 }
            let x = d * scale
            let r: Double = method == "ceil" ? x.rounded(.up) : method == "floor" ? x.rounded(.down) : x.rounded(.toNearestOrEven)
            if method == "common", let i = v.asInt { return .int(i) }  // Python: round(int) stays an int
            return .double(r / scale)
        case "list": return .array(try list(v))
        case "first":
            if case .string(let s) = v { return s.unicodeScalars.first.map { .string(String($0)) } ?? .undef("No first item, sequence was empty.") }
            return try list(v).first ?? .undef("No first item, sequence was empty.")
        case "last":
            if case .string(let s) = v { return s.unicodeScalars.last.map { .string(String($0)) } ?? .undef("No last item, sequence was empty.") }
            if case .generator = v { throw fail("'generator' object is not reversible", at: off) }
            return try list(v).last ?? .undef("No last item, sequence was empty.")
        case "reverse":
            if case .string(let s) = v { return .string(String(String.UnicodeScalarView(s.unicodeScalars.reversed()))) }
            return .array(try list(v).reversed())
        case "join":
            var items = try list(v)
            if let attr = a.get(1, "attribute"), !attr.isNone { items = try items.map { try attribute($0, attr, at: off) } }
            let sep = try a.get(0, "d").map(str) ?? ""
            var out = ""
            for (n, x) in items.enumerated() {
                if n > 0 { out += sep }
                out += try str(x)
                try checkBuild(out.utf8.count, at: off)
            }
            return .string(out)
        case "replace":
            let s = try str(value), old = try str(a.get(0, "old") ?? .string("")), new = try str(a.get(1, "new") ?? .string(""))
            let count = a.get(2, "count")?.asInt ?? -1
            let r = try Methods.replace(s, old, new, count: count, check: { try self.checkBuild($0, at: off) })
            return .string(r)
        case "default", "d":
            let def = a.get(0, "default_value") ?? .string("")
            if v.isUndefined || (a.bool(1, "boolean", false) && !v.truthy) { return def }
            return v
        case "items":
            switch v {
            case .dict(let d): try charge(d.count, at: off); return .array(d.items)
            case .undefined: return .array([])
            default: throw fail("'\(v.typeName)' object has no attribute 'items'", at: off)
            }
        case "dictsort":
            guard case .dict(let d) = v else { throw fail("dictsort: a mapping is required, not '\(v.typeName)'", at: off) }
            let byValue = (a.get(1, "by")?.pyStr ?? "key") == "value"
            let cs = a.bool(0, "case_sensitive", false)
            try charge(d.count, at: off)
            var pairs = d.items
            try sortValues(&pairs, key: { if case .tuple(let p) = $0 { return Self.caseFold(p[byValue ? 1 : 0], cs) }; return $0 },
                           reverse: a.bool(2, "reverse", false), at: off)
            return .array(pairs)
        case "sort":
            var items = try list(v)
            let cs = a.bool(1, "case_sensitive", false)
            let attr = a.get(2, "attribute")
            try sortValues(&items, key: { x in Self.caseFold(try attr.map { try self.attribute(x, $0, at: off) } ?? x, cs) },
                           reverse: a.bool(0, "reverse", false), at: off)
            return .array(items)
        case "unique":
            let items = try list(v)
            let cs = a.bool(0, "case_sensitive", false)
            let attr = a.get(1, "attribute")
            var seen: [JV] = [], out: [JV] = []
            for x in items {
                let k = Self.caseFold(try attr.map { try attribute(x, $0, at: off) } ?? x, cs)
                if !seen.contains(where: { pyEqual($0, k) }) { seen.append(k); out.append(x) }
                try charge(seen.count / 16, at: off)
            }
            return .array(out)
        case "min", "max":
            var items = try list(v)
            let cs = a.bool(0, "case_sensitive", false)
            let attr = a.get(1, "attribute")
            guard !items.isEmpty else { return .undef("No aggregated item, sequence was empty.") }
            try sortValues(&items, key: { x in Self.caseFold(try attr.map { try self.attribute(x, $0, at: off) } ?? x, cs) }, reverse: false, at: off)
            return name == "min" ? items[0] : items[items.count - 1]
        case "sum":
            var total = a.get(1, "start") ?? .int(0)
            let attr = a.get(0, "attribute")
            for x in try list(v) { total = try binary("+", total, try attr.map { try attribute(x, $0, at: off) } ?? x, at: off) }
            return total
        case "map":
            let items = v.truthy ? try list(v) : []
            if let attr = a.get(-1, "attribute") {
                let def = a.get(-1, "default")
                return .generator(try items.map { x in
                    let r = try attribute(x, attr, at: off)
                    if r.isUndefined, let def { return def }
                    return r
                })
            }
            guard let fname = pos.first?.pyStr else { throw fail("map: a filter name or attribute= is required", at: off) }
            let rest = Array(pos.dropFirst())
            return .generator(try items.map { try applyFilter(fname, $0, rest, kw, scope, at: off) })
        case "select", "reject", "selectattr", "rejectattr":
            let items = v.truthy ? try list(v) : []
            let byAttr = name.hasSuffix("attr")
            let want = name.hasPrefix("select")
            var rest = pos
            var attr: JV? = nil
            if byAttr {
                guard !rest.isEmpty else { throw fail("\(name): an attribute name is required", at: off) }
                attr = rest.removeFirst()
            }
            let testName = rest.isEmpty ? nil : rest.removeFirst().pyStr
            var out: [JV] = []
            for x in items {
                let subject = try attr.map { try attribute(x, $0, at: off) } ?? x
                let ok = try testName.map { try applyTest($0, subject, rest, scope, at: off) } ?? subject.truthy
                if ok == want { out.append(x) }
            }
            return .generator(out)
        case "indent":
            guard value.isStringLike else { throw fail("indent: a string is required, not '\(value.typeName)'", at: off) }
            let s = try str(value)
            var pad = "    "
            if let w = a.get(0, "width") { if case .string(let p) = w { pad = p } else { pad = String(repeating: " ", count: max(0, w.asInt ?? 4)) } }
            let first = a.bool(1, "first", false), blank = a.bool(2, "blank", false)
            var lines = s.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
            for n in lines.indices where n > 0 || first {
                if n == 0 || blank || !lines[n].isEmpty { lines[n] = (n == 0 && !first) ? lines[n] : pad + lines[n] }
            }
            let out = lines.joined(separator: "\n")
            try checkBuild(out.utf8.count, at: off)
            return .string(out)
        case "center":
            let s = try str(value)
            let w = a.get(0, "width")?.asInt ?? 80
            return .string(Methods.center(s, w))
        case "wordcount":
            // Runs of word characters, like the reference's `\w+`.
            var words = 0, inWord = false
            for u in try str(value).unicodeScalars {
                let isWord = u == "_" || u.properties.isAlphabetic || u.properties.numericType != nil
                if isWord && !inWord { words += 1 }
                inWord = isWord
            }
            return .int(words)
        case "batch":
            let items = try list(v)
            let n = max(1, a.get(0, "linecount")?.asInt ?? 1)
            var out: [JV] = []
            var cur: [JV] = []
            for x in items { cur.append(x); if cur.count == n { out.append(.array(cur)); cur = [] } }
            if !cur.isEmpty {
                if let fill = a.get(1, "fill_with") { while cur.count < n { cur.append(fill) } }
                out.append(.array(cur))
            }
            try checkNesting(.array(out), at: off)
            return .array(out)
        case "format":
            return .string(try percentFormat(try str(value), .tuple(pos), at: off))
        case "attr":
            return try getAttr(v, try str(a.get(0, "name") ?? .string("")), at: off)
        case "pprint": return .string(v.pyRepr)
        default:
            throw fail("no filter named '\(name)'", at: off)
        }
    }

    /// `attribute="a.b"` and `attribute=0` lookups used by map/selectattr/sort/join.
    func attribute(_ x: JV, _ attr: JV, at off: Int) throws -> JV {
        if let i = attr.asInt { return try getItem(x, .int(i), at: off) }
        var cur = x
        for part in attr.pyStr.split(separator: ".", omittingEmptySubsequences: false) {
            if let i = Int(part) { cur = try getItem(cur, .int(i), at: off) } else { cur = try getItem(cur, .string(String(part)), at: off) }
        }
        return cur
    }

    static func caseFold(_ v: JV, _ caseSensitive: Bool) -> JV {
        if !caseSensitive, case .string(let s) = v { return .string(s.lowercased()) }
        return v
    }

    /// Stable sort with Python ordering; incomparable types are an error.
    func sortValues(_ items: inout [JV], key: (JV) throws -> JV, reverse: Bool, at off: Int) throws {
        try charge(items.count, at: off)
        var keyed = try items.enumerated().map { ($0.offset, try key($0.element), $0.element) }
        var failure: TemplateError? = nil
        keyed.sort { x, y in
            if failure != nil { return false }
            guard let lt = pyLess(x.1, y.1), let gt = pyLess(y.1, x.1) else {
                failure = fail("'<' not supported between instances of '\(x.1.typeName)' and '\(y.1.typeName)'", at: off)
                return false
            }
            if lt || gt { return reverse ? gt : lt }
            return x.0 < y.0
        }
        if let failure { throw failure }
        items = keyed.map(\.2)
    }
}
