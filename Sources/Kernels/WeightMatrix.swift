import Checkpoint

/// A quantized weight matrix as GGUF stores it (ggml shape [cols, rows]: `rows` rows of `cols/blockSize`
/// blocks) with the dot kernel for the current path: the one call a model's linear layer needs.
public struct WeightMatrix: @unchecked Sendable {
    /// The matrix bytes (borrowed: the GGUF mapping must outlive this view).
    public let data: UnsafeRawPointer
    /// Output features (`y` length per token).
    public let rows: Int
    /// Input features (`x` length per token).
    public let cols: Int
    /// The kernel, with the activation format `x` is converted to.
    public let kernel: DotKernel

    /// - Throws: `KernelError.unsupportedType` for a type without a dot kernel, `WeightMatrixError`
    ///   when `cols` is not a whole number of blocks or `byteCount` is too small, `KernelPathError` for a
    ///   path this CPU cannot run.
    public init(type: GGMLType, rows: Int, cols: Int, data: UnsafeRawPointer, byteCount: Int,
                path: KernelPath = .current, tensor: String = "") throws {
        kernel = try DotKernel(weights: type, path: path, tensor: tensor)
        let block = max(type.blockSize, kernel.activations.blockSize)
        guard cols > 0, rows > 0, cols % block == 0 else {
            throw WeightMatrixError.rowLength(tensor: tensor, type: type, cols: cols, rows: rows, multipleOf: block)
        }
        let needed = rows * cols / type.blockSize * type.typeSize
        guard byteCount >= needed else {
            throw WeightMatrixError.tooFewBytes(tensor: tensor, expected: needed, actual: byteCount)
        }
        self.data = data
        self.rows = rows
        self.cols = cols
    }

    /// Scratch bytes `apply` needs for `tokens` activation rows.
    public func scratchBytes(tokens: Int) -> Int { tokens * kernel.activations.rowBytes(cols) }

    /// y[t·rows + r] = Σ_c W[r, c]·x[t·cols + c] for `tokens` rows of `x`: converts each activation row once
    /// into `scratch` (`scratchBytes(tokens:)` bytes), then splits the rows across the pool.
    public func apply(_ x: UnsafePointer<Float>, tokens: Int, y: UnsafeMutablePointer<Float>,
                      scratch: UnsafeMutableRawPointer, pool: ThreadPool) {
        let format = kernel.activations, xBytes = format.rowBytes(cols), cols = cols
        if tokens == 1 {
            format.quantize(x, count: cols, into: scratch)
        } else {
            pool.parallelFor(tokens) { t, _ in format.quantize(x + t * cols, count: cols, into: scratch + t * xBytes) }
        }
        let xq = UnsafeRawPointer(scratch)
        pool.run { thread, threads in
            if tokens == 1 {
                MatVec.matvec(kernel, weights: data, rows: rows, cols: cols, x: xq, y: y, thread: thread, threads: threads)
            } else {
                MatVec.matmul(kernel, weights: data, rows: rows, cols: cols, x: xq, tokens: tokens, y: y, thread: thread, threads: threads)
            }
        }
    }
}

/// A weight tensor whose shape or size does not fit its block type (a damaged or mislabelled file).
public enum WeightMatrixError: Error, Equatable, CustomStringConvertible {
    case rowLength(tensor: String, type: GGMLType, cols: Int, rows: Int, multipleOf: Int)
    case tooFewBytes(tensor: String, expected: Int, actual: Int)

    public var description: String {
        switch self {
        case .rowLength(let t, let type, let cols, let rows, let k):
            return "tensor '\(t)' (\(type), \(rows) rows × \(cols) columns) cannot be multiplied: rows must be a positive multiple of \(k) values; the file may be damaged, re-download or re-convert it"
        case .tooFewBytes(let t, let e, let a):
            return "tensor '\(t)' has \(a) bytes of data, its shape needs \(e); the file may be truncated, re-download it"
        }
    }
}
