/// Layer normalization of one row: `y = (x − mean) / √(var + eps) · gamma + beta`, with the biased
/// variance (divide by `n`), as PyTorch's `LayerNorm` computes it. Sums are kept in Double: rows are
/// short (hundreds of values) and BERT's eps of 1e-12 gives no cushion against cancellation.
public enum LayerNorm {
    public static func apply(_ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, count n: Int,
                             gamma: UnsafePointer<Float>, beta: UnsafePointer<Float>, eps: Float) {
        var sum: Double = 0
        for i in 0..<n { sum += Double(x[i]) }
        let mean = sum / Double(n)
        var sq: Double = 0
        for i in 0..<n { let d = Double(x[i]) - mean; sq += d * d }
        let inv = Float(1 / (sq / Double(n) + Double(eps)).squareRoot())
        let m = Float(mean)
        for i in 0..<n { y[i] = (x[i] - m) * inv * gamma[i] + beta[i] }
    }
}
