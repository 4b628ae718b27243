import Checkpoint
import KernelsAVX2
import KernelsAVX512

/// A panel of a quantized matrix product: `y[t·ys + r] = W[r] · x_t` for `rows` ≤ `panelRows` weight rows
/// and every one of `tokens` Q8_1F activation rows: `(n, w, ws, rows, x, xs, tokens, y, ys, scratch)`;
/// `scratch` holds `panelScratch(n)` bytes (the decoded rows).
public typealias PanelFunction = @Sendable (Int, UnsafeRawPointer, Int, Int, UnsafeRawPointer, Int, Int,
                                            UnsafeMutablePointer<Float>, Int, UnsafeMutableRawPointer) -> Void

/// A matrix-matrix kernel for one weight type and path: SIMD panels (rows decoded once for every token of
/// the call, SIMDShared/PanelGEMM.swift) for Q4_0, Q5_0, Q8_0, Q4_1, Q5_1, Q4_K, Q5_K and Q6_K; else the
/// one-row dot kernel per (row, token) (the scalar path, and types without a panel: Q2_K, Q3_K).
public struct PrefillKernel: Sendable {
    /// The one-row kernel: weight type, its activation format, path.
    public let dot: DotKernel
    let panel: PanelFunction?
    /// Weight rows per panel (1 without one).
    public let panelRows: Int
    let panelScratch: @Sendable (Int) -> Int
    /// The activation format the product takes: Q8_1F for panels (F32 scale and sum per 32 values), else
    /// the dot kernel's.
    public let activations: ActivationFormat

    public init(_ dot: DotKernel) {
        self.dot = dot
        switch dot.path {
        case .scalar: (panel, panelRows, panelScratch) = (nil, 1, { _ in 0 })
        case .avx2: (panel, panelRows, panelScratch) = (PrefillKernel.avx2Panel(dot.weights), AVX2.panelRowCount, AVX2.panelScratch)
        case .avx512: (panel, panelRows, panelScratch) = (PrefillKernel.avx512Panel(dot.weights), AVX512.panelRowCount, AVX512.panelScratch)
        }
        activations = panel == nil ? dot.activations : .q8_1f
    }

    /// Whether panels serve this kernel (else every output is one `dot` call).
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
        case .q6_K: return AVX2.panelQ6_K
        default: return nil
        }
    }

    /// 256-bit registers on AVX-512 too, two groups of eight rows (512-bit tiles measured 0.8-1.0× on this
    /// Zen 5; 256-bit sums keep one code path for both instruction sets).
    static func avx512Panel(_ type: GGMLType) -> PanelFunction? {
        switch type {
        case .q4_0: return AVX512.panelQ4_0
        case .q5_0: return AVX512.panelQ5_0
        case .q8_0: return AVX512.panelQ8_0
        case .q4_1: return AVX512.panelQ4_1
        case .q5_1: return AVX512.panelQ5_1
        case .q4_K: return AVX512.panelQ4_K
        case .q5_K: return AVX512.panelQ5_K
        case .q6_K: return AVX512.panelQ6_K
        default: return nil
        }
    }
}

/// Y = X·Wᵀ for a batch of tokens (prefill): W quantized as GGUF stores it (`rows` rows of blocks), X
/// already in the kernel's activation format. Pure: buffers, dimensions, `(thread, threads)`; no locks;
/// one scratch allocation per call and thread (a panel's decoded rows).
///
/// With panels each thread decodes its rows a panel at a time and runs every token through it: a weight
/// block is unpacked once per call, not once per token. Without, the thread's rows are cut into chunks
/// whose weights fit in L1/L2 (`chunkBytes`) and every token passes over a chunk before the next.
public enum QuantGEMM {
    /// Weight bytes of one row chunk of the dot path: about half of a 48 KiB L1.
    public static let chunkBytes = 24 * 1024

    /// Rows [start, end) of `thread` of `threads`, cut at multiples of `unit` so only the last thread may
    /// hold a partial panel.
    @inline(__always)
    public static func rowRange(rows: Int, unit: Int, thread: Int, threads: Int) -> Range<Int> {
        let units = (rows + unit - 1) / unit
        let share = Parallel.range(units, thread: thread, threads: threads)
        return min(rows, share.lowerBound * unit)..<min(rows, share.upperBound * unit)
    }

    /// `y[t·rows + r] = W[r, :] · x_t` for `tokens` activation rows, this thread's rows.
    /// - Parameters:
    ///   - weights: the matrix bytes (`rows` rows of `cols / blockSize` blocks).
    ///   - x: `tokens` activation rows in `kernel.activations` format, each `rowBytes(cols)` bytes.
    ///   - y: `tokens · rows` floats, token-major.
    public static func multiply(_ kernel: PrefillKernel, weights: UnsafeRawPointer, rows: Int, cols: Int,
                                x: UnsafeRawPointer, tokens: Int, y: UnsafeMutablePointer<Float>,
                                thread: Int = 0, threads: Int = 1) {
        let wt = kernel.dot.weights
        let rowBytes = wt.typeSize * cols / wt.blockSize
        let xBytes = kernel.activations.rowBytes(cols)
        let P = kernel.panelRows
        let mine = rowRange(rows: rows, unit: P, thread: thread, threads: threads)
        guard !mine.isEmpty else { return }
        if let panel = kernel.panel {
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
        let dot = kernel.dot
        let chunkRows = max(1, chunkBytes / max(1, rowBytes))
        var chunk = mine.lowerBound
        while chunk < mine.upperBound {
            let chunkEnd = min(chunk + chunkRows, mine.upperBound)
            for t in 0..<tokens {
                for r in chunk..<chunkEnd { y[t * rows + r] = dot(cols, weights + r * rowBytes, x + t * xBytes) }
            }
            chunk = chunkEnd
        }
    }
}
