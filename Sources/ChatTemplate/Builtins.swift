import Foundation

/// Global functions: Jinja's `range`, `dict`, `namespace`, `joiner`-free subset, plus Hugging Face's
/// `raise_exception` and `strftime_now`.
enum Builtins {
    static let names: Set<String> = ["range", "dict", "namespace", "raise_exception", "strftime_now"]
    /// The reference sandbox refuses ranges longer than this.
    static let maxRange = 100_000
}

extension Evaluator {
    func callBuiltin(_ name: String, _ pos: [JV], _ kw: [(String, JV)], at off: Int) throws -> JV {
        switch name {
        case "range":
            let ints = try pos.map { v -> Int in
                guard let i = v.asInt else { throw fail("range() arguments must be integers, got '\(v.typeName)'", at: off) }
                return i
            }
            var start = 0, stop = 0, step = 1
            switch ints.count {
            case 1: stop = ints[0]
            case 2: start = ints[0]; stop = ints[1]
            case 3: start = ints[0]; stop = ints[1]; step = ints[2]
            default: throw fail("range() expects 1 to 3 integer arguments", at: off)
            }
            guard step != 0 else { throw fail("range() step must not be zero", at: off) }
            let span = step > 0 ? Double(stop) - Double(start) : Double(start) - Double(stop)
            let count = span <= 0 ? 0.0 : (span / Double(abs(step))).rounded(.up)
            guard count <= Double(Builtins.maxRange) else {
                throw fail("range too big: the sandbox allows at most \(Builtins.maxRange) items", at: off, kind: .limit)
            }
            try charge(Int(count), at: off)
            return .array(stride(from: start, to: stop, by: step).map(JV.int))
        case "dict":
            var d = JDict()
            if let first = pos.first { d = try mapping(first, at: off) }
            for (k, v) in kw { d[k] = v }
            try checkNesting(.dict(d), at: off)
            return .dict(d)
        case "namespace":
            let ns = NamespaceBox()
            if let first = pos.first { ns.attrs = try mapping(first, at: off) }
            for (k, v) in kw { ns.attrs[k] = v }
            try checkNesting(.namespace(ns), at: off)
            return .namespace(ns)
        case "raise_exception":
            throw fail((pos.first ?? kw.first?.1 ?? .string("")).pyStr, at: off, kind: .raised)
        case "strftime_now":
            guard case .string(let fmt)? = pos.first else { throw fail("strftime_now() needs a format string", at: off) }
            return .string(strftime(fmt, at: off))
        default:
            throw fail("'\(name)' is undefined", at: off)
        }
    }

    /// Python `dict(x)`: a mapping, or pairs.
    func mapping(_ v: JV, at off: Int) throws -> JDict {
        if case .dict(let d) = v { return d }
        if case .undefined(let u) = v { throw fail(u.hint, at: off) }
        var d = JDict()
        for item in try iterate(v, at: off) {
            let pair = try iterate(item, at: off)
            guard pair.count == 2 else { throw fail("dictionary update sequence element has length \(pair.count); 2 is required", at: off) }
            d.set(key: pair[0].plain, pair[1])
        }
        return d
    }

    /// C `strftime` over the context clock (UTC when given, local time otherwise).
    func strftime(_ fmt: String, at off: Int) -> String {
        var t = time_t(now ?? Date().timeIntervalSince1970)
        var parts = tm()
        if now != nil { gmtime_r(&t, &parts) } else { localtime_r(&t, &parts) }
        var buf = [Int8](repeating: 0, count: 512)
        let n = Foundation.strftime(&buf, buf.count, fmt, &parts)
        return String(decoding: buf[0..<n].map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}
