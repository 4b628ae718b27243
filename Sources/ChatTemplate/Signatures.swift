/// Names and parameters of the filters and tests, so that calls are checked like the reference does:
/// an unknown name outside an `if` is a syntax error; too many or unknown arguments are runtime errors.
enum Signatures {
    /// Filter → its parameters after the value (nil: variadic, checked by the filter itself).
    static let filters: [String: [String]?] = [
        "safe": [], "e": [], "escape": [], "forceescape": [],
        "tojson": ["ensure_ascii", "indent", "separators", "sort_keys"],
        "length": [], "count": [], "trim": ["chars"], "upper": [], "lower": [], "capitalize": [], "title": [],
        "string": [], "int": ["default", "base"], "float": ["default"], "abs": [], "round": ["precision", "method"],
        "list": [], "first": [], "last": [], "reverse": [], "join": ["d", "attribute"],
        "replace": ["old", "new", "count"], "default": ["default_value", "boolean"], "d": ["default_value", "boolean"],
        "items": [], "dictsort": ["case_sensitive", "by", "reverse"], "sort": ["reverse", "case_sensitive", "attribute"],
        "unique": ["case_sensitive", "attribute"], "min": ["case_sensitive", "attribute"],
        "max": ["case_sensitive", "attribute"], "sum": ["attribute", "start"], "map": nil, "select": nil, "reject": nil,
        "selectattr": nil, "rejectattr": nil, "indent": ["width", "first", "blank"], "center": ["width"],
        "wordcount": [], "batch": ["linecount", "fill_with"], "format": nil, "attr": ["name"], "pprint": [],
    ]

    /// Tests that take one argument (`x is divisibleby 3`); all others take none.
    static let unaryTests: Set<String> = [
        "equalto", "eq", "==", "sameas", "ne", "!=", "lt", "lessthan", "<", "le", "<=", "gt", "greaterthan", ">", "ge",
        ">=", "in", "divisibleby",
    ]

    static let tests: Set<String> = [
        "defined", "undefined", "none", "string", "number", "integer", "float", "boolean", "true", "false", "mapping",
        "iterable", "sequence", "callable", "equalto", "eq", "==", "sameas", "ne", "!=", "lt", "lessthan", "<", "le",
        "<=", "gt", "greaterthan", ">", "ge", ">=", "in", "odd", "even", "divisibleby", "lower", "upper", "escaped",
        "filter", "test",
    ]

    /// Filters whose first parameters have no default.
    static let requiredArguments: [String: Int] = ["replace": 2, "attr": 1, "batch": 1]

    /// Python's argument binding: at most one value per parameter, no unknown keywords, required ones given.
    static func check(filter name: String, positional: Int, keywords: [String]) -> String? {
        guard let entry = filters[name], let params = entry else { return nil }
        for (i, p) in params.prefix(requiredArguments[name] ?? 0).enumerated() where i >= positional && !keywords.contains(p) {
            return "filter '\(name)' is missing the required argument '\(p)'"
        }
        if positional > params.count {
            return "filter '\(name)' takes at most \(params.count) argument\(params.count == 1 ? "" : "s") but \(positional) were given"
        }
        for k in keywords {
            guard let i = params.firstIndex(of: k) else { return "filter '\(name)' got an unexpected keyword argument '\(k)'" }
            if i < positional { return "filter '\(name)' got multiple values for argument '\(k)'" }
        }
        return nil
    }
}
