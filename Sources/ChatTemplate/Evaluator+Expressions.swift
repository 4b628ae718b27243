/// Expression evaluation with Python/Jinja semantics.
extension Evaluator {
    func eval(_ e: Expr, _ scope: Scope) throws -> JV {
        try checkStack(at: e.offset)
        switch e {
        case .literal(let v, _): return v
        case .name(let n, _):
            if let v = scope.lookup(n) { return v }
            if Builtins.names.contains(n) { return .function(JFunction(n, .builtin(n))) }
            return .undef("'\(n)' is undefined")
        case .list(let items, let off):
            let v = JV.array(try items.map { try eval($0, scope) })
            try checkNesting(v, at: off)
            return v
        case .tuple(let items, let off):
            let v = JV.tuple(try items.map { try eval($0, scope) })
            try checkNesting(v, at: off)
            return v
        case .dict(let pairs, let off):
            var d = JDict()
            for (k, v) in pairs {
                let key = try eval(k, scope)
                guard case .string(let ks) = key else {
                    if key.asNumber != nil || key.isNone { d.set(key: key, try eval(v, scope)); continue }
                    throw fail("dictionary keys must be strings, got '\(key.typeName)'", at: off)
                }
                d[ks] = try eval(v, scope)
            }
            try checkNesting(.dict(d), at: off)
            return .dict(d)
        case .attribute(let base, let name, let off):
            return try getAttr(try eval(base, scope), name, at: off)
        case .subscriptIndex(let base, let idx, let off):
            return try getItem(try eval(base, scope), try eval(idx, scope), at: off)
        case .slice(let base, let a, let b, let c, let off):
            let v = try eval(base, scope)
            return try slice(v, try a.map { try eval($0, scope) }, try b.map { try eval($0, scope) },
                             try c.map { try eval($0, scope) }, at: off)
        case .call(let callee, let argExprs, let kwExprs, let off):
            let f = try eval(callee, scope)
            let args = try argExprs.map { try eval($0, scope) }
            let kwargs = try kwExprs.map { ($0.0, try eval($0.1, scope)) }
            return try callValue(f, args, kwargs, scope, at: off)
        case .filter(let base, let name, let argExprs, let kwExprs, let off):
            let v = try eval(base, scope)
            return try applyFilter(name, v, try argExprs.map { try eval($0, scope) },
                                   try kwExprs.map { ($0.0, try eval($0.1, scope)) }, scope, at: off)
        case .test(let base, let name, let argExprs, let negated, let off):
            let v = try eval(base, scope)
            let r = try applyTest(name, v, try argExprs.map { try eval($0, scope) }, scope, at: off)
            return .bool(negated ? !r : r)
        case .unary(let op, let x, let off):
            let v = try eval(x, scope)
            try requireDefined(v, at: off)
            switch v {
            case .int(let i): return op == "-" ? (i == .min ? .double(-Double(i)) : .int(-i)) : .int(i)
            case .bool(let b): return .int(op == "-" ? (b ? -1 : 0) : (b ? 1 : 0))
            case .double(let d): return .double(op == "-" ? -d : d)
            default: throw fail("bad operand type for unary \(op): '\(v.typeName)'", at: off)
            }
        case .binary(let op, let l, let r, let off):
            return try binary(op, try eval(l, scope), try eval(r, scope), at: off)
        case .and(let l, let r, _):
            let a = try eval(l, scope)
            return a.truthy ? try eval(r, scope) : a
        case .or(let l, let r, _):
            let a = try eval(l, scope)
            return a.truthy ? a : try eval(r, scope)
        case .not(let x, _): return .bool(!(try eval(x, scope).truthy))
        case .compare(let first, let ops, let off):
            var left = try eval(first, scope)
            for (op, rexpr) in ops {
                let right = try eval(rexpr, scope)
                if !(try compare(op, left, right, at: off)) { return .bool(false) }
                left = right
            }
            return .bool(true)
        case .concat(let items, let off):
            var s = ""
            for item in items {
                let v = try eval(item, scope)
                if case .undefined(let u) = v, u.unsafe { throw fail(u.hint, at: off) }
                s += v.pyStr
                try checkBuild(s.utf8.count, at: off)
            }
            return .string(s)
        case .ternary(let cond, let then, let other, _):
            if try eval(cond, scope).truthy { return try eval(then, scope) }
            return try other.map { try eval($0, scope) } ?? .undef("the inline if expression was false and had no else")
        }
    }

    func requireDefined(_ v: JV, at offset: Int) throws {
        if case .undefined(let u) = v { throw fail(u.hint, at: offset) }
    }

    /// `obj.name`: Python attribute first (methods), then item.
    func getAttr(_ value: JV, _ name: String, at offset: Int) throws -> JV {
        let obj = value.plain
        switch obj {
        case .undefined(let u): throw fail(u.hint, at: offset)
        case .dict(let d):
            if Methods.dictMethods.contains(name) { return .function(JFunction(name, .method(obj, name))) }
            if Methods.mutating.contains(name) { return unsafe(name, obj) }
            if let v = d[name] { return v }
        case .string:
            if Methods.stringMethods.contains(name) { return .function(JFunction(name, .method(obj, name))) }
        case .array:
            if Methods.listMethods.contains(name) { return .function(JFunction(name, .method(obj, name))) }
            if Methods.mutating.contains(name) { return unsafe(name, obj) }
        case .namespace(let ns):
            if let v = ns.attrs[name] { return v }
        case .loop(let box):
            if let v = loopAttribute(box, name) { return v }
        default: break
        }
        return .undef("'\(obj.typeName) object' has no attribute '\(name)'")
    }

    private func unsafe(_ name: String, _ obj: JV) -> JV {
        .undefined(Undefined(hint: "access to attribute '\(name)' of '\(obj.typeName)' object is unsafe (templates cannot modify values)", unsafe: true))
    }

    func loopAttribute(_ box: LoopBox, _ name: String) -> JV? {
        let n = box.items.count, i = box.index0
        switch name {
        case "index": return .int(i + 1)
        case "index0": return .int(i)
        case "revindex": return .int(n - i)
        case "revindex0": return .int(n - i - 1)
        case "first": return .bool(i == 0)
        case "last": return .bool(i == n - 1)
        case "length": return .int(n)
        case "depth": return .int(box.depth)
        case "depth0": return .int(box.depth - 1)
        case "previtem": return i > 0 ? box.items[i - 1] : .undef("there is no previous item")
        case "nextitem": return i + 1 < n ? box.items[i + 1] : .undef("there is no next item")
        case "cycle": return .function(JFunction("cycle", .loopCycle(box)))
        default: return nil
        }
    }

    /// `obj[key]`: item first, then attribute for string keys.
    func getItem(_ value: JV, _ rawKey: JV, at offset: Int) throws -> JV {
        let obj = value.plain, key = rawKey.plain
        switch (obj, key) {
        case (.undefined(let u), _): throw fail(u.hint, at: offset)
        case (.dict(let d), .string(let k)):
            if let v = d[k] { return v }
        case (.dict(let d), _) where key.asNumber != nil:
            if let v = d[key.pyStr] { return v }
        case (.array(let a), _) where key.asInt != nil:
            let i = key.asInt ?? 0
            let j = i < 0 ? a.count + i : i
            if j >= 0 && j < a.count { return a[j] }
            return .undef("list index \(i) out of range")
        case (.string(let s), _) where key.asInt != nil:
            let scalars = Array(s.unicodeScalars)
            let i = key.asInt ?? 0
            let j = i < 0 ? scalars.count + i : i
            if j >= 0 && j < scalars.count { return .string(String(scalars[j])) }
            return .undef("string index \(i) out of range")
        default: break
        }
        if case .string(let k) = key { return try getAttr(obj, k, at: offset) }
        return .undef("'\(obj.typeName) object' has no element \(key.pyRepr)")
    }

    func slice(_ v: JV, _ a: JV?, _ b: JV?, _ c: JV?, at offset: Int) throws -> JV {
        func bound(_ x: JV?) throws -> Int? {
            guard let x, !x.isNone else { return nil }
            guard let i = x.asInt else { throw fail("slice indices must be integers or None, got '\(x.typeName)'", at: offset) }
            return i
        }
        let step = try bound(c) ?? 1
        guard step != 0 else { throw fail("slice step cannot be zero", at: offset) }
        func indices(_ n: Int) throws -> [Int] {
            var start = try bound(a), stop = try bound(b)
            if step > 0 {
                var s = start ?? 0, e = stop ?? n
                if s < 0 { s = max(0, s + n) }; if e < 0 { e = max(0, e + n) }
                s = min(s, n); e = min(e, n)
                start = s; stop = e
                return s < e ? Array(stride(from: s, to: e, by: step)) : []
            }
            var s = start ?? n - 1, e = stop ?? -n - 1
            if s < 0 { s += n }; if s >= n { s = n - 1 }
            if stop != nil && e < 0 { e = max(-1, e + n) } else if stop == nil { e = -1 }
            return s > e ? Array(stride(from: s, to: e, by: step)) : []
        }
        switch v.plain {
        case .array(let arr): return .array(try indices(arr.count).map { arr[$0] })
        case .string(let s):
            let sc = Array(s.unicodeScalars)
            var out = String.UnicodeScalarView()
            for i in try indices(sc.count) { out.append(sc[i]) }
            return .string(String(out))
        case .undefined(let u): throw fail(u.hint, at: offset)
        default: throw fail("'\(v.typeName)' object is not subscriptable", at: offset)
        }
    }

    func compare(_ op: String, _ a: JV, _ b: JV, at offset: Int) throws -> Bool {
        switch op {
        case "==": return pyEqual(a, b)
        case "!=": return !pyEqual(a, b)
        case "in": return try contains(b, a, at: offset)
        case "notin": return !(try contains(b, a, at: offset))
        default:
            try requireDefined(a, at: offset)
            try requireDefined(b, at: offset)
            let lt: Bool?
            switch op {
            case "<": lt = pyLess(a, b)
            case ">": lt = pyLess(b, a)
            case "<=": lt = pyLess(b, a).map { !$0 }
            default: lt = pyLess(a, b).map { !$0 }
            }
            guard let r = lt else {
                throw fail("'\(op)' not supported between instances of '\(a.typeName)' and '\(b.typeName)'", at: offset)
            }
            return r
        }
    }

    /// Python `needle in haystack`.
    func contains(_ rawHaystack: JV, _ rawNeedle: JV, at offset: Int) throws -> Bool {
        let haystack = rawHaystack.plain, needle = rawNeedle.plain
        switch haystack {
        case .string(let s):
            guard case .string(let n) = needle else {
                throw fail("'in <string>' requires string as left operand, not \(needle.typeName)", at: offset)
            }
            return n.isEmpty || s.contains(n)
        case .array(let a): return a.contains { pyEqual($0, needle) }
        case .dict(let d):
            if case .string(let k) = needle { return d[k] != nil }
            return false
        case .undefined(let u):
            if u.unsafe { throw fail(u.hint, at: offset) }
            return false
        default:
            throw fail("argument of type '\(haystack.typeName)' is not iterable", at: offset)
        }
    }

    func callValue(_ f: JV, _ args: [JV], _ kwargs: [(String, JV)], _ scope: Scope, at offset: Int) throws -> JV {
        guard case .function(let fn) = f else {
            if case .undefined(let u) = f { throw fail(u.hint, at: offset) }
            throw fail("'\(f.typeName)' object is not callable", at: offset)
        }
        switch fn.kind {
        case .macro(let def, let defScope):
            if !def.takesVarargs && args.count > def.params.count {
                throw fail("macro '\(def.name)' takes not more than \(def.params.count) argument(s)", at: offset)
            }
            if !def.takesKwargs, let extra = kwargs.first(where: { k in k.0 != "caller" && !def.params.contains { $0.0 == k.0 } }) {
                throw fail("macro '\(def.name)' takes no keyword argument '\(extra.0)'", at: offset)
            }
            return try callMacro(def.name, def.params, def.body, defScope, args, kwargs, at: offset)
        case .caller(let params, let body, let defScope):
            return try callMacro("caller", params, body, defScope, args, kwargs, at: offset)
        case .builtin(let name):
            return try callBuiltin(name, args, kwargs, at: offset)
        case .method(let recv, let name):
            return try callMethod(recv, name, args, kwargs, at: offset)
        case .loopCycle(let box):
            guard !args.isEmpty else { throw fail("loop.cycle() needs at least one value", at: offset) }
            return args[box.index0 % args.count]
        }
    }
}
