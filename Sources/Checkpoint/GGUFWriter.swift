import Foundation

/// Builds a GGUF v3 file: metadata in insertion order, then tensors aligned to `alignment`.
///
/// Used by tests to make tiny synthetic models, and by quantization and LoRA export.
public struct GGUFWriter {
    public private(set) var metadata = GGUFMetadata()
    private var tensors: [(name: String, shape: [Int], type: GGMLType, data: [UInt8])] = []
    public let alignment: Int

    public init(alignment: Int = GGUFFile.defaultAlignment) {
        precondition(alignment > 0 && alignment & (alignment - 1) == 0, "alignment must be a power of two")
        self.alignment = alignment
        if alignment != GGUFFile.defaultAlignment { metadata.set("general.alignment", .uint32(UInt32(alignment))) }
    }

    /// Sets a metadata value (replacing an earlier one with the same key).
    public mutating func set(_ key: String, _ value: GGUFValue) { metadata.set(key, value) }

    /// Adds a tensor whose bytes are already encoded in `type`'s layout.
    /// - Throws: `CheckpointError.malformed` when the byte count does not match the shape and type.
    public mutating func addTensor(_ name: String, shape: [Int], type: GGMLType, bytes: [UInt8]) throws {
        let elements = shape.reduce(1, *)
        guard shape.count >= 1, shape.count <= 4, shape[0] % type.blockSize == 0,
              type.byteCount(elements: elements) == bytes.count else {
            throw CheckpointError.malformed(path: name, offset: 0,
                message: "tensor of shape \(shape) and type \(type) needs \(type.byteCount(elements: elements) ?? -1) bytes, got \(bytes.count)")
        }
        tensors.append((name, shape, type, bytes))
    }

    /// Adds an F32 tensor.
    public mutating func addTensor(_ name: String, shape: [Int], floats: [Float]) throws {
        let bytes = floats.withUnsafeBytes { Array($0) }
        try addTensor(name, shape: shape, type: .f32, bytes: bytes)
    }

    /// The complete file.
    public func encoded() -> [UInt8] {
        var out: [UInt8] = []
        func u32(_ v: UInt32) { withUnsafeBytes(of: v.littleEndian) { out.append(contentsOf: $0) } }
        func u64(_ v: UInt64) { withUnsafeBytes(of: v.littleEndian) { out.append(contentsOf: $0) } }
        func str(_ s: String) { u64(UInt64(s.utf8.count)); out.append(contentsOf: s.utf8) }
        func pad() { while out.count % alignment != 0 { out.append(0) } }

        u32(GGUFFile.magic)
        u32(3)
        u64(UInt64(tensors.count))
        u64(UInt64(metadata.count))
        for (k, v) in metadata.entries {
            str(k)
            u32(v.type.rawValue)
            v.encode(into: &out)
        }
        var offset = 0
        for t in tensors {
            str(t.name)
            u32(UInt32(t.shape.count))
            t.shape.forEach { u64(UInt64($0)) }
            u32(t.type.rawValue)
            u64(UInt64(offset))
            offset += (t.data.count + alignment - 1) / alignment * alignment
        }
        pad()
        for t in tensors {
            out.append(contentsOf: t.data)
            pad()
        }
        return out
    }

    /// Writes the file atomically (a temporary file renamed into place).
    public func write(to path: String) throws {
        let tmp = path + ".partial"
        let data = Data(encoded())
        do {
            try data.write(to: URL(fileURLWithPath: tmp))
            if FileManager.default.fileExists(atPath: path) { try FileManager.default.removeItem(atPath: path) }
            try FileManager.default.moveItem(atPath: tmp, toPath: path)
        } catch {
            try? FileManager.default.removeItem(atPath: tmp)
            throw CheckpointError.io(path: path, message: "cannot write: \(error.localizedDescription)")
        }
    }
}
