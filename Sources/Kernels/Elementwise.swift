import Foundation
import KernelsAVX2
import KernelsAVX512

/// Row-wise normalizations, activations and residual adds over contiguous F32 buffers.
///
/// Each function runs on `path` (default `KernelPath.current`): the scalar code here is the reference;
/// AVX2 and AVX-512 versions (SIMDShared/RowKernels+SIMD.swift) compute e^x with a polynomial
/// (relative error ≈ 2e-7) and use FMA, so they differ from it by a few ulps (tested).
///
/// Sums of squares and softmax denominators accumulate in Double on every path: the residual stream of
/// some models reaches 1e5, where F32 sums lose the digits that the logits depend on.
public enum Elementwise {
    /// RMSNorm of one row: `y = x / sqrt(mean(x²) + eps) · w` (`w` nil: no weight).
    /// `y` may alias `x`.
    @inline(__always)
    public static func rmsNorm(_ x: UnsafePointer<Float>, _ w: UnsafePointer<Float>?, _ y: UnsafeMutablePointer<Float>,
                               count n: Int, eps: Float, path: KernelPath = .current) {
        switch path {
        case .avx512: AVX512.rmsNorm(x, w, y, n, eps)
        case .avx2: AVX2.rmsNorm(x, w, y, n, eps)
        case .scalar:
            var ss = 0.0
            for i in 0..<n { let v = Double(x[i]); ss += v * v }
            let scale = Float(1.0 / (ss / Double(n) + Double(eps)).squareRoot())
            if let w {
                for i in 0..<n { y[i] = x[i] * scale * w[i] }
            } else {
                for i in 0..<n { y[i] = x[i] * scale }
            }
        }
    }

    /// SiLU gate: `a[i] = a[i] · sigmoid(a[i]) · b[i]` (SwiGLU with `a` = gate, `b` = up).
    public static func swiglu(_ a: UnsafeMutablePointer<Float>, _ b: UnsafePointer<Float>, count n: Int,
                              path: KernelPath = .current) {
        switch path {
        case .avx512: AVX512.swiglu(a, b, n)
        case .avx2: AVX2.swiglu(a, b, n)
        case .scalar:
            for i in 0..<n {
                let g = a[i]
                a[i] = g / (1 + Foundation.exp(-g)) * b[i]
            }
        }
    }

    /// GELU (tanh approximation) gate: `a[i] = gelu_tanh(a[i]) · b[i]`,
    /// gelu_tanh(x) = ½x(1 + tanh(√(2/π)(x + 0.044715x³))).
    public static func geluTanhGate(_ a: UnsafeMutablePointer<Float>, _ b: UnsafePointer<Float>, count n: Int,
                                    path: KernelPath = .current) {
        switch path {
        case .avx512: AVX512.geluTanhGate(a, b, n)
        case .avx2: AVX2.geluTanhGate(a, b, n)
        case .scalar:
            let c = Float((2.0 / Double.pi).squareRoot())
            for i in 0..<n {
                let x = a[i]
                a[i] = 0.5 * x * (1 + Foundation.tanh(c * (x + 0.044715 * x * x * x))) * b[i]
            }
        }
    }

    /// In-place softmax over `n` values; leaves probabilities summing to 1.
    public static func softmax(_ x: UnsafeMutablePointer<Float>, count n: Int, path: KernelPath = .current) {
        switch path {
        case .avx512: AVX512.softmax(x, n)
        case .avx2: AVX2.softmax(x, n)
        case .scalar:
            guard n > 0 else { return }
            var m = x[0]
            for i in 1..<n where x[i] > m { m = x[i] }
            var sum = 0.0
            for i in 0..<n { let e = Foundation.exp(x[i] - m); x[i] = e; sum += Double(e) }
            let inv = Float(1 / sum)
            for i in 0..<n { x[i] *= inv }
        }
    }

    /// Residual add: `y[i] += x[i]`.
    public static func add(_ y: UnsafeMutablePointer<Float>, _ x: UnsafePointer<Float>, count n: Int,
                           path: KernelPath = .current) {
        switch path {
        case .avx512: AVX512.add(y, x, n)
        case .avx2: AVX2.add(y, x, n)
        case .scalar: for i in 0..<n { y[i] += x[i] }
        }
    }

    /// Dot product with eight F32 partial sums (keeps rounding error low and lets LLVM vectorize).
    @inline(__always)
    public static func dot(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, count n: Int) -> Float {
        var s0: Float = 0, s1: Float = 0, s2: Float = 0, s3: Float = 0
        var s4: Float = 0, s5: Float = 0, s6: Float = 0, s7: Float = 0
        var i = 0
        while i + 8 <= n {
            s0 += a[i] * b[i]; s1 += a[i + 1] * b[i + 1]; s2 += a[i + 2] * b[i + 2]; s3 += a[i + 3] * b[i + 3]
            s4 += a[i + 4] * b[i + 4]; s5 += a[i + 5] * b[i + 5]; s6 += a[i + 6] * b[i + 6]; s7 += a[i + 7] * b[i + 7]
            i += 8
        }
        while i < n { s0 += a[i] * b[i]; i += 1 }
        return ((s0 + s1) + (s2 + s3)) + ((s4 + s5) + (s6 + s7))
    }
}
