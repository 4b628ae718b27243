/// A JSON-like value handed to templates: messages, tools and extra variables.
///
/// Objects keep their keys in insertion order because templates iterate them (`tools | tojson`,
/// `dict.items()`), and the reference renderer (Python) preserves that order.
public enum Value: Sendable, Equatable {
    case null
    case bool(Bool)
    case int(Int)
    case double(Double)
    case string(String)
    case array([Value])
    case object(OrderedObject)
}

/// String-keyed dictionary that remembers insertion order.
public struct OrderedObject: Sendable, Equatable {
    /// Keys in insertion order.
    public private(set) var keys: [String] = []
    private var storage: [String: Value] = [:]

    /// An empty object.
    public init() {}

    /// An object from key/value pairs in order; a repeated key keeps its first position and last value.
    public init(_ pairs: [(String, Value)]) {
        for (k, v) in pairs { self[k] = v }
    }

    /// The value for `key`, or nil; setting nil removes the key.
    public subscript(key: String) -> Value? {
        get { storage[key] }
        set {
            if let newValue {
                if storage.updateValue(newValue, forKey: key) == nil { keys.append(key) }
            } else if storage.removeValue(forKey: key) != nil {
                keys.removeAll { $0 == key }
            }
        }
    }

    /// Key/value pairs in insertion order.
    public var pairs: [(key: String, value: Value)] {
        keys.compactMap { k in storage[k].map { (k, $0) } }
    }

    /// Number of keys.
    public var count: Int { keys.count }

    public static func == (a: OrderedObject, b: OrderedObject) -> Bool {
        a.keys == b.keys && a.storage == b.storage
    }
}

extension Value: ExpressibleByStringLiteral, ExpressibleByIntegerLiteral, ExpressibleByFloatLiteral,
    ExpressibleByBooleanLiteral, ExpressibleByArrayLiteral, ExpressibleByDictionaryLiteral, ExpressibleByNilLiteral
{
    public init(stringLiteral value: String) { self = .string(value) }
    public init(integerLiteral value: Int) { self = .int(value) }
    public init(floatLiteral value: Double) { self = .double(value) }
    public init(booleanLiteral value: Bool) { self = .bool(value) }
    public init(arrayLiteral elements: Value...) { self = .array(elements) }
    public init(dictionaryLiteral elements: (String, Value)...) { self = .object(OrderedObject(elements)) }
    public init(nilLiteral: ()) { self = .null }
}

extension Value {
    /// The value for `key` when this is an object.
    public subscript(key: String) -> Value? {
        if case .object(let o) = self { return o[key] }
        return nil
    }

    /// The string payload, if this is a string.
    public var stringValue: String? {
        if case .string(let s) = self { return s }
        return nil
    }

    /// Converts plain Swift values: String, Int, Double, Bool, arrays and `[String: Any]` (unordered: keys
    /// are sorted so the result is deterministic), `nil` → null. Returns nil for anything else.
    /// For JSON text use `Value(json:)`, which keeps key order and number/bool types exactly.
    public init?(any: Any?) {
        guard let any else { self = .null; return }
        switch any {
        case let v as Value: self = v
        case let v as String: self = .string(v)
        case let v as Bool: self = .bool(v)
        case let v as Int: self = .int(v)
        case let v as Double: self = .double(v)
        case let v as [Any?]:
            var out: [Value] = []
            for e in v { guard let x = Value(any: e) else { return nil }; out.append(x) }
            self = .array(out)
        case let v as [String: Any?]:
            var o = OrderedObject()
            for k in v.keys.sorted() { guard let x = Value(any: v[k] ?? nil) else { return nil }; o[k] = x }
            self = .object(o)
        default: return nil
        }
    }
}
