/// Runtime values inside the interpreter: the JSON-like `Value` plus what Python/Jinja has beyond it
/// (undefined, callables, namespaces, the loop object).
enum JV {
    case undefined(Undefined)
    case none
    case bool(Bool)
    case int(Int)
    case double(Double)
    case string(String)
    /// markupsafe's `Markup` (from `|safe`, `|escape`): `+` with a plain string HTML-escapes the other side.
    case markup(String)
    case array([JV])
    /// A Python tuple (`a, b`, `dict.items()` pairs): a list that prints with parentheses.
    case tuple([JV])
    /// What jinja's `map`/`select`/`reject` return: iterable, but no `len()`, no indexing, not JSON.
    case generator([JV])
    case dict(JDict)
    case namespace(NamespaceBox)
    case function(JFunction)
    case loop(LoopBox)

    static func undef(_ hint: String) -> JV { .undefined(Undefined(hint: hint)) }
}

/// Jinja's default `Undefined`: falsy, renders empty, iterates empty; most other uses are errors.
struct Undefined {
    /// Why it is undefined (`'x' is undefined`, `'dict object' has no attribute 'y'`).
    let hint: String
    /// Set when the sandbox refused the attribute (a mutating method such as `list.append`).
    var unsafe = false
}

/// Insertion-ordered string-keyed dictionary for runtime values.
struct JDict {
    private(set) var keys: [String] = []
    private(set) var map: [String: JV] = [:]
    /// Keys that were numbers in the template (`{0: 'a'}`), by their string form; Python keeps their type.
    private var numericKeys: [String: JV] = [:]

    /// The key as the template sees it (a number stays a number).
    func keyValue(_ k: String) -> JV { numericKeys[k] ?? .string(k) }

    mutating func set(key: JV, _ v: JV) {
        if case .string(let s) = key { self[s] = v; return }
        let s = key.pyStr
        numericKeys[s] = key
        self[s] = v
    }

    subscript(key: String) -> JV? {
        get { map[key] }
        set {
            if let newValue {
                if map.updateValue(newValue, forKey: key) == nil { keys.append(key) }
            } else if map.removeValue(forKey: key) != nil {
                keys.removeAll { $0 == key }
            }
        }
    }

    var pairs: [(String, JV)] { keys.map { ($0, map[$0] ?? JV.none) } }
    /// `dict.items()`: (key, value) pairs with keys typed as the template wrote them.
    var items: [JV] { keys.map { .tuple([keyValue($0), map[$0] ?? JV.none]) } }
    var keyValues: [JV] { keys.map(keyValue) }
    var count: Int { keys.count }
}

final class NamespaceBox {
    var attrs = JDict()
}

/// A callable: macro, `caller`, built-in function, bound method or `loop.cycle`.
final class JFunction {
    enum Kind {
        case macro(MacroDef, Scope)
        case caller([(String, Expr?)], [Node], Scope)
        case builtin(String)
        case method(JV, String)
        case loopCycle(LoopBox)
    }
    let kind: Kind
    let name: String
    init(_ name: String, _ kind: Kind) {
        self.name = name
        self.kind = kind
    }
}

final class LoopBox {
    let items: [JV]
    var index0 = 0
    let depth: Int
    init(items: [JV], depth: Int) {
        self.items = items
        self.depth = depth
    }
}

/// Variable scopes: lookups walk outward; assignments land in the innermost scope.
final class Scope {
    var vars: [String: JV] = [:]
    let parent: Scope?
    init(parent: Scope?) { self.parent = parent }

    func lookup(_ name: String) -> JV? {
        var s: Scope? = self
        while let cur = s {
            if let v = cur.vars[name] { return v }
            s = cur.parent
        }
        return nil
    }
}

extension JV {
    init(_ v: Value) {
        switch v {
        case .null: self = .none
        case .bool(let b): self = .bool(b)
        case .int(let i): self = .int(i)
        case .double(let d): self = .double(d)
        case .string(let s): self = .string(s)
        case .array(let a): self = .array(a.map(JV.init))
        case .object(let o):
            var d = JDict()
            for (k, x) in o.pairs { d[k] = JV(x) }
            self = .dict(d)
        }
    }

    /// Markup as a plain string; everything else unchanged.
    var plain: JV {
        switch self {
        case .markup(let s): return .string(s)
        case .tuple(let a): return .array(a)
        default: return self
        }
    }

    var isUndefined: Bool { if case .undefined = self { return true }; return false }
    var isStringLike: Bool {
        switch self {
        case .string, .markup: return true
        default: return false
        }
    }

    var isNone: Bool { if case .none = self { return true }; return false }

    /// Python truthiness.
    var truthy: Bool {
        switch self {
        case .undefined, .none: return false
        case .bool(let b): return b
        case .int(let i): return i != 0
        case .double(let d): return d != 0
        case .string(let s), .markup(let s): return !s.isEmpty
        case .array(let a), .tuple(let a): return !a.isEmpty
        case .dict(let d): return d.count > 0
        case .namespace, .function, .loop, .generator: return true
        }
    }

    /// Python's type name, as used in error messages (`'dict object' has no attribute …`).
    var typeName: String {
        switch self {
        case .undefined: return "Undefined"
        case .none: return "NoneType"
        case .bool: return "bool"
        case .int: return "int"
        case .double: return "float"
        case .string: return "str"
        case .markup: return "Markup"
        case .array: return "list"
        case .tuple: return "tuple"
        case .generator: return "generator"
        case .dict: return "dict"
        case .namespace: return "Namespace"
        case .function: return "function"
        case .loop: return "LoopContext"
        }
    }

    /// Numeric view (bool counts as int, as in Python).
    var asNumber: Double? {
        switch self {
        case .bool(let b): return b ? 1 : 0
        case .int(let i): return Double(i)
        case .double(let d): return d
        default: return nil
        }
    }

    var asInt: Int? {
        switch self {
        case .bool(let b): return b ? 1 : 0
        case .int(let i): return i
        default: return nil
        }
    }
}

/// Python equality (1 == 1.0 == True; strings compared by code points). Gives up (false) after a
/// million element comparisons: shared structure can make values exponentially large.
func pyEqual(_ a: JV, _ b: JV) -> Bool {
    var budget = 1_000_000
    return pyEqual(a, b, &budget)
}

func pyEqual(_ a: JV, _ b: JV, _ budget: inout Int) -> Bool {
    budget -= 1
    if budget < 0 { return false }
    switch (a.plain, b.plain) {
    case (.undefined, .undefined), (.none, .none): return true
    case (.string(let x), .string(let y)): return x.unicodeScalars.elementsEqual(y.unicodeScalars)
    case (.array(let x), .array(let y)):
        guard x.count == y.count else { return false }
        for (p, q) in zip(x, y) where !pyEqual(p, q, &budget) { return false }
        return true
    case (.dict(let x), .dict(let y)):
        guard x.count == y.count else { return false }
        for k in x.keys {
            guard let q = y[k], pyEqual(x[k] ?? JV.none, q, &budget) else { return false }
        }
        return true
    case (.namespace(let x), .namespace(let y)): return x === y
    case (.function(let x), .function(let y)): return x === y
    case (.loop(let x), .loop(let y)): return x === y
    default:
        if let x = a.asNumber, let y = b.asNumber {
            if let i = a.asInt, let j = b.asInt { return i == j }
            return x == y
        }
        return false
    }
}

/// Python ordering (`<`); nil when the types cannot be ordered.
func pyLess(_ a: JV, _ b: JV) -> Bool? {
    var budget = 1_000_000
    return pyLess(a, b, &budget)
}

func pyLess(_ a: JV, _ b: JV, _ budget: inout Int) -> Bool? {
    budget -= 1
    if budget < 0 { return nil }
    switch (a.plain, b.plain) {
    case (.string(let x), .string(let y)): return x.unicodeScalars.lexicographicallyPrecedes(y.unicodeScalars)
    case (.array(let x), .array(let y)):
        for (p, q) in zip(x, y) where !pyEqual(p, q, &budget) { return pyLess(p, q, &budget) }
        return x.count < y.count
    default:
        if let i = a.asInt, let j = b.asInt { return i < j }
        if let x = a.asNumber, let y = b.asNumber { return x < y }
        return nil
    }
}
