/// Recursive-descent parser for the statement level: text, `{{ … }}` and `{% … %}` tags.
/// Expressions are in Parser+Expressions.swift.
struct Parser {
    let tokens: [Token]
    let src: [UInt8]
    var i = 0
    var depth = 0
    var loopDepth = 0
    /// Inside an `if` (or an inline if): unknown filters/tests are only errors when reached, as in the reference.
    var soft = false
    var tentative = false
    /// Names read in the innermost macro body being parsed (to learn whether it uses varargs/kwargs).
    var macroNames: [Set<String>] = []
    var pendingUnknown: (String, Int)? = nil
    static let maxDepth = 256

    init(tokens: [Token], src: [UInt8]) {
        self.tokens = tokens
        self.src = src
    }

    var current: Token { tokens[i] }
    var currentKind: Token.Kind { tokens[i].kind }

    func error(_ msg: String, at offset: Int? = nil) -> TemplateError {
        let (l, c) = SourceMap.lineColumn(src, offset ?? current.offset)
        return TemplateError(kind: .syntax, message: msg, line: l, column: c)
    }

    mutating func advance() { if i < tokens.count - 1 { i += 1 } }

    func isName(_ n: String) -> Bool { if case .name(n) = currentKind { return true }; return false }
    func isOp(_ o: String) -> Bool { if case .op(o) = currentKind { return true }; return false }

    mutating func skipOp(_ o: String) -> Bool { if isOp(o) { advance(); return true }; return false }
    mutating func skipName(_ n: String) -> Bool { if isName(n) { advance(); return true }; return false }

    mutating func expectOp(_ o: String) throws {
        guard skipOp(o) else { throw error("expected '\(o)', got \(describe(currentKind))") }
    }

    mutating func expectName() throws -> String {
        guard case .name(let n) = currentKind else { throw error("expected a name, got \(describe(currentKind))") }
        advance()
        return n
    }

    mutating func expectBlockEnd() throws {
        guard case .blockEnd = currentKind else { throw error("expected end of statement block '%}', got \(describe(currentKind))") }
        advance()
    }

    func describe(_ k: Token.Kind) -> String {
        switch k {
        case .text: return "text"
        case .varBegin: return "'{{'"
        case .varEnd: return "'}}'"
        case .blockBegin: return "'{%'"
        case .blockEnd: return "'%}'"
        case .name(let n): return "'\(n)'"
        case .string: return "a string"
        case .int, .float: return "a number"
        case .op(let o): return "'\(o)'"
        case .eof: return "end of template"
        }
    }

    mutating func parseTemplate() throws -> [Node] {
        let (body, end) = try parseBody(until: [])
        if let end { throw error("unexpected '\(end)'") }
        return body
    }

    /// Parses nodes until a block tag whose name is in `until`; returns with that name consumed
    /// (the rest of its tag still to read), or nil at the end of the template.
    mutating func parseBody(until: Set<String>) throws -> ([Node], String?) {
        var nodes: [Node] = []
        while true {
            let tok = current
            switch tok.kind {
            case .eof:
                if !until.isEmpty {
                    throw error("unexpected end of template, expected one of: \(until.sorted().joined(separator: ", "))")
                }
                return (nodes, nil)
            case .text(let t):
                nodes.append(.text(t)); advance()
            case .varBegin:
                advance()
                let e = try parseTuple()
                guard case .varEnd = currentKind else { throw error("expected end of print statement '}}', got \(describe(currentKind))") }
                advance()
                nodes.append(.output(e))
            case .blockBegin:
                advance()
                guard case .name(let tag) = currentKind else { throw error("expected a statement name after '{%'") }
                if until.contains(tag) { advance(); return (nodes, tag) }
                nodes.append(try parseStatement(tag))
            default:
                throw error("unexpected \(describe(tok.kind))")
            }
        }
    }

    mutating func parseStatement(_ tag: String) throws -> Node {
        let start = current.offset
        depth += 1
        defer { depth -= 1 }
        guard depth <= Parser.maxDepth else { throw error("statements nested too deeply (more than \(Parser.maxDepth) levels)") }
        advance()
        switch tag {
        case "if":
            let wasSoft = soft
            soft = true
            defer { soft = wasSoft }
            var branches: [(Expr, [Node])] = []
            // As in the reference, an `if` test cannot itself be an inline if.
            var cond = try parseTuple(allowTernary: false)
            while true {
                try expectBodyStart()
                let (body, end) = try parseBody(until: ["elif", "else", "endif"])
                branches.append((cond, body))
                if end == "elif" { cond = try parseTuple(allowTernary: false); continue }
                if end == "else" {
                    try expectBodyStart()
                    let (elseBody, _) = try parseBody(until: ["endif"])
                    try expectBlockEnd()
                    return .ifBlock(branches, elseBody)
                }
                try expectBlockEnd()
                return .ifBlock(branches, nil)
            }
        case "for":
            let target = try parseTarget(allowAttribute: false)
            guard skipName("in") else { throw error("expected 'in' in for loop") }
            let iter = try parseTuple(allowTernary: false)
            var filter: Expr? = nil
            if skipName("if") { filter = try parseExpr() }
            if isName("recursive") { throw error("recursive for loops are not supported") }
            try expectBodyStart()
            loopDepth += 1
            let wasSoft = soft
            soft = false
            let (body, end) = try parseBody(until: ["else", "endfor"])
            soft = wasSoft
            loopDepth -= 1
            var elseBody: [Node]? = nil
            if end == "else" {
                try expectBodyStart()
                elseBody = try parseBody(until: ["endfor"]).0
            }
            try expectBlockEnd()
            return .forLoop(target: target, iter: iter, filter: filter, body: body, elseBody: elseBody, offset: start)
        case "set":
            let target = try parseTarget(allowAttribute: true)
            if skipOp("=") {
                let e = try parseTuple()
                try expectBlockEnd()
                return .set(target, e, start)
            }
            let filters = try parseFilterChain()
            try expectBodyStart()
            let (body, _) = try parseBody(until: ["endset"])
            try expectBlockEnd()
            return .setBlock(target, body, filters: filters, start)
        case "macro":
            let name = try expectName()
            let params = try parseParams()
            try expectBodyStart()
            let saved = loopDepth, wasSoft = soft
            loopDepth = 0
            soft = false
            macroNames.append([])
            let (body, _) = try parseBody(until: ["endmacro"])
            let used = macroNames.removeLast()
            loopDepth = saved
            soft = wasSoft
            try expectBlockEnd()
            return .macro(MacroDef(name: name, params: params, body: body, offset: start,
                                   takesVarargs: used.contains("varargs"), takesKwargs: used.contains("kwargs")))
        case "call":
            let params = isOp("(") ? try parseParams() : []
            let call = try parseExpr()
            guard case .call = call else { throw error("expected a macro call after 'call'", at: call.offset) }
            try expectBodyStart()
            let (body, _) = try parseBody(until: ["endcall"])
            try expectBlockEnd()
            return .callBlock(call: call, params: params, body: body, offset: start)
        case "filter":
            let filters = try parseFilterChain(leadingPipe: false)
            try expectBodyStart()
            let (body, _) = try parseBody(until: ["endfilter"])
            try expectBlockEnd()
            return .filterBlock(filters: filters, body: body)
        case "generation":
            try expectBodyStart()
            let (body, _) = try parseBody(until: ["endgeneration"])
            try expectBlockEnd()
            return .filterBlock(filters: [], body: body)
        case "with":
            var assigns: [(String, Expr)] = []
            while !isBlockEnd {
                if !assigns.isEmpty { try expectOp(",") }
                let n = try expectName()
                try expectOp("=")
                assigns.append((n, try parseExpr()))
            }
            try expectBodyStart()
            let (body, _) = try parseBody(until: ["endwith"])
            try expectBlockEnd()
            return .with(assigns, body)
        case "break", "continue":
            guard loopDepth > 0 else { throw error("'\(tag)' outside of a for loop", at: start) }
            try expectBlockEnd()
            return tag == "break" ? .breakLoop(start) : .continueLoop(start)
        case "include", "import", "from", "extends", "block":
            throw error("'\(tag)' is not allowed: chat templates cannot load or inherit other templates", at: start)
        default:
            throw error("unknown tag '\(tag)'", at: start)
        }
    }

    /// The end of a statement that opens a body; a Python-style `:` may come first, as the reference allows.
    mutating func expectBodyStart() throws {
        _ = skipOp(":")
        try expectBlockEnd()
    }

    var isBlockEnd: Bool { if case .blockEnd = currentKind { return true }; return false }

    mutating func parseTarget(allowAttribute: Bool) throws -> Target {
        let first = try expectName()
        if allowAttribute && skipOp(".") { return .attribute(first, try expectName()) }
        if isOp(",") {
            var names = [first]
            while skipOp(",") { names.append(try expectName()) }
            return .tuple(names)
        }
        return .name(first)
    }

    /// `(a, b=default, ...)` for macros and call blocks.
    mutating func parseParams() throws -> [(String, Expr?)] {
        try expectOp("(")
        var params: [(String, Expr?)] = []
        while !skipOp(")") {
            if !params.isEmpty { try expectOp(",") }
            if skipOp(")") { break }
            let n = try expectName()
            params.append((n, skipOp("=") ? try parseExpr() : nil))
        }
        return params
    }

    mutating func parseFilterChain(leadingPipe: Bool = true) throws -> [(String, [Expr], [(String, Expr)], Int)] {
        var out: [(String, [Expr], [(String, Expr)], Int)] = []
        var first = !leadingPipe
        while first || skipOp("|") {
            first = false
            let off = current.offset
            var name = try expectName()
            while skipOp(".") { name += "." + (try expectName()) }
            var args: [Expr] = [], kwargs: [(String, Expr)] = []
            if isOp("(") { (args, kwargs) = try parseCallArgs() }
            out.append((name, args, kwargs, off))
        }
        return out
    }
}
