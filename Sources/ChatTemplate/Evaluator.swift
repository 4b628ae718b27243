/// Executes statements: output, control flow, assignment, macros. One evaluator per render; it carries
/// the sandbox counters (steps, call depth, output size), so nothing is shared between renders.
final class Evaluator {
    let src: [UInt8]
    let limits: TemplateLimits
    let now: Double?
    var steps = 0
    var callDepth = 0
    /// Scopes that hold macros: cleared after the render to break scope ↔ macro reference cycles.
    var macroScopes: [Scope] = []
    /// Stack address where rendering started; recursion deeper than `limits.maxStackBytes` below it stops.
    var stackBase: UInt = 0

    enum Flow { case normal, breakLoop, continueLoop }

    init(src: [UInt8], limits: TemplateLimits, now: Double?) {
        self.src = src
        self.limits = limits
        self.now = now
    }

    deinit { for s in macroScopes { s.vars = [:] } }

    func fail(_ msg: String, at offset: Int, kind: TemplateError.Kind = .runtime) -> TemplateError {
        let (l, c) = SourceMap.lineColumn(src, offset)
        return TemplateError(kind: kind, message: msg, line: l, column: c)
    }

    /// Counts work against `limits.maxSteps`.
    func charge(_ n: Int, at offset: Int) throws {
        steps += n
        if steps > limits.maxSteps {
            throw fail("the template did more than \(limits.maxSteps) steps of work (loop iterations, elements, bytes built); it looks like a runaway loop", at: offset, kind: .limit)
        }
    }

    /// A macro call costs this many steps (a fresh scope and output buffer; fan-out recursion stays fast).
    static let callCost = 16

    /// Checks a string about to be built (`byteCount` UTF-8 bytes) against the size limit and charges for it.
    func checkBuild(_ byteCount: Int, at offset: Int) throws {
        if byteCount > limits.maxOutputBytes {
            throw fail("the template built a string of \(byteCount) bytes, more than the \(limits.maxOutputBytes)-byte limit", at: offset, kind: .limit)
        }
        try charge(byteCount >> 6, at: offset)
    }

    /// Values may nest at most this deep (deeper ones could exhaust the stack when printed or freed).
    static let maxNesting = 64

    /// Rejects a freshly built container nested deeper than `maxNesting`; charges one step per value visited.
    func checkNesting(_ v: JV, at offset: Int) throws {
        var visits = 0
        func depth(_ v: JV, _ level: Int) -> Int {
            visits += 1
            guard level <= Evaluator.maxNesting else { return level }
            var deepest = level
            switch v {
            case .array(let a), .tuple(let a), .generator(let a):
                for x in a where deepest <= Evaluator.maxNesting { deepest = max(deepest, depth(x, level + 1)) }
            case .dict(let d):
                for k in d.keys where deepest <= Evaluator.maxNesting { deepest = max(deepest, depth(d[k] ?? JV.none, level + 1)) }
            case .namespace(let n):
                for k in n.attrs.keys where deepest <= Evaluator.maxNesting { deepest = max(deepest, depth(n.attrs[k] ?? JV.none, level + 1)) }
            default: break
            }
            return deepest
        }
        let d = depth(v, 0)
        try charge(visits, at: offset)
        if d > Evaluator.maxNesting {
            throw fail("values nested more than \(Evaluator.maxNesting) levels deep", at: offset, kind: .limit)
        }
    }

    func emit(_ s: String, into out: inout String, at offset: Int) throws {
        if out.utf8.count + s.utf8.count > limits.maxOutputBytes {
            throw fail("the rendered output exceeds the \(limits.maxOutputBytes)-byte limit", at: offset, kind: .limit)
        }
        try charge(s.utf8.count >> 8, at: offset)
        out += s
    }

    func exec(_ nodes: [Node], _ scope: Scope, _ out: inout String) throws -> Flow {
        for node in nodes {
            let flow = try exec(node, scope, &out)
            if flow != .normal { return flow }
        }
        return .normal
    }

    /// Records where the stack starts (call at the top of a render).
    func markStackBase() {
        var marker: UInt8 = 0
        stackBase = withUnsafeMutablePointer(to: &marker) { UInt(bitPattern: $0) }
    }

    /// Stops recursion before it can overflow the thread's stack.
    @inline(__always)
    func checkStack(at offset: Int) throws {
        var marker: UInt8 = 0
        let here = withUnsafeMutablePointer(to: &marker) { UInt(bitPattern: $0) }
        if stackBase > here && stackBase - here > UInt(limits.maxStackBytes) {
            throw fail("the template nests too deeply (more than \(limits.maxStackBytes >> 10) KiB of stack)", at: offset, kind: .limit)
        }
    }

    func exec(_ node: Node, _ scope: Scope, _ out: inout String) throws -> Flow {
        try checkStack(at: 0)
        switch node {
        case .text(let t):
            try emit(t, into: &out, at: 0)
        case .output(let e):
            let v = try eval(e, scope)
            try emit(try toOutput(v, at: e.offset), into: &out, at: e.offset)
        case .ifBlock(let branches, let elseBody):
            for (cond, body) in branches where try eval(cond, scope).truthy {
                return try exec(body, scope, &out)
            }
            if let elseBody { return try exec(elseBody, scope, &out) }
        case .forLoop(let target, let iterExpr, let filter, let body, let elseBody, let offset):
            try execFor(target, iterExpr, filter, body, elseBody, offset, scope, &out)
        case .set(let target, let e, let offset):
            try assign(target, try eval(e, scope), scope, at: offset)
        case .setBlock(let target, let body, let filters, let offset):
            var buf = ""
            _ = try exec(body, scope, &buf)
            var v = JV.string(buf)
            for (name, args, kwargs, foff) in filters {
                v = try applyFilter(name, v, try args.map { try eval($0, scope) }, try kwargs.map { ($0.0, try eval($0.1, scope)) }, scope, at: foff)
            }
            try assign(target, v, scope, at: offset)
        case .macro(let def):
            scope.vars[def.name] = .function(JFunction(def.name, .macro(def, scope)))
            macroScopes.append(scope)
        case .callBlock(let call, let params, let body, let offset):
            guard case .call(let calleeExpr, let argExprs, let kwExprs, _) = call else { return .normal }
            let callee = try eval(calleeExpr, scope)
            let args = try argExprs.map { try eval($0, scope) }
            var kwargs = try kwExprs.map { ($0.0, try eval($0.1, scope)) }
            kwargs.append(("caller", .function(JFunction("caller", .caller(params, body, scope)))))
            macroScopes.append(scope)
            let v = try callValue(callee, args, kwargs, scope, at: offset)
            try emit(try toOutput(v, at: offset), into: &out, at: offset)
        case .filterBlock(let filters, let body):
            if filters.isEmpty { return try exec(body, scope, &out) }
            var buf = ""
            let flow = try exec(body, scope, &buf)
            var v = JV.string(buf)
            for (name, args, kwargs, foff) in filters {
                v = try applyFilter(name, v, try args.map { try eval($0, scope) }, try kwargs.map { ($0.0, try eval($0.1, scope)) }, scope, at: foff)
            }
            try emit(v.pyStr, into: &out, at: 0)
            return flow
        case .with(let assigns, let body):
            let inner = Scope(parent: scope)
            for (n, e) in assigns { inner.vars[n] = try eval(e, scope) }
            return try exec(body, inner, &out)
        case .breakLoop: return .breakLoop
        case .continueLoop: return .continueLoop
        }
        return .normal
    }

    /// What `{{ v }}` prints: Python `str(v)`, undefined as empty.
    func toOutput(_ v: JV, at offset: Int) throws -> String {
        if case .undefined(let u) = v, u.unsafe { throw fail(u.hint, at: offset) }
        return v.pyStr
    }

    func assign(_ target: Target, _ v: JV, _ scope: Scope, at offset: Int) throws {
        switch target {
        case .name(let n):
            scope.vars[n] = v
        case .tuple(let names):
            let items = try iterate(v, at: offset)
            guard items.count == names.count else {
                throw fail("cannot unpack \(items.count) values into \(names.count) names", at: offset)
            }
            for (n, x) in zip(names, items) { scope.vars[n] = x }
        case .attribute(let obj, let attr):
            guard case .namespace(let ns)? = scope.lookup(obj) else {
                throw fail("cannot assign attribute '\(attr)' on '\(obj)': it is not a namespace() object", at: offset)
            }
            ns.attrs[attr] = v
            try checkNesting(.namespace(ns), at: offset)
        }
    }

    /// The elements a `for` loop or filter visits: list items, dict keys, string characters.
    func iterate(_ v: JV, at offset: Int) throws -> [JV] {
        switch v.plain {
        case .array(let a), .generator(let a), .tuple(let a): return a
        case .dict(let d): return d.keyValues
        case .string(let s): return s.unicodeScalars.map { .string(String($0)) }
        case .undefined(let u):
            if u.unsafe { throw fail(u.hint, at: offset) }
            return []
        case .namespace, .none, .bool, .int, .double, .function, .loop, .markup:
            throw fail("'\(v.typeName)' object is not iterable", at: offset)
        }
    }

    func execFor(_ target: Target, _ iterExpr: Expr, _ filter: Expr?, _ body: [Node], _ elseBody: [Node]?,
                 _ offset: Int, _ scope: Scope, _ out: inout String) throws {
        var items = try iterate(try eval(iterExpr, scope), at: iterExpr.offset)
        if let filter {
            var kept: [JV] = []
            for item in items {
                try charge(1, at: offset)
                let s = Scope(parent: scope)
                try assign(target, item, s, at: offset)
                if try eval(filter, s).truthy { kept.append(item) }
            }
            items = kept
        }
        if items.isEmpty {
            if let elseBody { _ = try exec(elseBody, scope, &out) }
            return
        }
        // `loop.depth` counts recursive-loop levels only; nested plain loops are each at depth 1.
        let box = LoopBox(items: items, depth: 1)
        // One scope per loop, emptied each iteration: assignments in the body do not carry over, as in the reference.
        let s = Scope(parent: scope)
        for (n, item) in items.enumerated() {
            try charge(1, at: offset)
            box.index0 = n
            if !s.vars.isEmpty { s.vars.removeAll(keepingCapacity: true) }
            try assign(target, item, s, at: offset)
            s.vars["loop"] = .loop(box)
            if try exec(body, s, &out) == .breakLoop { break }
        }
    }

    /// Calls a macro or `caller`: binds parameters in a fresh scope over the definition scope.
    func callMacro(_ name: String, _ params: [(String, Expr?)], _ body: [Node], _ defScope: Scope,
                   _ args: [JV], _ kwargs: [(String, JV)], at offset: Int) throws -> JV {
        try charge(Evaluator.callCost, at: offset)
        callDepth += 1
        defer { callDepth -= 1 }
        guard callDepth <= limits.maxCallDepth else {
            throw fail("macro calls nested more than \(limits.maxCallDepth) deep (runaway recursion in '\(name)')", at: offset, kind: .limit)
        }
        let s = Scope(parent: defScope)
        var extra: [JV] = []
        for (n, a) in args.enumerated() {
            if n < params.count { s.vars[params[n].0] = a } else { extra.append(a) }
        }
        var extraKw = JDict()
        for (k, v) in kwargs {
            if params.contains(where: { $0.0 == k }) || k == "caller" { s.vars[k] = v } else { extraKw[k] = v }
        }
        for (n, d) in params where s.vars[n] == nil {
            s.vars[n] = try d.map { try eval($0, s) } ?? .undef("parameter '\(n)' of '\(name)' was not provided")
        }
        if !extra.isEmpty || params.isEmpty { s.vars["varargs"] = .tuple(extra) }
        if extraKw.count > 0 || params.isEmpty { s.vars["kwargs"] = .dict(extraKw) }
        var buf = ""
        _ = try exec(body, s, &buf)
        return .string(buf)
    }
}
