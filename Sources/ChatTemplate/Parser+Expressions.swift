/// Expression grammar, loosest first (as in the reference):
/// ternary → or → and → not → compare (`==`, `in`, `not in`…) → `+ -` → `~` → `* / // %` → `**`
/// → unary `-` → primary with postfix (`.x`, `[i]`, `[a:b:c]`, `(…)`) → filters `|f` and tests `is t`.
extension Parser {
    mutating func nest<T>(_ body: (inout Parser) throws -> T) throws -> T {
        depth += 1
        defer { depth -= 1 }
        guard depth <= Parser.maxDepth else { throw error("expression nested too deeply (more than \(Parser.maxDepth) levels)") }
        return try body(&self)
    }

    /// Left-deep chains (`a + b + c`, `x.a.b`, `x|f|g`) nest the tree as much as parentheses do.
    mutating func grow(_ grown: inout Int) throws {
        grown += 1
        depth += 1
        guard depth <= Parser.maxDepth else { throw error("expression nested too deeply (more than \(Parser.maxDepth) levels)") }
    }

    /// An unknown filter or test outside an `if`: an error now, or once the expression proves not to be an inline if.
    mutating func unknown(_ msg: String, at off: Int) throws {
        if !tentative { throw error(msg, at: off) }
        if pendingUnknown == nil { pendingUnknown = (msg, off) }
    }

    /// An expression, or several separated by commas (a tuple, represented as a list).
    mutating func parseTuple(allowTernary: Bool = true) throws -> Expr {
        let off = current.offset
        let first = allowTernary ? try parseExpr() : try parseOr()
        guard isOp(",") else { return first }
        var items = [first]
        while skipOp(",") {
            if isBlockEnd || isName("if") || isOp(")") { break }
            if case .varEnd = currentKind { break }
            items.append(allowTernary ? try parseExpr() : try parseOr())
        }
        return .tuple(items, off)
    }

    mutating func parseExpr() throws -> Expr {
        try nest { p in
            let off = p.current.offset
            // An inline if makes its whole expression "soft"; that is only known after its first part, so
            // unknown names seen before are held until then.
            let outermost = !p.soft && !p.tentative
            if outermost { p.tentative = true; p.pendingUnknown = nil }
            defer { if outermost { p.tentative = false } }
            let pendingBefore = p.pendingUnknown
            var e = try p.parseOr()
            if outermost && !p.isName("if"), let (msg, at) = p.pendingUnknown { throw p.error(msg, at: at) }
            if p.isName("if") && p.tentative {
                // A nested inline if is soft too: forget what it recorded.
                defer { p.pendingUnknown = pendingBefore }
                while p.skipName("if") {
                    let cond = try p.parseOr()
                    let other: Expr? = p.skipName("else") ? try p.parseExpr() : nil
                    e = .ternary(cond: cond, then: e, else: other, off)
                }
                return e
            }
            while p.skipName("if") {
                let cond = try p.parseOr()
                let other: Expr? = p.skipName("else") ? try p.parseExpr() : nil
                e = .ternary(cond: cond, then: e, else: other, off)
            }
            return e
        }
    }

    mutating func parseOr() throws -> Expr {
        var e = try parseAnd()
        var grown = 0
        defer { depth -= grown }
        while isName("or") {
            try grow(&grown); let off = current.offset; advance(); e = .or(e, try parseAnd(), off) }
        return e
    }

    mutating func parseAnd() throws -> Expr {
        var e = try parseNot()
        var grown = 0
        defer { depth -= grown }
        while isName("and") {
            try grow(&grown); let off = current.offset; advance(); e = .and(e, try parseNot(), off) }
        return e
    }

    mutating func parseNot() throws -> Expr {
        if isName("not") {
            let off = current.offset
            advance()
            return try nest { p in .not(try p.parseNot(), off) }
        }
        return try parseCompare()
    }

    mutating func parseCompare() throws -> Expr {
        let off = current.offset
        let left = try parseMath1()
        var ops: [(String, Expr)] = []
        while true {
            if case .op(let o) = currentKind, ["==", "!=", "<", "<=", ">", ">="].contains(o) {
                advance(); ops.append((o, try parseMath1()))
            } else if isName("in") {
                advance(); ops.append(("in", try parseMath1()))
            } else if isName("not"), i + 1 < tokens.count, case .name("in") = tokens[i + 1].kind {
                advance(); advance(); ops.append(("notin", try parseMath1()))
            } else { break }
        }
        return ops.isEmpty ? left : .compare(left, ops, off)
    }

    mutating func parseMath1() throws -> Expr {
        var e = try parseConcat()
        var grown = 0
        defer { depth -= grown }
        while case .op(let o) = currentKind, o == "+" || o == "-" {
            try grow(&grown)
            let off = current.offset; advance()
            e = .binary(o, e, try parseConcat(), off)
        }
        return e
    }

    mutating func parseConcat() throws -> Expr {
        let off = current.offset
        var items = [try parseMath2()]
        while skipOp("~") { items.append(try parseMath2()) }
        return items.count == 1 ? items[0] : .concat(items, off)
    }

    mutating func parseMath2() throws -> Expr {
        var e = try parsePow()
        var grown = 0
        defer { depth -= grown }
        while case .op(let o) = currentKind, ["*", "/", "//", "%"].contains(o) {
            try grow(&grown)
            let off = current.offset; advance()
            e = .binary(o, e, try parsePow(), off)
        }
        return e
    }

    mutating func parsePow() throws -> Expr {
        var e = try parseUnary()
        var grown = 0
        defer { depth -= grown }
        while isOp("**") {
            try grow(&grown); let off = current.offset; advance(); e = .binary("**", e, try parseUnary(), off) }
        return e
    }

    mutating func parseUnary(withFilter: Bool = true) throws -> Expr {
        try nest { p in
            let off = p.current.offset
            var e: Expr
            if p.skipOp("-") { e = .unary("-", try p.parseUnary(withFilter: false), off) }
            else if p.skipOp("+") { e = .unary("+", try p.parseUnary(withFilter: false), off) }
            else { e = try p.parsePrimary() }
            e = try p.parsePostfix(e)
            if withFilter { e = try p.parseFilterExpr(e) }
            return e
        }
    }

    mutating func parsePrimary() throws -> Expr {
        let tok = current
        let off = tok.offset
        switch tok.kind {
        case .name(let n):
            advance()
            switch n {
            case "true", "True": return .literal(.bool(true), off)
            case "false", "False": return .literal(.bool(false), off)
            case "none", "None": return .literal(.none, off)
            default:
                if !macroNames.isEmpty { macroNames[macroNames.count - 1].insert(n) }
                return .name(n, off)
            }
        case .string(var s):
            advance()
            while case .string(let more) = currentKind { s += more; advance() }
            return .literal(.string(s), off)
        case .int(let v): advance(); return .literal(.int(v), off)
        case .float(let v): advance(); return .literal(.double(v), off)
        case .op("("):
            advance()
            if skipOp(")") { return .tuple([], off) }
            let e = try nest { p in try p.parseTuple() }
            try expectOp(")")
            return e
        case .op("["):
            advance()
            var items: [Expr] = []
            while !skipOp("]") {
                if !items.isEmpty { try expectOp(","); if skipOp("]") { break } }
                items.append(try parseExpr())
            }
            return .list(items, off)
        case .op("{"):
            advance()
            var pairs: [(Expr, Expr)] = []
            while !skipOp("}") {
                if !pairs.isEmpty { try expectOp(","); if skipOp("}") { break } }
                let k = try parseExpr()
                try expectOp(":")
                pairs.append((k, try parseExpr()))
            }
            return .dict(pairs, off)
        default:
            throw error("unexpected \(describe(tok.kind)) in expression")
        }
    }

    mutating func parsePostfix(_ base: Expr) throws -> Expr {
        var e = base
        var grown = 0
        defer { depth -= grown }
        while true {
            try grow(&grown)
            let off = current.offset
            if skipOp(".") {
                switch currentKind {
                case .name(let n): advance(); e = .attribute(e, n, off)
                case .int(let v): advance(); e = .subscriptIndex(e, .literal(.int(v), off), off)
                default: throw error("expected an attribute name after '.'")
                }
            } else if skipOp("[") {
                e = try parseSubscript(e, off)
            } else if isOp("(") {
                let (args, kwargs) = try parseCallArgs()
                e = .call(e, args, kwargs, off)
            } else {
                return e
            }
        }
    }

    mutating func parseSubscript(_ base: Expr, _ off: Int) throws -> Expr {
        var parts: [Expr?] = [nil]
        var isSlice = false
        if !isOp(":") {
            let first = try parseExpr()
            if isOp(",") {
                var items = [first]
                while skipOp(",") { if isOp("]") { break }; items.append(try parseExpr()) }
                try expectOp("]")
                return .subscriptIndex(base, .tuple(items, first.offset), off)
            }
            parts[0] = first
        }
        while skipOp(":") {
            isSlice = true
            if isOp(":") || isOp("]") { parts.append(nil) } else { parts.append(try parseExpr()) }
        }
        try expectOp("]")
        guard isSlice else {
            guard let idx = parts[0] else { throw error("expected a subscript") }
            return .subscriptIndex(base, idx, off)
        }
        guard parts.count <= 3 else { throw error("too many ':' in slice") }
        return .slice(base, parts[0], parts.count > 1 ? parts[1] : nil, parts.count > 2 ? parts[2] : nil, off)
    }

    mutating func parseCallArgs() throws -> ([Expr], [(String, Expr)]) {
        try expectOp("(")
        var args: [Expr] = [], kwargs: [(String, Expr)] = []
        var first = true
        while !skipOp(")") {
            if !first { try expectOp(","); if skipOp(")") { break } }
            first = false
            if case .name(let n) = currentKind, i + 1 < tokens.count, case .op("=") = tokens[i + 1].kind {
                advance(); advance()
                kwargs.append((n, try parseExpr()))
            } else {
                if isOp("*") || isOp("**") { throw error("'*args' / '**kwargs' in calls are not supported") }
                guard kwargs.isEmpty else { throw error("positional argument after keyword argument") }
                args.append(try parseExpr())
            }
        }
        return (args, kwargs)
    }

    mutating func parseFilterExpr(_ base: Expr) throws -> Expr {
        var e = base
        var grown = 0
        defer { depth -= grown }
        while true {
            try grow(&grown)
            let off = current.offset
            if skipOp("|") {
                var name = try expectName()
                while skipOp(".") { name += "." + (try expectName()) }
                var args: [Expr] = [], kwargs: [(String, Expr)] = []
                if isOp("(") { (args, kwargs) = try parseCallArgs() }
                if !soft && Signatures.filters[name] == nil { try unknown("no filter named '\(name)'", at: off) }
                e = .filter(e, name, args, kwargs, off)
            } else if skipName("is") {
                let negated = skipName("not")
                var name = try expectName()
                while skipOp(".") { name += "." + (try expectName()) }
                var args: [Expr] = []
                if isOp("(") {
                    let (a, kw) = try parseCallArgs()
                    args = a + kw.map(\.1)
                } else {
                    var takesArg = false
                    switch currentKind {
                    case .name(let n): takesArg = !["else", "or", "and"].contains(n)
                    case .string, .int, .float, .op("["), .op("{"): takesArg = true
                    default: break
                    }
                    if takesArg { args = [try parsePostfix(try parsePrimary())] }
                }
                if !soft && !Signatures.tests.contains(name) { try unknown("no test named '\(name)'", at: off) }
                e = .test(e, name, args, negated: negated, off)
            } else if isOp("(") {
                let (args, kwargs) = try parseCallArgs()
                e = .call(e, args, kwargs, off)
            } else {
                return e
            }
        }
    }
}
