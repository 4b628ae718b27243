/// Bytes that array elements live in: a window of a memory-mapped file (kept alive by `owner`) or an owned copy.
final class GGUFBytes: @unchecked Sendable {
    let bytes: UnsafeRawBufferPointer
    /// The mapping the window points into (nil when the bytes are owned).
    private let owner: AnyObject?

    /// A zero-copy window of `owner`'s bytes.
    init(window: UnsafeRawBufferPointer, owner: AnyObject) {
        bytes = window
        self.owner = owner
    }

    /// An owned copy of `source`.
    init(copying source: [UInt8]) {
        let p = UnsafeMutableRawBufferPointer.allocate(byteCount: max(source.count, 1), alignment: 8)
        if !source.isEmpty { source.withUnsafeBytes { p.copyMemory(from: $0) } }
        bytes = UnsafeRawBufferPointer(rebasing: UnsafeRawBufferPointer(p)[0..<source.count])
        owner = nil
    }

    deinit {
        if owner == nil { UnsafeMutableRawPointer(mutating: bytes.baseAddress)?.deallocate() }
    }
}

/// A GGUF metadata array, stored as the file stores it instead of one enum value per element.
///
/// Numbers and bools are packed little-endian values; strings are the file's `u64 length, bytes` records
/// with one offset per element, so a 262,144-token vocabulary costs 1 MiB of offsets and no per-string
/// allocation. Parsed arrays are zero-copy windows of the mapped file (the mapping stays alive while the
/// array does). Arrays of arrays keep one `GGUFValue` per element.
public struct GGUFArray: Sendable, Equatable, RandomAccessCollection {
    public typealias Index = Int

    enum Storage: Sendable {
        /// Fixed-size elements, `elementType.packedSize` bytes each.
        case packed(GGUFBytes)
        /// String records; `offsets[i]` is where element i's length field starts.
        case strings(GGUFBytes, offsets: [UInt32])
        /// Any other element list (arrays of arrays, or values whose types differ from `elementType`).
        case values([GGUFValue])
    }

    /// The declared element type.
    public let elementType: GGUFValueType
    public let count: Int
    let storage: Storage

    public var startIndex: Int { 0 }
    public var endIndex: Int { count }

    init(elementType: GGUFValueType, count: Int, storage: Storage) {
        self.elementType = elementType
        self.count = count
        self.storage = storage
    }

    /// Packs `values`; they are kept as given when some value's type is not `type`.
    public init(_ type: GGUFValueType, _ values: [GGUFValue]) {
        elementType = type
        count = values.count
        guard values.allSatisfy({ $0.type == type }), type != .array else { storage = .values(values); return }
        var bytes: [UInt8] = []
        var offsets: [UInt32] = []
        for v in values {
            if type == .string { offsets.append(UInt32(bytes.count)) }
            v.encodeScalar(into: &bytes)
        }
        storage = type == .string ? .strings(GGUFBytes(copying: bytes), offsets: offsets) : .packed(GGUFBytes(copying: bytes))
    }

    /// A string array holding `strings`.
    public init(strings: [String]) {
        self.init(.string, strings.map(GGUFValue.string))
    }

    public subscript(i: Int) -> GGUFValue {
        precondition(i >= 0 && i < count, "GGUFArray index \(i) out of range 0..<\(count)")
        switch storage {
        case .values(let v): return v[i]
        case .strings: return .string(string(at: i))
        case .packed(let b):
            let p = b.bytes, o = i * elementType.packedSize
            switch elementType {
            case .uint8: return .uint8(p[o])
            case .int8: return .int8(Int8(bitPattern: p[o]))
            case .bool: return .bool(p[o] != 0)
            case .uint16: return .uint16(UInt16(littleEndian: p.loadUnaligned(fromByteOffset: o, as: UInt16.self)))
            case .int16: return .int16(Int16(littleEndian: p.loadUnaligned(fromByteOffset: o, as: Int16.self)))
            case .uint32: return .uint32(UInt32(littleEndian: p.loadUnaligned(fromByteOffset: o, as: UInt32.self)))
            case .int32: return .int32(Int32(littleEndian: p.loadUnaligned(fromByteOffset: o, as: Int32.self)))
            case .float32: return .float32(Float(bitPattern: UInt32(littleEndian: p.loadUnaligned(fromByteOffset: o, as: UInt32.self))))
            case .uint64: return .uint64(UInt64(littleEndian: p.loadUnaligned(fromByteOffset: o, as: UInt64.self)))
            case .int64: return .int64(Int64(littleEndian: p.loadUnaligned(fromByteOffset: o, as: Int64.self)))
            case .float64: return .float64(Double(bitPattern: UInt64(littleEndian: p.loadUnaligned(fromByteOffset: o, as: UInt64.self))))
            case .string, .array: preconditionFailure("packed storage never holds \(elementType)")
            }
        }
    }

    /// The UTF-8 bytes of string element `i`, without copying; valid while this array (or a copy) is alive.
    /// Empty for elements that are not strings.
    public func utf8(at i: Int) -> UnsafeRawBufferPointer {
        switch storage {
        case .strings(let b, let offsets):
            let o = Int(offsets[i])
            let n = Int(UInt64(littleEndian: b.bytes.loadUnaligned(fromByteOffset: o, as: UInt64.self)))
            return UnsafeRawBufferPointer(rebasing: b.bytes[o + 8..<o + 8 + n])
        case .values, .packed:
            return UnsafeRawBufferPointer(start: nil, count: 0)
        }
    }

    /// String element `i` (empty when the element is not a string).
    public func string(at i: Int) -> String {
        if case .values(let v) = storage { return v[i].string ?? "" }
        return String(decoding: utf8(at: i), as: UTF8.self)
    }

    /// True when every element is a string held as bytes (so `utf8(at:)` sees them all).
    public var isStringTable: Bool { if case .strings = storage { return true }; return false }

    /// The packed little-endian bytes of a number or bool array (nil for strings and nested values).
    public var packedBytes: UnsafeRawBufferPointer? { if case .packed(let b) = storage { return b.bytes }; return nil }

    public static func == (a: GGUFArray, b: GGUFArray) -> Bool {
        guard a.elementType == b.elementType, a.count == b.count else { return false }
        if a.isStringTable && b.isStringTable {
            return (0..<a.count).allSatisfy { a.utf8(at: $0).elementsEqual(b.utf8(at: $0)) }
        }
        return a.elementsEqual(b)
    }

    /// Appends the elements' GGUF encoding (without the type and count header).
    func encode(into out: inout [UInt8]) {
        switch storage {
        case .packed(let b): out.append(contentsOf: b.bytes)
        case .strings(let b, let offsets):
            if let first = offsets.first {
                out.append(contentsOf: b.bytes[Int(first)...])
            }
        case .values(let v): for x in v { x.encode(into: &out) }
        }
    }
}

extension GGUFValueType {
    /// Bytes per element of a packed array (0 for strings and arrays, which are variable-length).
    public var packedSize: Int {
        switch self {
        case .uint8, .int8, .bool: return 1
        case .uint16, .int16: return 2
        case .uint32, .int32, .float32: return 4
        case .uint64, .int64, .float64: return 8
        case .string, .array: return 0
        }
    }
}

extension GGUFValue {
    /// Appends this value's GGUF encoding (no type tag; arrays with their element type and count).
    func encode(into out: inout [UInt8]) {
        if case .array(let a) = self {
            withUnsafeBytes(of: a.elementType.rawValue.littleEndian) { out.append(contentsOf: $0) }
            withUnsafeBytes(of: UInt64(a.count).littleEndian) { out.append(contentsOf: $0) }
            a.encode(into: &out)
        } else {
            encodeScalar(into: &out)
        }
    }

    fileprivate func encodeScalar(into out: inout [UInt8]) {
        func le<T: FixedWidthInteger>(_ v: T) { withUnsafeBytes(of: v.littleEndian) { out.append(contentsOf: $0) } }
        switch self {
        case .uint8(let x): out.append(x)
        case .int8(let x): out.append(UInt8(bitPattern: x))
        case .uint16(let x): le(x)
        case .int16(let x): le(x)
        case .uint32(let x): le(x)
        case .int32(let x): le(x)
        case .uint64(let x): le(x)
        case .int64(let x): le(x)
        case .float32(let x): le(x.bitPattern)
        case .float64(let x): le(x.bitPattern)
        case .bool(let x): out.append(x ? 1 : 0)
        case .string(let s): le(UInt64(s.utf8.count)); out.append(contentsOf: s.utf8)
        case .array: encode(into: &out)
        }
    }
}
