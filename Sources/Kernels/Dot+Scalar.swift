/// Scalar reference dot products: one weight row · one activation row in the format
/// `ActivationFormat.forWeights(type)` gives. Integer sums per block, then the block scales, the same math
/// as the SIMD kernels; each is tested against dequantize(w) · dequantize(x).
enum ScalarDot {
    @inline(__always) static func h(_ p: UnsafeRawPointer, _ o: Int) -> Float { f16ToF32(p.loadUnaligned(fromByteOffset: o, as: UInt16.self)) }
    @inline(__always) static func u8(_ p: UnsafeRawPointer, _ o: Int) -> Int32 { Int32(p.load(fromByteOffset: o, as: UInt8.self)) }
    @inline(__always) static func i8(_ p: UnsafeRawPointer, _ o: Int) -> Int32 { Int32(p.load(fromByteOffset: o, as: Int8.self)) }

    static func f32(_ n: Int, _ w: UnsafeRawPointer, _ x: UnsafeRawPointer) -> Float {
        let a = w.assumingMemoryBound(to: Float.self), b = x.assumingMemoryBound(to: Float.self)
        var s: Float = 0
        for i in 0..<n { s += a[i] * b[i] }
        return s
    }

    static func f16(_ n: Int, _ w: UnsafeRawPointer, _ x: UnsafeRawPointer) -> Float {
        let b = x.assumingMemoryBound(to: Float.self)
        var s: Float = 0
        for i in 0..<n { s += h(w, 2 * i) * b[i] }
        return s
    }

    /// 32-value blocks: `q(block, j)` is the integer weight value j; `d`, `m` the weight scale and minimum.
    /// Σ_blocks d·d_x·Σ q·x_q + m·s_x. Without a minimum the activations are Q8_0 (f16 d_x), with one
    /// Q8_1F (F32 d_x and s_x = d_x·Σ x_q).
    @inline(__always)
    static func small(_ n: Int, _ w: UnsafeRawPointer, _ x: UnsafeRawPointer, weightBytes: Int, minimum: Bool,
                      q: (UnsafeRawPointer, Int) -> Int32) -> Float {
        let xBytes = minimum ? 40 : 34, xq = minimum ? 8 : 2
        var sum: Float = 0
        for b in 0..<(n / 32) {
            let wb = w + b * weightBytes, xb = x + b * xBytes
            var sumi: Int32 = 0
            for j in 0..<32 { sumi += q(wb, j) * i8(xb, xq + j) }
            if minimum {
                // Both terms per block first: they nearly cancel when the block holds an outlier.
                let dx = xb.loadUnaligned(as: Float.self), sx = xb.loadUnaligned(fromByteOffset: 4, as: Float.self)
                sum += (h(wb, 2) * sx).addingProduct(Float(sumi), h(wb, 0) * dx)
            } else {
                sum += h(wb, 0) * h(xb, 0) * Float(sumi)
            }
        }
        return sum
    }

    @inline(__always) static func nibble(_ b: UnsafeRawPointer, _ off: Int, _ j: Int) -> Int32 {
        j < 16 ? u8(b, off + j) & 0xF : u8(b, off + j - 16) >> 4
    }
    @inline(__always) static func bit(_ b: UnsafeRawPointer, _ off: Int, _ j: Int) -> Int32 {
        Int32((b.loadUnaligned(fromByteOffset: off, as: UInt32.self) >> UInt32(j)) & 1)
    }

    static func q4_0(_ n: Int, _ w: UnsafeRawPointer, _ x: UnsafeRawPointer) -> Float {
        small(n, w, x, weightBytes: 18, minimum: false) { nibble($0, 2, $1) - 8 }
    }
    static func q4_1(_ n: Int, _ w: UnsafeRawPointer, _ x: UnsafeRawPointer) -> Float {
        small(n, w, x, weightBytes: 20, minimum: true) { nibble($0, 4, $1) }
    }
    static func q5_0(_ n: Int, _ w: UnsafeRawPointer, _ x: UnsafeRawPointer) -> Float {
        small(n, w, x, weightBytes: 22, minimum: false) { (nibble($0, 6, $1) | (bit($0, 2, $1) << 4)) - 16 }
    }
    static func q5_1(_ n: Int, _ w: UnsafeRawPointer, _ x: UnsafeRawPointer) -> Float {
        small(n, w, x, weightBytes: 24, minimum: true) { nibble($0, 8, $1) | (bit($0, 4, $1) << 4) }
    }
    static func q8_0(_ n: Int, _ w: UnsafeRawPointer, _ x: UnsafeRawPointer) -> Float {
        small(n, w, x, weightBytes: 34, minimum: false) { i8($0, 2 + $1) }
    }
}
