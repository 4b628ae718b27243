import Checkpoint
import KernelsAVX2
import KernelsAVX512

/// One tile of a quantized matrix product: `y[t·ys + r] = W[r] · x_t` for `rows` weight rows (stride `ws`
/// bytes) × `tokens` activation rows (stride `xs` bytes) over `n` values:
/// `(n, w, ws, x, xs, tokens, y, ys)`. `rows` is fixed per kernel; `tokens` is 1‥`tileTokens`.
public typealias TileFunction = @Sendable (Int, UnsafeRawPointer, Int, UnsafeRawPointer, Int, Int,
                                           UnsafeMutablePointer<Float>, Int) -> Void

/// A panel of a quantized matrix product: `y[t·ys + r] = W[r] · x_t` for `rows` ≤ `panelRows` weight rows
/// and every one of `tokens` Q8_1F activation rows: `(n, w, ws, rows, x, xs, tokens, y, ys, scratch)`;
/// `scratch` holds `panelScratch(n)` bytes (the decoded rows).
public typealias PanelFunction = @Sendable (Int, UnsafeRawPointer, Int, Int, UnsafeRawPointer, Int, Int,
                                            UnsafeMutablePointer<Float>, Int, UnsafeMutableRawPointer) -> Void

/// A matrix-matrix kernel, by weight type and path: panels (rows decoded once for every token of the call,
/// SIMDShared/PanelGEMM.swift) for the types whose scales cover 32 values; else rows × tokens tiles that
/// unpack each weight block once per tile (Q6_K), plus the one-row dot kernel for what does not fill a tile
/// and for types without either (the scalar path, F32/F16, Q2_K, Q3_K).
public struct TileKernel: Sendable {
    /// The one-row kernel: weight type, its activation format, path.
    public let dot: DotKernel
    /// Weight rows per tile (1 when the type has no tile kernel on this path).
    public let tileRows: Int
    /// Tokens per full tile.
    public let tileTokens: Int
    let function: TileFunction?
    /// The panel kernel, its rows and its scratch bytes per row length (nil: tiles).
    let panel: PanelFunction?
    public let panelRows: Int
    let panelScratch: @Sendable (Int) -> Int
    /// The activation format the product takes: Q8_1F for panels, else the dot kernel's.
    public let activations: ActivationFormat

    /// The tile kernel for `dot`'s weight type and path; falls back to `dot` per (row, token) where the path
    /// has none (the scalar path, F32/F16, types not yet tiled).
    public init(_ dot: DotKernel) {
        self.dot = dot
        function = TileKernel.function(dot.weights, path: dot.path)
        let shape = TileKernel.shape(dot.path)
        tileRows = function == nil ? 1 : shape.rows
        tileTokens = shape.tokens
        switch dot.path {
        case .scalar: (panel, panelRows, panelScratch) = (nil, 1, { _ in 0 })
        case .avx2: (panel, panelRows, panelScratch) = (TileKernel.avx2Panel(dot.weights), AVX2.panelRowCount, AVX2.panelScratch)
        case .avx512: (panel, panelRows, panelScratch) = (TileKernel.avx512Panel(dot.weights), AVX512.panelRowCount, AVX512.panelScratch)
        }
        activations = panel == nil ? dot.activations : .q8_1f
    }

    /// Whether panels serve this kernel.
    public var isPanel: Bool { panel != nil }

    // Only references to the SIMD functions; they run only through a kernel built for a supported path.
    static func avx2Panel(_ type: GGMLType) -> PanelFunction? {
        switch type {
        case .q4_0: return AVX2.panelQ4_0
        case .q5_0: return AVX2.panelQ5_0
        case .q8_0: return AVX2.panelQ8_0
        case .q4_1: return AVX2.panelQ4_1
        case .q5_1: return AVX2.panelQ5_1
        case .q4_K: return AVX2.panelQ4_K
        case .q5_K: return AVX2.panelQ5_K
        default: return nil
        }
    }

    /// 256-bit registers on AVX-512 too, two groups of eight rows (a 512-bit tile variant measured 0.8-1.0×
    /// on this Zen 5; the panel's 256-bit sums keep one code path for both instruction sets).
    static func avx512Panel(_ type: GGMLType) -> PanelFunction? {
        switch type {
        case .q4_0: return AVX512.panelQ4_0
        case .q5_0: return AVX512.panelQ5_0
        case .q8_0: return AVX512.panelQ8_0
        case .q4_1: return AVX512.panelQ4_1
        case .q5_1: return AVX512.panelQ5_1
        case .q4_K: return AVX512.panelQ4_K
        case .q5_K: return AVX512.panelQ5_K
        default: return nil
        }
    }

    /// Rows × tokens of a full tile on `path`.
    static func shape(_ path: KernelPath) -> (rows: Int, tokens: Int) {
        switch path {
        case .scalar: return (1, 4)
        case .avx2: return (AVX2.tileRows, AVX2.tileTokens)
        case .avx512: return (AVX512.tileRows, AVX512.tileTokens)
        }
    }

    /// The SIMD tile for `type` on `path` (Q6_K; the 32-value types take panels).
    static func function(_ type: GGMLType, path: KernelPath) -> TileFunction? {
        guard type == .q6_K else { return nil }
        switch path {
        case .scalar: return nil
        case .avx2: return AVX2.tileQ6_K
        case .avx512: return AVX512.tileQ6_K
        }
    }

    /// Whether a SIMD panel or tile serves this kernel (else every output is one `dot` call).
    public var isTiled: Bool { function != nil || panel != nil }

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
    ///   - x: `tokens` activation rows in `kernel.activations` format, each `rowBytes(cols)` bytes.
    ///   - y: `tokens · rows` floats, token-major.
    public static func multiply(_ kernel: TileKernel, weights: UnsafeRawPointer, rows: Int, cols: Int,
                                x: UnsafeRawPointer, tokens: Int, y: UnsafeMutablePointer<Float>,
                                thread: Int = 0, threads: Int = 1) {
        let wt = kernel.dot.weights
        let rowBytes = wt.typeSize * cols / wt.blockSize
        let xBytes = kernel.activations.rowBytes(cols)
        if let panel = kernel.panel {
            // Each panel of rows is decoded once into the scratch, then meets every token.
            let P = kernel.panelRows
            let mine = rowRange(rows: rows, tileRows: P, thread: thread, threads: threads)
            guard !mine.isEmpty else { return }
            let scratch = UnsafeMutableRawPointer.allocate(byteCount: kernel.panelScratch(cols), alignment: 64)
            defer { scratch.deallocate() }
            var r = mine.lowerBound
            while r < mine.upperBound {
                let nr = min(P, mine.upperBound - r)
                panel(cols, weights + r * rowBytes, rowBytes, nr, x, xBytes, tokens, y + r, rows, scratch)
                r += nr
            }
            return
        }
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
