import Checkpoint
import KernelsAVX2
import KernelsAVX512

/// One tile of a quantized matrix product: `y[t·ys + r] = W[r] · x_t` for `rows` weight rows (stride `ws`
/// bytes) × `tokens` activation rows (stride `xs` bytes) over `n` values:
/// `(n, w, ws, x, xs, tokens, y, ys)`. `rows` is fixed per kernel; `tokens` is 1‥`tileTokens`.
public typealias TileFunction = @Sendable (Int, UnsafeRawPointer, Int, UnsafeRawPointer, Int, Int,
                                           UnsafeMutablePointer<Float>, Int) -> Void

/// A matrix-matrix kernel: rows × tokens tiles that unpack each weight block once for every token of the
/// tile, plus the one-row dot kernel for what does not fill a tile (and for types without a tile kernel).
public struct TileKernel: Sendable {
    /// The one-row kernel: weight type, activation format, path.
    public let dot: DotKernel
    /// Weight rows per tile (1 when the type has no tile kernel on this path).
    public let tileRows: Int
    /// Tokens per full tile.
    public let tileTokens: Int
    let function: TileFunction?

    /// The tile kernel for `dot`'s weight type and path; falls back to `dot` per (row, token) where the path
    /// has none (the scalar path, F32/F16, types not yet tiled).
    public init(_ dot: DotKernel) {
        self.dot = dot
        function = TileKernel.function(dot.weights, q8_1f: dot.activations == .q8_1f, path: dot.path)
        let shape = TileKernel.shape(dot.path)
        tileRows = function == nil ? 1 : shape.rows
        tileTokens = shape.tokens
    }

    /// Rows × tokens of a full tile on `path`.
    static func shape(_ path: KernelPath) -> (rows: Int, tokens: Int) {
        switch path {
        case .scalar: return (1, 4)
        case .avx2: return (AVX2.tileRows, AVX2.tileTokens)
        case .avx512: return (AVX512.tileRows, AVX512.tileTokens)
        }
    }

    /// The SIMD tile for `type` on `path`; Q4_1/Q5_1 tiles take Q8_1F activations (F32 d and s, 40-byte
    /// blocks) only, so `q8_1f` says whether the caller's activations are in that format.
    static func function(_ type: GGMLType, q8_1f: Bool, path: KernelPath) -> TileFunction? {
        if (type == .q4_1 || type == .q5_1) && !q8_1f { return nil }
        switch path {
        case .scalar: return nil
        case .avx2: return avx2(type)
        case .avx512: return avx512(type)
        }
    }

    /// Whether a SIMD tile serves this kernel (else every output is one `dot` call).
    public var isTiled: Bool { function != nil }

    // Only references to the SIMD functions; they run only through a kernel built for a supported path.
    static func avx2(_ type: GGMLType) -> TileFunction? {
        switch type {
        case .q4_0: return AVX2.tileQ4_0
        case .q5_0: return AVX2.tileQ5_0
        case .q8_0: return AVX2.tileQ8_0
        case .q4_1: return AVX2.tileQ4_1
        case .q5_1: return AVX2.tileQ5_1
        case .q4_K: return AVX2.tileQ4_K
        case .q5_K: return AVX2.tileQ5_K
        case .q6_K: return AVX2.tileQ6_K
        default: return nil
        }
    }

    /// 256-bit registers on AVX-512 too: 512-bit versions (two blocks per instruction) measured 0.8-1.0× as
    /// fast on this Zen 5 (more unpacking per tile, no gain in the products).
    static func avx512(_ type: GGMLType) -> TileFunction? {
        switch type {
        case .q4_0: return AVX512.tileQ4_0
        case .q5_0: return AVX512.tileQ5_0
        case .q8_0: return AVX512.tileQ8_0
        case .q4_1: return AVX512.tileQ4_1
        case .q5_1: return AVX512.tileQ5_1
        case .q4_K: return AVX512.tileQ4_K
        case .q5_K: return AVX512.tileQ5_K
        case .q6_K: return AVX512.tileQ6_K
        default: return nil
        }
    }

    /// One tile (or, without a SIMD tile, the same outputs one `dot` at a time): `rows` ≤ `tileRows`,
    /// `tokens` ≤ `tileTokens`. A partial row count always takes the one-row kernel.
    @inline(__always)
    public func tile(_ n: Int, _ w: UnsafeRawPointer, _ ws: Int, rows: Int, _ x: UnsafeRawPointer, _ xs: Int,
                     tokens: Int, _ y: UnsafeMutablePointer<Float>, _ ys: Int) {
        if let f = function, rows == tileRows {
            f(n, w, ws, x, xs, tokens, y, ys)
            return
        }
        ScalarTile.multiply(dot, n, w, ws, rows: rows, x, xs, tokens: tokens, y, ys)
    }
}

/// The reference tile: every (row, token) output from the one-row kernel.
public enum ScalarTile {
    /// `y[t·ys + r] = dot(W[r], x_t)` for r < rows, t < tokens.
    @inline(__always)
    public static func multiply(_ dot: DotKernel, _ n: Int, _ w: UnsafeRawPointer, _ ws: Int, rows: Int,
                                _ x: UnsafeRawPointer, _ xs: Int, tokens: Int, _ y: UnsafeMutablePointer<Float>, _ ys: Int) {
        for t in 0..<tokens {
            for r in 0..<rows { y[t * ys + r] = dot(n, w + r * ws, x + t * xs) }
        }
    }
}

/// Y = X·Wᵀ for a batch of tokens (prefill): W quantized as GGUF stores it (`rows` rows of blocks), X
/// already in the kernel's activation format. Pure: buffers, dimensions, `(thread, threads)`; no
/// allocation, no locks.
///
/// Loop order: the thread's rows are cut into chunks whose weights fit in L1/L2 (`chunkBytes`); for each
/// chunk every token tile passes over every row tile, so a chunk's weights are read from memory once and an
/// activation tile is loaded once per chunk.
public enum QuantGEMM {
    /// Weight bytes of one row chunk: about half of a 48 KiB L1, the rest for the activation tiles.
    public static let chunkBytes = 24 * 1024

    /// Rows [start, end) of `thread` of `threads`, cut at multiples of `tileRows` so only the last thread
    /// may hold a partial tile.
    @inline(__always)
    public static func rowRange(rows: Int, tileRows: Int, thread: Int, threads: Int) -> Range<Int> {
        let tiles = (rows + tileRows - 1) / tileRows
        let share = Parallel.range(tiles, thread: thread, threads: threads)
        return min(rows, share.lowerBound * tileRows)..<min(rows, share.upperBound * tileRows)
    }

    /// `y[t·rows + r] = W[r, :] · x_t` for `tokens` activation rows, this thread's rows.
    /// - Parameters:
    ///   - weights: the matrix bytes (`rows` rows of `cols / blockSize` blocks).
    ///   - x: `tokens` activation rows in `kernel.dot.activations` format, each `rowBytes(cols)` bytes.
    ///   - y: `tokens · rows` floats, token-major.
    public static func multiply(_ kernel: TileKernel, weights: UnsafeRawPointer, rows: Int, cols: Int,
                                x: UnsafeRawPointer, tokens: Int, y: UnsafeMutablePointer<Float>,
                                thread: Int = 0, threads: Int = 1) {
        let wt = kernel.dot.weights
        let rowBytes = wt.typeSize * cols / wt.blockSize
        let xBytes = kernel.dot.activations.rowBytes(cols)
        let R = kernel.tileRows, T = kernel.tileTokens
        let mine = rowRange(rows: rows, tileRows: R, thread: thread, threads: threads)
        let chunkRows = max(R, chunkBytes / max(1, rowBytes) / R * R)
        var chunk = mine.lowerBound
        while chunk < mine.upperBound {
            let chunkEnd = min(chunk + chunkRows, mine.upperBound)
            var t = 0
            while t < tokens {
                let nt = min(T, tokens - t)
                var r = chunk
                while r < chunkEnd {
                    let nr = min(R, chunkEnd - r)
                    kernel.tile(cols, weights + r * rowBytes, rowBytes, rows: nr, x + t * xBytes, xBytes,
                                tokens: nt, y + t * rows + r, rows)
                    r += nr
                }
                t += nt
            }
            chunk = chunkEnd
        }
    }
}
