import KernelsAVX2
import KernelsAVX512

extension Elementwise {
    /// `y[i]` = the F16 bit pattern of `x[i]`, rounded to nearest even (`floatToHalfBits`); every path gives
    /// the same bits (tested). Used to append rows to an F16 KV cache.
    public static func toHalf(_ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<UInt16>, count n: Int,
                              path: KernelPath = .current) {
        switch path {
        case .avx512: AVX512.toHalf(x, y, n)
        case .avx2: AVX2.toHalf(x, y, n)
        case .scalar: for i in 0..<n { y[i] = floatToHalfBits(x[i]) }
        }
    }
}
