/// Jinja's tests (`x is defined`, `x is string`, `x is equalto 3`, …).
extension Evaluator {
    func applyTest(_ name: String, _ value: JV, _ rawArgs: [JV], _ scope: Scope, at off: Int) throws -> Bool {
        let v = value.plain, args = rawArgs.map(\.plain)
        if Signatures.tests.contains(name) {
            let want = Signatures.unaryTests.contains(name) ? 1 : 0
            if args.count != want { throw fail("test '\(name)' takes \(want) argument\(want == 1 ? "" : "s") but \(args.count) were given", at: off) }
        }
        func arg() throws -> JV {
            guard let x = args.first else { throw fail("test '\(name)' needs an argument", at: off) }
            return x
        }
        switch name {
        case "defined": return !v.isUndefined
        case "undefined": return v.isUndefined
        case "none": return v.isNone
        case "string": if case .string = v { return true }; return false
        case "number": if case .int = v { return true }; if case .double = v { return true }; if case .bool = v { return true }; return false
        case "integer": if case .int = v { return true }; return false
        case "float": if case .double = v { return true }; return false
        case "boolean": if case .bool = v { return true }; return false
        case "true": if case .bool(true) = v { return true }; return false
        case "false": if case .bool(false) = v { return true }; return false
        case "mapping": if case .dict = v { return true }; return false
        case "iterable":
            switch v {
            case .string, .array, .dict, .undefined, .generator: return true
            default: return false
            }
        case "sequence":
            switch v {
            case .string, .array, .dict, .undefined: return true
            default: return false
            }
        case "callable": if case .function = v { return true }; return false
        case "equalto", "eq", "==", "sameas": return pyEqual(v, try arg())
        case "ne", "!=": return !pyEqual(v, try arg())
        case "lt", "lessthan", "<": return try compare("<", v, try arg(), at: off)
        case "le", "<=": return try compare("<=", v, try arg(), at: off)
        case "gt", "greaterthan", ">": return try compare(">", v, try arg(), at: off)
        case "ge", ">=": return try compare(">=", v, try arg(), at: off)
        case "in": return try contains(try arg(), v, at: off)
        case "odd": return pyEqual(try binary("%", v, .int(2), at: off), .int(1))
        case "even": return pyEqual(try binary("%", v, .int(2), at: off), .int(0))
        case "divisibleby": return pyEqual(try binary("%", v, try arg(), at: off), .int(0))
        case "lower": if case .string(let s) = v { return s == s.lowercased() }; return false
        case "upper": if case .string(let s) = v { return s == s.uppercased() }; return false
        case "escaped": return false
        case "filter": if case .string(let s) = v { return Signatures.filters[s] != nil }; return false
        case "test": if case .string(let s) = v { return Signatures.tests.contains(s) }; return false
        default: throw fail("no test named '\(name)'", at: off)
        }
    }
}
