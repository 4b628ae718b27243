import COpenBLAS

/// F32 matrix multiply, row-major: `C[m×n] = A[m×k] · op(B) + beta · C`, where `op(B)` is `B[k×n]` or,
/// with `bTransposed`, `B[n×k]ᵀ` — the layout of a PyTorch `Linear` weight `[out, in]`, so a layer is
/// `gemm(m: tokens, n: out, k: in, a: x, b: weight, bTransposed: true)`.
///
/// `lda`, `ldb`, `ldc` are row strides in elements, so a head's slice of a fused QKV buffer can be
/// multiplied in place. Both paths run on the calling thread: the caller owns the threads.
public enum GEMM {
    /// The scalar reference: a plain triple loop, Float accumulation in `k` order.
    public static func reference(m: Int, n: Int, k: Int,
                                 a: UnsafePointer<Float>, lda: Int,
                                 b: UnsafePointer<Float>, ldb: Int, bTransposed: Bool,
                                 c: UnsafeMutablePointer<Float>, ldc: Int, beta: Float = 0) {
        for i in 0..<m {
            for j in 0..<n {
                var sum: Float = 0
                if bTransposed {
                    for p in 0..<k { sum += a[i * lda + p] * b[j * ldb + p] }
                } else {
                    for p in 0..<k { sum += a[i * lda + p] * b[p * ldb + j] }
                }
                c[i * ldc + j] = beta == 0 ? sum : sum + beta * c[i * ldc + j]
            }
        }
    }

    /// OpenBLAS `sgemm`, single-threaded on the calling thread, so callers split work across their own
    /// threads without oversubscription (measured on 2 cores: BERT batches split over our 2 threads run
    /// ~15-20% faster than one caller on OpenBLAS's pool, whose spinning workers compete with ours).
    ///
    /// Process-wide effect: the first call runs `openblas_set_num_threads(1)`, so later `cblas_*` calls
    /// anywhere in the process (e.g. `Matmul.blas`) are single-threaded too.
    public static func blas(m: Int, n: Int, k: Int,
                            a: UnsafePointer<Float>, lda: Int,
                            b: UnsafePointer<Float>, ldb: Int, bTransposed: Bool,
                            c: UnsafeMutablePointer<Float>, ldc: Int, beta: Float = 0) {
        guard m > 0, n > 0 else { return }
        _ = singleThreaded
        cblas_sgemm(CblasRowMajor, CblasNoTrans, bTransposed ? CblasTrans : CblasNoTrans,
                    Int32(m), Int32(n), Int32(k), 1, a, Int32(lda), b, Int32(ldb), beta, c, Int32(ldc))
    }

    /// One-time library configuration (OpenBLAS's state, not ours): its thread pool off.
    private static let singleThreaded: Void = openblas_set_num_threads(1)
}
