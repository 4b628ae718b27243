import Checkpoint
import Kernels

/// A weight matrix `W` (`rows × cols`, one output per row) applied as `Y = X·Wᵀ` to a batch of tokens.
///
/// Reference mode owns an F32 copy of the dequantized weights and multiplies with OpenBLAS.
/// Fast mode points into the memory-mapped file (zero copy), rounds each activation row to 8 bits the
/// way llama.cpp pairs activations with the weight type (F32-scaled Q8_1F for Q4_1/Q5_1) and multiplies
/// with the integer dot kernels of the CPU's path (`DotKernel`: AVX-512 VNNI, AVX2 or scalar, each checked
/// against the scalar reference); weight types without such a kernel (F32, F16, …) are dequantized once
/// and take the F32 path.
public final class Linear: @unchecked Sendable {
    public let name: String
    /// Output features.
    public let rows: Int
    /// Input features.
    public let cols: Int
    private let storage: Storage

    private enum Storage {
        case f32([Float])
        /// Quantized weights multiplied by the dot kernels of the CPU's path (`KernelPath.current`).
        case simd(file: GGUFFile, weights: UnsafeRawPointer, kernel: DotKernel)
        /// Placeholder for a missing tensor; the loader throws before a model can hold one.
        case missing
    }

    /// Weight types that take the integer dot kernels (Q4_1/Q5_1 pair with F32-scaled Q8_1F activations and
    /// combine their two terms per block: SmolLM2 stays within 1.1× llama.cpp's mean logit error).
    static let simdTypes: Set<GGMLType> = [.q4_0, .q4_1, .q5_0, .q5_1, .q8_0, .q2_K, .q3_K, .q4_K, .q5_K, .q6_K]

    /// The weight type of the quantized path, or nil when this layer multiplies in F32.
    public var quantizedType: GGMLType? {
        if case .simd(_, _, let k) = storage { return k.weights }
        return nil
    }

    init(name: String, rows: Int, cols: Int, info: TensorInfo, file: GGUFFile, mode: ComputeMode) throws {
        self.name = name
        self.rows = rows
        self.cols = cols
        if mode == .fast, Self.simdTypes.contains(info.type),
           DotKernel.supported.contains(info.type), cols % 256 == 0 || info.type.blockSize == 32,
           cols % info.type.blockSize == 0, let base = file.data(of: info).baseAddress,
           let kernel = try? DotKernel(weights: info.type, tensor: info.name) {
            storage = .simd(file: file, weights: base, kernel: kernel)
        } else {
            storage = .f32(try Dequantize.toF32(info, data: file.data(of: info)))
        }
    }

    /// A reference (F32) layer from weights already in memory, `rows × cols` row-major
    /// (for checkpoints that are not GGUF, such as safetensors encoders).
    /// - Precondition: `weights.count == rows · cols`.
    public init(name: String, rows: Int, cols: Int, weights: [Float]) {
        precondition(weights.count == rows * cols, "Linear \(name): \(weights.count) weights for \(rows)×\(cols)")
        self.name = name
        self.rows = rows
        self.cols = cols
        storage = .f32(weights)
    }

    private init(missing name: String) {
        self.name = name
        rows = 0
        cols = 0
        storage = .missing
    }

    static func missing(_ name: String) -> Linear { Linear(missing: name) }

    /// `y[t·rows + r] = Σₖ W[r, k] · x[t·cols + k]` for `tokens` rows of `x` (token-major in and out).
    ///
    /// - Parameter tiled: whether quantized weights take the prefill panels (`QuantGEMM`: rows × every token) or
    ///   the one-row kernels. Default: panels for more than one token. Each row's result depends only on the
    ///   kernel family, never on the other rows of the call, so a caller that picks the family per sequence
    ///   (`Decoder.project`) gets the same numbers for a sequence alone or batched with others.
    public func apply(_ x: UnsafePointer<Float>, tokens: Int, _ y: UnsafeMutablePointer<Float>, parallel: Parallel,
                      tiled: Bool? = nil) {
        switch storage {
        case .f32(let w):
            w.withUnsafeBufferPointer { wb in
                guard let wp = wb.baseAddress else { return }
                Matmul.blas(w: wp, x: x, y: y, rows: rows, cols: cols, tokens: tokens)
            }
        case .simd(_, let weights, let kernel):
            // Each activation row is rounded once to the kernel's 8-bit format, then rows are split over threads.
            if tiled ?? (tokens > 1) {
                applyTiled(PrefillKernel(kernel), weights: weights, x: x, tokens: tokens, y: y, parallel: parallel)
                return
            }
            let format = kernel.activations
            let xBytes = format.rowBytes(cols)
            let q = UnsafeMutableRawPointer.allocate(byteCount: max(1, xBytes * tokens), alignment: 64)
            defer { q.deallocate() }
            let rows = self.rows, cols = self.cols
            let qx = UnsafeRawPointer(q)
            for t in 0..<tokens { format.quantize(x + t * cols, count: cols, into: q + t * xBytes) }
            parallel.run { thread, threads in
                MatVec.matmul(kernel, weights: weights, rows: rows, cols: cols, x: qx, tokens: tokens, y: y,
                              thread: thread, threads: threads)
            }
        case .missing:
            break
        }
    }
}

extension Linear {
    /// Prefill: the tokens' activation rows are quantized in parallel (each thread its share of tokens) to
    /// the format `kernel` takes, then `QuantGEMM` multiplies, each thread its share of rows.
    func applyTiled(_ kernel: PrefillKernel, weights: UnsafeRawPointer, x: UnsafePointer<Float>, tokens: Int,
                    y: UnsafeMutablePointer<Float>, parallel: Parallel) {
        let format = kernel.activations, rows = rows, cols = cols
        let xBytes = format.rowBytes(cols)
        let q = UnsafeMutableRawPointer.allocate(byteCount: max(1, xBytes * tokens), alignment: 64)
        defer { q.deallocate() }
        parallel.run { thread, threads in
            for t in Parallel.range(tokens, thread: thread, threads: threads) {
                format.quantize(x + t * cols, count: cols, into: q + t * xBytes)
            }
        }
        let qx = UnsafeRawPointer(q)
        parallel.run { thread, threads in
            QuantGEMM.multiply(kernel, weights: weights, rows: rows, cols: cols, x: qx, tokens: tokens, y: y,
                               thread: thread, threads: threads)
        }
    }
}

/// Loads tensors by name for one model, checking shapes and collecting every missing name so the
/// error lists them all at once.
struct WeightLoader {
    let file: GGUFFile
    let mode: ComputeMode
    private(set) var missing: [String] = []

    init(file: GGUFFile, mode: ComputeMode) {
        self.file = file
        self.mode = mode
    }

    private mutating func find(_ name: String, shape: [Int]) throws -> TensorInfo? {
        guard let info = file.tensor(named: name) else { missing.append(name); return nil }
        // A 1-D vector may be stored as [n] or [n, 1].
        let actual = info.shape.count > shape.count && info.shape[shape.count...].allSatisfy({ $0 == 1 })
            ? Array(info.shape[..<shape.count]) : info.shape
        guard actual == shape else {
            throw ModelError.badShape(path: file.path, tensor: name, expected: shape, actual: info.shape)
        }
        return info
    }

    /// A `rows × cols` matrix (ggml shape `[cols, rows]`).
    mutating func linear(_ name: String, rows: Int, cols: Int) throws -> Linear {
        guard let info = try find(name, shape: [cols, rows]) else { return .missing(name) }
        return try Linear(name: name, rows: rows, cols: cols, info: info, file: file, mode: mode)
    }

    /// A vector of `count` values, dequantized.
    mutating func vector(_ name: String, count: Int) throws -> [Float] {
        guard let info = try find(name, shape: [count]) else { return [] }
        return try Dequantize.toF32(info, data: file.data(of: info))
    }

    /// Whether a tensor exists (for optional tensors such as `output.weight`).
    func has(_ name: String) -> Bool { file.tensor(named: name) != nil }

    /// Throws `ModelError.missingTensors` when any requested tensor was absent.
    func finish() throws {
        if !missing.isEmpty { throw ModelError.missingTensors(path: file.path, names: missing) }
    }
}

/// Token embedding rows, dequantized on demand from the (possibly quantized) table.
struct Embedding: @unchecked Sendable {
    let file: GGUFFile
    let info: TensorInfo
    let width: Int
    let count: Int

    /// Writes row `id` (`width` values) times `scale` to `out`.
    func lookup(_ id: Int, scale: Float, into out: UnsafeMutablePointer<Float>) throws {
        guard let rowBytes = info.type.byteCount(elements: width) else { return }
        let data = file.data(of: info)
        let src = UnsafeRawBufferPointer(rebasing: data[(id * rowBytes)..<((id + 1) * rowBytes)])
        try Dequantize.toF32(info.type, src: src, dst: UnsafeMutableBufferPointer(start: out, count: width),
                             count: width, tensor: info.name)
        if scale != 1 { for i in 0..<width { out[i] *= scale } }
    }
}
