import Foundation

/// Element types of the safetensors format.
public enum SafetensorsDType: String, Sendable, CaseIterable {
    case bool = "BOOL", u8 = "U8", i8 = "I8", u16 = "U16", i16 = "I16", f16 = "F16", bf16 = "BF16"
    case u32 = "U32", i32 = "I32", f32 = "F32", u64 = "U64", i64 = "I64", f64 = "F64"
    case f8e4m3 = "F8_E4M3", f8e5m2 = "F8_E5M2"

    public var byteSize: Int {
        switch self {
        case .bool, .u8, .i8, .f8e4m3, .f8e5m2: return 1
        case .u16, .i16, .f16, .bf16: return 2
        case .u32, .i32, .f32: return 4
        case .u64, .i64, .f64: return 8
        }
    }

    /// The matching ggml type, where one exists (what the kernels can read).
    public var ggmlType: GGMLType? {
        switch self {
        case .f32: return .f32
        case .f16: return .f16
        case .bf16: return .bf16
        case .f64: return .f64
        case .i8: return .i8
        case .i16: return .i16
        case .i32: return .i32
        case .i64: return .i64
        default: return nil
        }
    }
}

/// One tensor of a safetensors file. `shape` is row-major (outermost first), as PyTorch writes it.
public struct SafetensorsTensor: Sendable {
    public let name: String
    public let dtype: SafetensorsDType
    public let shape: [Int]
    /// Absolute byte offset in the file.
    public let offset: Int
    public let byteCount: Int

    public var elementCount: Int { shape.reduce(1, *) }

    /// The same tensor described in ggml terms (shape reversed: innermost first), when its dtype has a ggml twin.
    public var ggmlInfo: TensorInfo? {
        dtype.ggmlType.map { TensorInfo(name: name, shape: shape.isEmpty ? [1] : shape.reversed(), type: $0, offset: offset, byteCount: byteCount) }
    }
}

/// A safetensors file: `u64 header length`, a JSON header, then the tensor bytes, memory-mapped.
///
/// Validation: the header length fits the file (and at most 100 MiB), the header is a JSON object, every
/// tensor has a known dtype, a shape whose element count times the dtype size equals its byte range, and a
/// byte range inside the data section; ranges do not overlap.
public final class SafetensorsFile: @unchecked Sendable {
    public static let maxHeaderBytes = 100 << 20

    public let file: MappedFile
    public let tensors: [SafetensorsTensor]
    /// The optional `__metadata__` string map.
    public let metadata: [String: String]
    private let index: [String: Int]

    public var path: String { file.path }

    public convenience init(path: String) throws { try self.init(file: MappedFile(path: path)) }

    public init(file: MappedFile) throws {
        self.file = file
        let path = file.path
        func bad(_ offset: Int, _ message: String) -> CheckpointError { .malformed(path: path, offset: offset, message: message) }
        guard file.count >= 8 else { throw bad(0, "file has \(file.count) bytes, too short for a safetensors header") }
        let headerLength = UInt64(littleEndian: file.bytes.loadUnaligned(as: UInt64.self))
        guard headerLength >= 2, headerLength <= UInt64(min(file.count - 8, Self.maxHeaderBytes)) else {
            throw bad(0, "header length \(headerLength) does not fit the file (\(file.count) bytes)")
        }
        let dataStart = 8 + Int(headerLength)
        let headerBytes = Data(UnsafeRawBufferPointer(rebasing: file.bytes[8..<dataStart]))
        guard headerBytes.first == UInt8(ascii: "{") else { throw bad(8, "header does not start with '{'") }
        let parsed: Any
        do { parsed = try JSONSerialization.jsonObject(with: headerBytes) } catch {
            throw bad(8, "header is not valid JSON")
        }
        guard let header = parsed as? [String: Any] else { throw bad(8, "header is not a JSON object") }
        var metadata: [String: String] = [:]
        var tensors: [SafetensorsTensor] = []
        let dataLength = file.count - dataStart
        for (name, value) in header {
            if name == "__metadata__" {
                guard let m = value as? [String: Any] else { throw bad(8, "__metadata__ is not an object") }
                for (k, v) in m {
                    guard let s = v as? String else { throw bad(8, "__metadata__['\(k)'] is not a string") }
                    metadata[k] = s
                }
                continue
            }
            guard let entry = value as? [String: Any] else { throw bad(8, "tensor '\(name)' is not an object") }
            guard let dtypeName = entry["dtype"] as? String else { throw bad(8, "tensor '\(name)' has no dtype") }
            guard let dtype = SafetensorsDType(rawValue: dtypeName) else {
                throw CheckpointError.unsupported(path: path, message: "tensor '\(name)' has dtype \(dtypeName), which Owl does not read (supported: \(SafetensorsDType.allCases.map(\.rawValue).joined(separator: ", ")))")
            }
            guard let shapeAny = entry["shape"] as? [Any], shapeAny.count <= 8 else { throw bad(8, "tensor '\(name)' has no valid shape") }
            var shape: [Int] = []
            var elements = 1
            for d in shapeAny {
                guard let n = Self.integer(d), n >= 0 else { throw bad(8, "tensor '\(name)' has a negative or non-integer dimension") }
                let (p, o) = elements.multipliedReportingOverflow(by: n)
                guard !o else { throw bad(8, "tensor '\(name)' has too many elements") }
                elements = p
                shape.append(n)
            }
            guard let offs = entry["data_offsets"] as? [Any], offs.count == 2,
                  let begin = Self.integer(offs[0]), let end = Self.integer(offs[1]), begin >= 0, end >= begin else {
                throw bad(8, "tensor '\(name)' has invalid data_offsets")
            }
            guard end <= dataLength else {
                throw bad(dataStart, "tensor '\(name)' ends at data offset \(end), past the end of the file (\(dataLength) data bytes)")
            }
            let (bytes, o) = elements.multipliedReportingOverflow(by: dtype.byteSize)
            guard !o, bytes == end - begin else {
                throw bad(8, "tensor '\(name)' of shape \(shape) and dtype \(dtype.rawValue) needs \(bytes) bytes but its range holds \(end - begin)")
            }
            tensors.append(SafetensorsTensor(name: name, dtype: dtype, shape: shape, offset: dataStart + begin, byteCount: bytes))
        }
        // Sort by position (JSON objects are unordered) and reject overlapping ranges.
        tensors.sort { $0.offset < $1.offset || ($0.offset == $1.offset && $0.name < $1.name) }
        for (a, b) in zip(tensors, tensors.dropFirst()) where a.offset + a.byteCount > b.offset && b.byteCount > 0 && a.byteCount > 0 {
            throw bad(a.offset, "tensors '\(a.name)' and '\(b.name)' overlap")
        }
        self.tensors = tensors
        self.metadata = metadata
        var idx: [String: Int] = [:]
        for (i, t) in tensors.enumerated() { idx[t.name] = i }
        self.index = idx
    }

    /// JSON numbers arrive as Int, Double or NSNumber depending on the platform; accept exact integers only.
    static func integer(_ v: Any) -> Int? {
        if let i = v as? Int { return i }
        if let d = v as? Double, d.rounded() == d, abs(d) < 9e15 { return Int(d) }
        return nil
    }

    public func tensor(named name: String) -> SafetensorsTensor? { index[name].map { tensors[$0] } }

    /// A zero-copy view of a tensor's bytes, valid while this file is alive.
    public func data(of t: SafetensorsTensor) -> UnsafeRawBufferPointer {
        UnsafeRawBufferPointer(rebasing: file.bytes[t.offset..<t.offset + t.byteCount])
    }
}
