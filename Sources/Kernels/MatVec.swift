/// y = W·x over a quantized weight matrix stored row-major as GGUF does (`rows` rows of
/// `cols / blockSize` blocks; ggml shape [cols, rows]). Pure: buffers, dimensions, `(thread, threads)`;
/// no allocation, no locks. Thread `t` of `T` computes the rows of `rowRange4` (split on multiples of 4).
public enum MatVec {
    /// Rows of a tile in `matmul`: their weights stay in L1/L2 while every token passes over them.
    public static let rowTile = 16

    /// Rows [start, end) for `thread` of `threads`.
    @inline(__always)
    public static func rowRange(rows: Int, thread: Int, threads: Int) -> Range<Int> {
        (rows * thread / threads)..<(rows * (thread + 1) / threads)
    }

    /// Rows for `thread` of `threads` with every boundary but the last a multiple of 4 (whole `rows4` calls).
    @inline(__always)
    public static func rowRange4(rows: Int, thread: Int, threads: Int) -> Range<Int> {
        let quads = (rows + 3) / 4
        return min(rows, 4 * (quads * thread / threads))..<min(rows, 4 * (quads * (thread + 1) / threads))
    }

    /// One token: `y[r] = W[r, :] · x` for this thread's rows (`rowRange4`), four rows per kernel call.
    /// - Parameters:
    ///   - weights: the matrix bytes (`rows · rowBytes`).
    ///   - x: the activation row already in `kernel.activations` format (`ActivationFormat.quantize`).
    ///   - y: `rows` floats.
    public static func matvec(_ kernel: DotKernel, weights: UnsafeRawPointer, rows: Int, cols: Int,
                              x: UnsafeRawPointer, y: UnsafeMutablePointer<Float>, thread: Int = 0, threads: Int = 1) {
        let rowBytes = kernel.weights.typeSize * cols / kernel.weights.blockSize
        let mine = rowRange4(rows: rows, thread: thread, threads: threads)
        var r = mine.lowerBound
        while r + 4 <= mine.upperBound {
            kernel.rows4(cols, weights + r * rowBytes, stride: rowBytes, x, y + r)
            r += 4
        }
        while r < mine.upperBound {
            y[r] = kernel(cols, weights + r * rowBytes, x)
            r += 1
        }
    }

    /// A batch: `y[t·rows + r] = W[r, :] · x_t` for `tokens` activation rows, this thread's rows, tiled
    /// rows × tokens so each weight tile is read from memory once.
    /// - Parameters:
    ///   - x: `tokens` activation rows in `kernel.activations` format, each `activations.rowBytes(cols)` bytes.
    ///   - y: `tokens · rows` floats, token-major.
    public static func matmul(_ kernel: DotKernel, weights: UnsafeRawPointer, rows: Int, cols: Int,
                              x: UnsafeRawPointer, tokens: Int, y: UnsafeMutablePointer<Float>,
                              thread: Int = 0, threads: Int = 1) {
        let rowBytes = kernel.weights.typeSize * cols / kernel.weights.blockSize
        let xBytes = kernel.activations.rowBytes(cols)
        let mine = rowRange4(rows: rows, thread: thread, threads: threads)
        var tile = mine.lowerBound
        while tile < mine.upperBound {
            let end = min(tile + rowTile, mine.upperBound)
            for t in 0..<tokens {
                let xt = x + t * xBytes, yt = y + t * rows
                var r = tile
                while r + 4 <= end {
                    kernel.rows4(cols, weights + r * rowBytes, stride: rowBytes, xt, yt + r)
                    r += 4
                }
                while r < end { yt[r] = kernel(cols, weights + r * rowBytes, xt); r += 1 }
            }
            tile = end
        }
    }
}
