import Foundation

/// The exact GELU of BERT: `gelu(x) = x · Φ(x) = ½ x (1 + erf(x / √2))` (not the tanh approximation).
public enum ErfGELU {
    /// Scalar reference through libm's `erf`.
    @inlinable
    public static func reference(_ x: Float) -> Float {
        Float(0.5 * Double(x) * (1 + erf(Double(x) / 2.0.squareRoot())))
    }

    /// In-place GELU over `count` values, branch-free so the loop vectorizes.
    ///
    /// erf by Abramowitz & Stegun 7.1.26: for z ≥ 0, `erf z ≈ 1 − t(a1 + t(a2 + t(a3 + t(a4 + t a5)))) e^{−z²}`,
    /// `t = 1/(1 + p z)`, absolute error ≤ 1.5e-7; odd symmetry for z < 0. `e^{−z²}` by `exp2` range
    /// reduction and a degree-6 Taylor polynomial (relative error ≈ 2e-7 on |r| ≤ ln2/2).
    /// Largest difference from `reference` over [-10, 10]: below 1e-6 · max(1, |x|) (tested).
    public static func apply(_ values: UnsafeMutablePointer<Float>, count: Int) {
        for i in 0..<count {
            let x = values[i]
            let z = abs(x) * 0.70710678118654752
            let t = 1 / (1 + 0.3275911 * z)
            let poly = t * (0.254829592 + t * (-0.284496736 + t * (1.421413741 + t * (-1.453152027 + t * 1.061405429))))
            let erfAbs = 1 - poly * expNegative(-(z * z))
            let erfSigned = x < 0 ? -erfAbs : erfAbs
            values[i] = 0.5 * x * (1 + erfSigned)
        }
    }

    /// `e^y` for y ≤ 0 (0 below −87): `e^y = 2^n · e^r`, `n = round(y / ln2)`, `r = y − n ln2`.
    @inline(__always)
    static func expNegative(_ y: Float) -> Float {
        let yc = max(y, -87)
        // Round to nearest by adding and removing 1.5·2^23 (no libm call, vectorizes).
        let magic: Float = 12_582_912
        let n = (yc * 1.44269504088896341 + magic) - magic
        let r = (yc - n * 0.693145751953125) - n * 1.428606765330187045e-6
        let p = 1 + r * (1 + r * (0.5 + r * (1.0 / 6 + r * (1.0 / 24 + r * (1.0 / 120 + r * (1.0 / 720))))))
        let scale = Float(bitPattern: UInt32(truncatingIfNeeded: Int32(n) + 127) << 23)
        return y < -87 ? 0 : p * scale
    }
}
