/// A tensor stored in a checkpoint: its name, shape, element type and a zero-copy view of its bytes.
///
/// `shape` is in ggml order: `shape[0]` is the innermost (contiguous) dimension, so a weight matrix
/// used as `y = W x` with `W` of `rows × cols` has `shape == [cols, rows]`.
public struct TensorInfo: Sendable {
    public let name: String
    public let shape: [Int]
    public let type: GGMLType
    /// Absolute byte offset of the data in the file.
    public let offset: Int
    public let byteCount: Int

    /// Number of values.
    public var elementCount: Int { shape.reduce(1, *) }
}

/// A GGUF file (v2 or v3), memory-mapped and fully validated on open.
///
/// Validation covers everything later code relies on: header and counts, every metadata value,
/// `general.alignment`, tensor shapes (no overflow, whole blocks), types, offsets (aligned, inside the
/// file), duplicate names. After `init` returns, every tensor view lies inside the mapping.
public final class GGUFFile: @unchecked Sendable {
    public static let magic: UInt32 = 0x4655_4747  // "GGUF" little-endian
    public static let defaultAlignment = 32
    /// Arrays nested deeper than this are rejected (real files nest at most once).
    static let maxArrayDepth = 4
    /// ggml tensors have at most 4 dimensions.
    static let maxDimensions = 4

    public let file: MappedFile
    public let version: Int
    public let metadata: GGUFMetadata
    /// Tensors in file order.
    public let tensors: [TensorInfo]
    public let alignment: Int
    /// Absolute offset where tensor data starts.
    public let dataOffset: Int
    private let tensorIndex: [String: Int]

    public var path: String { file.path }

    /// Opens and validates `path`.
    /// - Throws: `CheckpointError` naming the file and the first problem found.
    public convenience init(path: String) throws {
        try self.init(file: MappedFile(path: path))
    }

    public init(file: MappedFile) throws {
        self.file = file
        var r = ByteReader(bytes: file.bytes, path: file.path)
        let magic = try r.read(UInt32.self, "magic")
        guard magic == GGUFFile.magic else {
            throw CheckpointError.malformed(path: file.path, offset: 0,
                message: "wrong magic \(Self.hex(magic)), expected \"GGUF\"; this is not a GGUF file")
        }
        let version = try r.read(UInt32.self, "version")
        switch version {
        case 2, 3: break
        case 1: throw CheckpointError.unsupported(path: file.path, message: "GGUF v1 is not supported; convert the model again with a current llama.cpp")
        default:
            if version.byteSwapped == 2 || version.byteSwapped == 3 {
                throw CheckpointError.unsupported(path: file.path, message: "big-endian GGUF is not supported on this machine")
            }
            throw CheckpointError.unsupported(path: file.path, message: "GGUF version \(version) is not supported (Owl reads versions 2 and 3)")
        }
        self.version = Int(version)
        let tensorCount = try r.read(UInt64.self, "tensor count")
        let kvCount = try r.read(UInt64.self, "metadata count")
        // Each entry takes at least 13 bytes (key length 8, type 4, one byte); each tensor info at least 28.
        guard kvCount <= UInt64(r.remaining / 13) else {
            throw r.fail("metadata count \(kvCount) cannot fit in the \(r.remaining) bytes left")
        }
        guard tensorCount <= UInt64(r.remaining / 28) else {
            throw r.fail("tensor count \(tensorCount) cannot fit in the \(r.remaining) bytes left")
        }

        var metadata = GGUFMetadata()
        for i in 0..<Int(kvCount) {
            let key = try r.readString("key of metadata entry \(i)", maxLength: 65536)
            let rawType = try r.read(UInt32.self, "type of '\(key)'")
            guard let type = GGUFValueType(rawValue: rawType) else {
                throw r.fail("metadata '\(key)' has unknown value type \(rawType)")
            }
            let value = try Self.readValue(&r, type: type, key: key, depth: 0, file: file)
            if !metadata.set(key, value) { throw r.fail("metadata key '\(key)' appears twice") }
        }
        self.metadata = metadata

        var alignment = Self.defaultAlignment
        if let a = metadata["general.alignment"] {
            guard case .uint32(let v) = a, v > 0, v & (v - 1) == 0, v <= 1 << 20 else {
                throw CheckpointError.malformed(path: file.path, offset: r.offset,
                    message: "general.alignment must be a power of two (uint32), got \(a.summary())")
            }
            alignment = Int(v)
        }
        self.alignment = alignment

        struct Raw { let name: String; let shape: [Int]; let type: GGMLType; let relOffset: Int; let bytes: Int }
        var raws: [Raw] = []
        raws.reserveCapacity(Int(tensorCount))
        var index: [String: Int] = [:]
        for i in 0..<Int(tensorCount) {
            let name = try r.readString("name of tensor \(i)", maxLength: 65536)
            let nDims = try r.read(UInt32.self, "dimension count of '\(name)'")
            guard nDims >= 1, nDims <= UInt32(Self.maxDimensions) else {
                throw r.fail("tensor '\(name)' has \(nDims) dimensions; ggml allows 1 to \(Self.maxDimensions)")
            }
            var shape: [Int] = []
            var elements = 1
            for d in 0..<Int(nDims) {
                let n = try r.read(UInt64.self, "dimension \(d) of '\(name)'")
                guard n <= UInt64(Int32.max) * 4, let v = Int(exactly: n) else {
                    throw r.fail("tensor '\(name)' dimension \(d) is \(n), too large")
                }
                let (p, o) = elements.multipliedReportingOverflow(by: v)
                guard !o, p <= Int(Int64.max) / 8 else { throw r.fail("tensor '\(name)' has too many elements") }
                elements = p
                shape.append(v)
            }
            let rawType = try r.read(UInt32.self, "type of '\(name)'")
            guard let type = GGMLType(rawValue: rawType) else {
                throw CheckpointError.unsupported(path: file.path,
                    message: "tensor '\(name)' has unknown ggml type id \(rawType); this file needs a newer runtime")
            }
            guard shape[0] % type.blockSize == 0, let bytes = type.byteCount(elements: elements) else {
                throw r.fail("tensor '\(name)' of type \(type) has \(shape[0]) values per row, not a multiple of its block size \(type.blockSize)")
            }
            let off = try r.read(UInt64.self, "offset of '\(name)'")
            guard let relOffset = Int(exactly: off), relOffset % alignment == 0 else {
                throw r.fail("tensor '\(name)' offset \(off) is not a multiple of the alignment \(alignment)")
            }
            if index[name] != nil { throw r.fail("tensor name '\(name)' appears twice") }
            index[name] = raws.count
            raws.append(Raw(name: name, shape: shape, type: type, relOffset: relOffset, bytes: bytes))
        }

        // Tensor data starts at the next multiple of the alignment.
        let dataOffset = (r.offset + alignment - 1) / alignment * alignment
        guard dataOffset <= file.count || raws.isEmpty else {
            throw CheckpointError.malformed(path: file.path, offset: r.offset, message: "tensor data section is missing (file ends at byte \(file.count))")
        }
        self.dataOffset = dataOffset
        var tensors: [TensorInfo] = []
        tensors.reserveCapacity(raws.count)
        for t in raws {
            let (start, o1) = dataOffset.addingReportingOverflow(t.relOffset)
            let (end, o2) = start.addingReportingOverflow(t.bytes)
            guard !o1, !o2, end <= file.count else {
                throw CheckpointError.malformed(path: file.path, offset: dataOffset,
                    message: "tensor '\(t.name)' (\(t.bytes) bytes at data offset \(t.relOffset)) runs past the end of the file (\(file.count) bytes)")
            }
            tensors.append(TensorInfo(name: t.name, shape: t.shape, type: t.type, offset: start, byteCount: t.bytes))
        }
        self.tensors = tensors
        self.tensorIndex = index
    }

    private static func readValue(_ r: inout ByteReader, type: GGUFValueType, key: String, depth: Int, file: MappedFile) throws -> GGUFValue {
        switch type {
        case .uint8: return .uint8(try r.read(UInt8.self, key))
        case .int8: return .int8(try r.read(Int8.self, key))
        case .uint16: return .uint16(try r.read(UInt16.self, key))
        case .int16: return .int16(try r.read(Int16.self, key))
        case .uint32: return .uint32(try r.read(UInt32.self, key))
        case .int32: return .int32(try r.read(Int32.self, key))
        case .uint64: return .uint64(try r.read(UInt64.self, key))
        case .int64: return .int64(try r.read(Int64.self, key))
        case .float32: return .float32(try r.readF32(key))
        case .float64: return .float64(try r.readF64(key))
        case .bool:
            let b = try r.read(UInt8.self, key)
            guard b <= 1 else { throw r.fail("metadata '\(key)' is a bool with value \(b)") }
            return .bool(b == 1)
        case .string: return .string(try r.readString("value of '\(key)'"))
        case .array:
            guard depth < maxArrayDepth else { throw r.fail("metadata '\(key)' nests arrays deeper than \(maxArrayDepth)") }
            let rawType = try r.read(UInt32.self, "element type of '\(key)'")
            guard let elementType = GGUFValueType(rawValue: rawType) else {
                throw r.fail("metadata array '\(key)' has unknown element type \(rawType)")
            }
            let count = try r.read(UInt64.self, "length of '\(key)'")
            guard count <= UInt64(r.remaining / elementType.minimumEncodedSize) else {
                throw r.fail("metadata array '\(key)' claims \(count) elements but only \(r.remaining) bytes remain")
            }
            return .array(try readArray(&r, elementType: elementType, count: Int(count), key: key, depth: depth, file: file))
        }
    }

    /// The elements of an array whose header was read: numbers stay packed and strings stay in place in the
    /// mapped file (one offset each); only strings that are not valid UTF-8 are copied, repaired.
    private static func readArray(_ r: inout ByteReader, elementType: GGUFValueType, count: Int, key: String, depth: Int,
                                  file: MappedFile) throws -> GGUFArray {
        let start = r.offset
        switch elementType {
        case .array:
            var values: [GGUFValue] = []
            values.reserveCapacity(count)
            for _ in 0..<count {
                values.append(try readValue(&r, type: elementType, key: key, depth: depth + 1, file: file))
            }
            return GGUFArray(elementType: elementType, count: count, storage: .values(values))
        case .string:
            var offsets: [UInt32] = []
            offsets.reserveCapacity(count)
            var valid = true
            for _ in 0..<count {
                guard r.offset - start <= Int(UInt32.max) else {
                    throw r.fail("metadata array '\(key)' holds more than 4 GiB of strings")
                }
                offsets.append(UInt32(r.offset - start))
                let len = try r.read(UInt64.self, "length of value of '\(key)'")
                guard len <= UInt64(min(r.remaining, 1 << 30)) else {
                    throw r.fail("value of '\(key)' claims \(len) bytes but only \(r.remaining) remain")
                }
                if valid { valid = UTF8Validation.isValid(UnsafeRawBufferPointer(rebasing: r.bytes[r.offset..<r.offset + Int(len)])) }
                try r.skip(Int(len), "value of '\(key)'")
            }
            let window = UnsafeRawBufferPointer(rebasing: r.bytes[start..<r.offset])
            let array = GGUFArray(elementType: .string, count: count, storage: .strings(GGUFBytes(window: window, owner: file), offsets: offsets))
            // Invalid UTF-8 is repaired (U+FFFD) as for single strings: rebuild the array from decoded strings.
            return valid ? array : GGUFArray(strings: (0..<count).map(array.string(at:)))
        default:
            let size = elementType.packedSize
            try r.need(count * size, "elements of '\(key)'")
            let window = UnsafeRawBufferPointer(rebasing: r.bytes[start..<start + count * size])
            if elementType == .bool, let i = window.firstIndex(where: { $0 > 1 }) {
                try r.skip(i + 1, key)
                throw r.fail("metadata '\(key)' is a bool with value \(window[i])")
            }
            try r.skip(count * size, key)
            return GGUFArray(elementType: elementType, count: count, storage: .packed(GGUFBytes(window: window, owner: file)))
        }
    }

    private static func hex(_ v: UInt32) -> String {
        "0x" + String(v, radix: 16, uppercase: false)
    }

    /// Drops the resident pages of the header and metadata (everything before the tensor data) from memory;
    /// metadata views stay valid and fault back in when read. Call once the tables built from the metadata
    /// (model config, tokenizer) exist, so the pages read while building them stop counting toward peak memory.
    public func releaseMetadataPages() {
        file.releaseResidentPages(0..<min(dataOffset, file.count))
    }

    /// The tensor named `name`, if present.
    public func tensor(named name: String) -> TensorInfo? { tensorIndex[name].map { tensors[$0] } }

    /// The tensor named `name`.
    /// - Throws: `CheckpointError.missingTensor` when absent.
    public func require(_ name: String) throws -> TensorInfo {
        guard let t = tensor(named: name) else { throw CheckpointError.missingTensor(path: path, name: name) }
        return t
    }

    /// A zero-copy view of a tensor's bytes, valid while this file is alive.
    public func data(of tensor: TensorInfo) -> UnsafeRawBufferPointer {
        UnsafeRawBufferPointer(rebasing: file.bytes[tensor.offset..<tensor.offset + tensor.byteCount])
    }

    /// `general.architecture`, e.g. `llama`.
    public var architecture: String? { metadata["general.architecture"]?.string }

    /// Reads an integer key, trying `key` as given and with the architecture prefix (`llama.context_length`).
    public func int(_ key: String) -> Int? {
        metadata[key]?.int ?? architecture.flatMap { metadata["\($0).\(key)"]?.int }
    }
}
