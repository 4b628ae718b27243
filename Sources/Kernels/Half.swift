/// IEEE half and bfloat16 conversions used by every dequantizer.
@inline(__always)
public func f16ToF32(_ bits: UInt16) -> Float { Float(Float16(bitPattern: bits)) }

@inline(__always)
public func f32ToF16(_ x: Float) -> UInt16 { Float16(x).bitPattern }

/// bfloat16 is the top half of an IEEE float32.
@inline(__always)
public func bf16ToF32(_ bits: UInt16) -> Float { Float(bitPattern: UInt32(bits) << 16) }

/// Round-to-nearest-even float32 → bfloat16 (NaN kept quiet).
@inline(__always)
public func f32ToBF16(_ x: Float) -> UInt16 {
    let u = x.bitPattern
    if x.isNaN { return UInt16(u >> 16) | 0x40 }
    let rounded = u &+ 0x7FFF &+ ((u >> 16) & 1)
    return UInt16(rounded >> 16)
}
