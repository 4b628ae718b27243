import Checkpoint
import COpenBLAS

/// Matrix products `Y = X·Wᵀ` for a linear layer: W is `rows × cols` (one output per row, ggml's
/// layout), X is `tokens × cols`, Y is `tokens × rows` (token-major). Row-split kernels take
/// `(thread, threads)` and write only their share of W's rows.
public enum Matmul {
    /// Scalar F32 reference: every output is a `cols`-long dot product with eight partial sums.
    public static func f32(w: UnsafePointer<Float>, x: UnsafePointer<Float>, y: UnsafeMutablePointer<Float>,
                           rows: Int, cols: Int, tokens: Int, thread: Int = 0, threads: Int = 1) {
        for r in Parallel.range(rows, thread: thread, threads: threads) {
            let wr = w + r * cols
            for t in 0..<tokens {
                y[t * rows + r] = Elementwise.dot(wr, x + t * cols, count: cols)
            }
        }
    }

    /// The same product through OpenBLAS `sgemm` (its own threads; call it from one thread).
    public static func blas(w: UnsafePointer<Float>, x: UnsafePointer<Float>, y: UnsafeMutablePointer<Float>,
                            rows: Int, cols: Int, tokens: Int) {
        if tokens == 1 {
            cblas_sgemv(CblasRowMajor, CblasNoTrans, Int32(rows), Int32(cols), 1, w, Int32(cols), x, 1, 0, y, 1)
        } else {
            cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, Int32(tokens), Int32(rows), Int32(cols),
                        1, x, Int32(cols), w, Int32(cols), 0, y, Int32(rows))
        }
    }
}
