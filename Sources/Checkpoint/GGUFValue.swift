/// The value types a GGUF metadata entry can hold (ids as in the GGUF spec).
public enum GGUFValueType: UInt32, Sendable {
    case uint8 = 0, int8 = 1, uint16 = 2, int16 = 3, uint32 = 4, int32 = 5, float32 = 6, bool = 7
    case string = 8, array = 9, uint64 = 10, int64 = 11, float64 = 12

    /// Smallest encoded size of one value; used to reject counts the file cannot hold before allocating.
    var minimumEncodedSize: Int {
        switch self {
        case .uint8, .int8, .bool: return 1
        case .uint16, .int16: return 2
        case .uint32, .int32, .float32: return 4
        case .uint64, .int64, .float64, .string: return 8
        case .array: return 12
        }
    }
}

/// One GGUF metadata value. Arrays keep their declared element type so a writer can round-trip them.
public enum GGUFValue: Sendable, Equatable {
    case uint8(UInt8), int8(Int8), uint16(UInt16), int16(Int16), uint32(UInt32), int32(Int32)
    case uint64(UInt64), int64(Int64), float32(Float), float64(Double), bool(Bool), string(String)
    /// An array, packed as the file stores it (see `GGUFArray`).
    case array(GGUFArray)

    /// An array of `values` declared as `type` elements.
    public static func array(_ type: GGUFValueType, _ values: [GGUFValue]) -> GGUFValue {
        .array(GGUFArray(type, values))
    }

    public var type: GGUFValueType {
        switch self {
        case .uint8: return .uint8
        case .int8: return .int8
        case .uint16: return .uint16
        case .int16: return .int16
        case .uint32: return .uint32
        case .int32: return .int32
        case .uint64: return .uint64
        case .int64: return .int64
        case .float32: return .float32
        case .float64: return .float64
        case .bool: return .bool
        case .string: return .string
        case .array: return .array
        }
    }

    /// The value as an integer, for any integer type (nil when it does not fit or is not an integer).
    public var int: Int? {
        switch self {
        case .uint8(let v): return Int(v)
        case .int8(let v): return Int(v)
        case .uint16(let v): return Int(v)
        case .int16(let v): return Int(v)
        case .uint32(let v): return Int(v)
        case .int32(let v): return Int(v)
        case .uint64(let v): return Int(exactly: v)
        case .int64(let v): return Int(v)
        case .bool(let v): return v ? 1 : 0
        default: return nil
        }
    }

    /// The value as a floating-point number, for float and integer types.
    public var double: Double? {
        switch self {
        case .float32(let v): return Double(v)
        case .float64(let v): return v
        default: return int.map(Double.init)
        }
    }

    public var string: String? { if case .string(let s) = self { return s }; return nil }
    public var bool: Bool? { if case .bool(let b) = self { return b }; return int.map { $0 != 0 } }
    /// The elements of an array value (a view: elements are decoded when read).
    public var array: GGUFArray? { if case .array(let a) = self { return a }; return nil }
    /// The string elements of an array (other elements are skipped).
    public var stringArray: [String]? {
        guard let a = array else { return nil }
        if a.isStringTable { return (0..<a.count).map(a.string(at:)) }
        return a.compactMap(\.string)
    }
    /// The integer elements of an array (other elements are skipped).
    public var intArray: [Int]? { array?.compactMap(\.int) }
    /// The numeric elements of an array as `Float` (other elements are skipped).
    public var floatArray: [Float]? { array?.compactMap { $0.double.map(Float.init) } }

    /// A short human-readable rendering; arrays longer than `arrayLimit` are summarized by length.
    public func summary(arrayLimit: Int = 8) -> String {
        switch self {
        case .string(let s): return s.count > 200 ? "\"\(s.prefix(200))…\" (\(s.utf8.count) bytes)" : "\"\(s)\""
        case .array(let a):
            if a.count > arrayLimit { return "[\(a.elementType) × \(a.count)]" }
            return "[" + a.map { $0.summary(arrayLimit: arrayLimit) }.joined(separator: ", ") + "]"
        case .float32(let v): return "\(v)"
        case .float64(let v): return "\(v)"
        case .bool(let v): return "\(v)"
        default: return "\(int ?? 0)"
        }
    }
}

/// Ordered metadata with lookup by key.
public struct GGUFMetadata: Sendable {
    /// Entries in file order.
    public private(set) var entries: [(key: String, value: GGUFValue)] = []
    private var index: [String: Int] = [:]

    public init() {}

    /// Adds or replaces `key`; returns false when the key was already present.
    @discardableResult
    public mutating func set(_ key: String, _ value: GGUFValue) -> Bool {
        if let i = index[key] { entries[i].value = value; return false }
        index[key] = entries.count
        entries.append((key, value))
        return true
    }

    public subscript(key: String) -> GGUFValue? { index[key].map { entries[$0].value } }

    public var count: Int { entries.count }
}
