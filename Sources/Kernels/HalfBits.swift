/// IEEE half → float by bit manipulation, exact for every input (normals, subnormals, ±0, inf, NaN).
///
/// Baseline x86-64 has no F16C, so `Float(Float16)` is a libcall (`__extendhfsf2`) that took a third
/// of the fast path's decode time. Normal halves move their 15 magnitude bits into place and rebias
/// the exponent (15 → 127) with one integer add; subnormals, zeros, inf and NaN take rare branches.
@inline(__always)
public func halfBitsToFloat(_ h: UInt16) -> Float {
    let sign = UInt32(h & 0x8000) << 16
    let exponent = h & 0x7C00
    if exponent == 0x7C00 {  // inf, NaN
        return Float(bitPattern: sign | 0x7F80_0000 | UInt32(h & 0x3FF) << 13)
    }
    if exponent == 0 {  // ±0, subnormal: mantissa · 2⁻²⁴
        let v = Float(h & 0x3FF) * 0x1p-24
        return sign != 0 ? -v : v
    }
    // Normal: rebias the exponent by 127 − 15 = 112.
    return Float(bitPattern: sign | ((UInt32(h & 0x7FFF) << 13) &+ 0x3800_0000))
}

/// Float → IEEE half bits, rounded to nearest even, by bit manipulation: the bits VCVTPS2PH (rounding
/// mode 0) gives for every input, so the SIMD conversion (`Elementwise.toHalf`) can be tested against it.
/// |x| ≥ 65520 → ±inf; NaN stays NaN, made quiet, with its sign and the top 9 payload bits; values below
/// 2⁻¹⁴ become subnormals (multiples of 2⁻²⁴), and at most 2⁻²⁵ become ±0.
@inline(__always)
public func floatToHalfBits(_ x: Float) -> UInt16 {
    let u = x.bitPattern
    let sign = UInt16(truncatingIfNeeded: u >> 16) & 0x8000
    let a = u & 0x7FFF_FFFF
    if a >= 0x7F80_0000 {  // inf, NaN
        return a == 0x7F80_0000 ? sign | 0x7C00 : sign | 0x7E00 | UInt16(truncatingIfNeeded: (a >> 13) & 0x3FF)
    }
    if a >= 0x3880_0000 {  // normal half range (or overflow): rebias 127 → 15, round 23 → 10 mantissa bits
        let r = a &- 0x3800_0000
        let h = (r &+ 0x0FFF &+ ((r >> 13) & 1)) >> 13
        return h >= 0x7C00 ? sign | 0x7C00 : sign | UInt16(h)
    }
    if a < 0x3300_0000 { return sign }  // below 2⁻²⁵: rounds to zero
    // Subnormal: the value in units of 2⁻²⁴ is m·2^(e−126) for the 24-bit significand m.
    let e = a >> 23, m = (a & 0x7F_FFFF) | 0x80_0000
    let shift = 126 - e  // 14 … 24
    var q = m >> shift
    let rem = m & ((1 << shift) - 1), half = UInt32(1) << (shift - 1)
    if rem > half || (rem == half && q & 1 == 1) { q += 1 }
    return sign | UInt16(q)  // q = 0x400 is the smallest normal, correctly encoded
}
