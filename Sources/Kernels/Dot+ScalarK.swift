/// Scalar K-quant · Q8_K references. Each super-block of 256 values is described by integer quants q_v,
/// a scale and a minimum per 16 values (g = v/16), and two float factors:
/// w_v = d·scale_g·q_v − dmin·min_g, so w·x = d_x·(d·Σ_g scale_g·Σ q·x_q − dmin·Σ_g min_g·Σ x_q).
extension ScalarDot {
    @inline(__always)
    static func kquant(_ n: Int, _ w: UnsafeRawPointer, _ x: UnsafeRawPointer, weightBytes: Int,
                       factors: (UnsafeRawPointer) -> (d: Float, dmin: Float),
                       scale: (UnsafeRawPointer, Int) -> (scale: Int32, min: Int32),
                       q: (UnsafeRawPointer, Int) -> Int32) -> Float {
        var sum: Float = 0
        for i in 0..<(n / 256) {
            let wb = w + i * weightBytes, xb = x + i * 292
            var scaled: Int32 = 0, mins: Int32 = 0
            for g in 0..<16 {
                var sumi: Int32 = 0, sumx: Int32 = 0
                for v in (16 * g)..<(16 * g + 16) {
                    let xv = i8(xb, 4 + v)
                    sumi += q(wb, v) * xv
                    sumx += xv
                }
                let (sc, m) = scale(wb, g)
                scaled += sc * sumi
                mins += m * sumx
            }
            let (d, dmin) = factors(wb)
            let dx = xb.loadUnaligned(as: Float.self)
            sum += dx * (d * Float(scaled) - dmin * Float(mins))
        }
        return sum
    }

    /// The 6-bit scale and minimum of 32-value sub-block `j` in the 12 scale bytes at `s` (Q4_K, Q5_K).
    @inline(__always) static func scaleMinK4(_ j: Int, _ s: UnsafeRawPointer) -> (Int32, Int32) {
        if j < 4 { return (u8(s, j) & 63, u8(s, j + 4) & 63) }
        return ((u8(s, j + 4) & 0xF) | ((u8(s, j - 4) >> 6) << 4), (u8(s, j + 4) >> 4) | ((u8(s, j) >> 6) << 4))
    }

    /// Q4_K: chunk c = v/64 reads qs[32c + v%32], low nibble for v%64 < 32, else high; sub-block v/32.
    static func q4_K(_ n: Int, _ w: UnsafeRawPointer, _ x: UnsafeRawPointer) -> Float {
        kquant(n, w, x, weightBytes: 144, factors: { (h($0, 0), h($0, 2)) },
               scale: { scaleMinK4($1 / 2, $0 + 4) },
               q: { b, v in
                   let byte = u8(b, 16 + 32 * (v / 64) + v % 32)
                   return v % 64 < 32 ? byte & 0xF : byte >> 4
               })
    }

    /// Q5_K: Q4_K plus bit (v/32) of qh[v%32] as the 5th bit.
    static func q5_K(_ n: Int, _ w: UnsafeRawPointer, _ x: UnsafeRawPointer) -> Float {
        kquant(n, w, x, weightBytes: 176, factors: { (h($0, 0), h($0, 2)) },
               scale: { scaleMinK4($1 / 2, $0 + 4) },
               q: { b, v in
                   let byte = u8(b, 48 + 32 * (v / 64) + v % 32)
                   let low = v % 64 < 32 ? byte & 0xF : byte >> 4
                   return low | (((u8(b, 16 + v % 32) >> Int32(v / 32)) & 1) << 4)
               })
    }

    /// Q6_K: half h = v/128, k = (v%128)/32, l = v%32: low 4 bits from ql[64h + 32(k&1) + l] (low nibble
    /// for k < 2), top 2 bits from qh[128 + 32h + l] at shift 2k; value q6 − 32, scale i8 at 192 + v/16.
    static func q6_K(_ n: Int, _ w: UnsafeRawPointer, _ x: UnsafeRawPointer) -> Float {
        kquant(n, w, x, weightBytes: 210, factors: { (h($0, 208), 0) },
               scale: { (i8($0, 192 + $1), 0) },
               q: { b, v in
                   let hh = v / 128, k = (v % 128) / 32, l = v % 32
                   let byte = u8(b, 64 * hh + 32 * (k & 1) + l)
                   let low = k < 2 ? byte & 0xF : byte >> 4
                   let high = (u8(b, 128 + 32 * hh + l) >> Int32(2 * k)) & 3
                   return (low | (high << 4)) - 32
               })
    }

    /// Q2_K: q = 2 bits of qs[16 + 32h + v%32] at shift 2·((v%128)/32); scales byte g: low nibble scale,
    /// high nibble minimum.
    static func q2_K(_ n: Int, _ w: UnsafeRawPointer, _ x: UnsafeRawPointer) -> Float {
        kquant(n, w, x, weightBytes: 84, factors: { (h($0, 80), h($0, 82)) },
               scale: { (u8($0, $1) & 0xF, u8($0, $1) >> 4) },
               q: { b, v in (u8(b, 16 + 32 * (v / 128) + v % 32) >> Int32(2 * ((v % 128) / 32))) & 3 })
    }

    /// Q3_K: q = 2 bits as Q2_K (at 32 + …) minus 4 where bit (v/32) of hmask[v%32] is clear; 6-bit signed
    /// scales, low 4 bits in bytes 96‥103 (low nibbles for g < 8), top 2 bits in bytes 104‥107.
    static func q3_K(_ n: Int, _ w: UnsafeRawPointer, _ x: UnsafeRawPointer) -> Float {
        kquant(n, w, x, weightBytes: 110, factors: { (h($0, 108), 0) },
               scale: { b, g in
                   let low = g < 8 ? u8(b, 96 + g) & 0xF : u8(b, 96 + g - 8) >> 4
                   return ((low | (((u8(b, 104 + g % 4) >> Int32(2 * (g / 4))) & 3) << 4)) - 32, 0)
               },
               q: { b, v in
                   let lo = (u8(b, 32 + 32 * (v / 128) + v % 32) >> Int32(2 * ((v % 128) / 32))) & 3
                   return (u8(b, v % 32) >> Int32(v / 32)) & 1 != 0 ? lo : lo - 4
               })
    }
}
