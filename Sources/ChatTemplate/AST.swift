/// The parsed template: statements (`Node`) holding expressions (`Expr`); every node keeps its source offset
/// so runtime errors can name a line and column.
indirect enum Expr {
    case literal(JV, Int)
    case name(String, Int)
    case list([Expr], Int)
    case tuple([Expr], Int)
    case dict([(Expr, Expr)], Int)
    case attribute(Expr, String, Int)
    case subscriptIndex(Expr, Expr, Int)
    case slice(Expr, Expr?, Expr?, Expr?, Int)
    case call(Expr, [Expr], [(String, Expr)], Int)
    case filter(Expr, String, [Expr], [(String, Expr)], Int)
    case test(Expr, String, [Expr], negated: Bool, Int)
    case unary(String, Expr, Int)
    case binary(String, Expr, Expr, Int)
    case and(Expr, Expr, Int)
    case or(Expr, Expr, Int)
    case not(Expr, Int)
    case compare(Expr, [(String, Expr)], Int)
    case concat([Expr], Int)
    case ternary(cond: Expr, then: Expr, else: Expr?, Int)

    var offset: Int {
        switch self {
        case .literal(_, let o), .name(_, let o), .list(_, let o), .tuple(_, let o), .dict(_, let o), .attribute(_, _, let o),
             .subscriptIndex(_, _, let o), .slice(_, _, _, _, let o), .call(_, _, _, let o),
             .filter(_, _, _, _, let o), .test(_, _, _, _, let o), .unary(_, _, let o), .binary(_, _, _, let o),
             .and(_, _, let o), .or(_, _, let o), .not(_, let o), .compare(_, _, let o), .concat(_, let o),
             .ternary(_, _, _, let o):
            return o
        }
    }
}

/// Assignment targets: `x`, `a, b`, `ns.attr`.
enum Target {
    case name(String)
    case tuple([String])
    case attribute(String, String)
}

struct MacroDef {
    let name: String
    let params: [(String, Expr?)]
    let body: [Node]
    let offset: Int
    /// Whether the body mentions `varargs` / `kwargs`; otherwise extra arguments are an error.
    var takesVarargs = false
    var takesKwargs = false
}

indirect enum Node {
    case text(String)
    case output(Expr)
    case ifBlock([(Expr, [Node])], [Node]?)
    case forLoop(target: Target, iter: Expr, filter: Expr?, body: [Node], elseBody: [Node]?, offset: Int)
    case set(Target, Expr, Int)
    case setBlock(Target, [Node], filters: [(String, [Expr], [(String, Expr)], Int)], Int)
    case macro(MacroDef)
    case callBlock(call: Expr, params: [(String, Expr?)], body: [Node], offset: Int)
    case filterBlock(filters: [(String, [Expr], [(String, Expr)], Int)], body: [Node])
    case with([(String, Expr)], [Node])
    case breakLoop(Int)
    case continueLoop(Int)
}
