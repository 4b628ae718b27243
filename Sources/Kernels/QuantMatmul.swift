import Checkpoint

/// The batched quantized matrix product used by the fast path: `Y = X·Wᵀ` with W quantized
/// (ggml blocks, read in place) and X rounded to 8 bits.
///
/// Both sides are brought to one planar form per group of G values (G = 16 for Q6_K, else 32):
/// weights as integers qw with a scale and a minimum, `w = sw·qw + mw`; activations as integers qa
/// with a scale, `a = da·qa`, and the group sum `sa = da·Σqa`. Then
///
///     Σ w·a = Σ_groups  sw·da·Σ(qw·qa) + mw·sa
///
/// which is what `QuantDot` computes block by block (the scalar reference this is tested against).
/// Integers are held as Int16 (8-bit values, widened once): the inner loop is then a plain Int16 dot
/// product with Int32 sums that LLVM turns into `pmaddwd` even for baseline x86-64 (1.9× the Int8
/// form). A weight row is unpacked once into per-thread scratch and reused for every token of the batch.
public enum QuantMatmul {
    /// Values per group for weights of `type` (nil: no quantized path).
    public static func groupSize(_ type: GGMLType) -> Int? {
        switch type {
        case .q4_0, .q4_1, .q5_0, .q5_1, .q8_0, .q4_K, .q5_K: return 32
        case .q6_K: return 16
        default: return nil
        }
    }

    /// Activations of `tokens` rows of `cols` values in planar form: `q` (tokens × cols), and per
    /// group `d`, `s` (tokens × cols/G each).
    public struct Activations {
        public let cols: Int
        public let group: Int
        public let tokens: Int
        public let q: UnsafeMutablePointer<Int16>
        public let d: UnsafeMutablePointer<Float>
        public let s: UnsafeMutablePointer<Float>

        public init(tokens: Int, cols: Int, group: Int) {
            self.cols = cols
            self.group = group
            self.tokens = tokens
            q = .allocate(capacity: max(1, tokens * cols))
            d = .allocate(capacity: max(1, tokens * cols / group))
            s = .allocate(capacity: max(1, tokens * cols / group))
        }

        public func deallocate() {
            q.deallocate()
            d.deallocate()
            s.deallocate()
        }
    }

    /// Rounds `x` (tokens × cols) to the 8-bit scheme that pairs with `type`: per 32 values
    /// d = max|x|/127, q = round(x/d) (half away from zero) for 32-value block types; per 256 values
    /// d = −max/127 (signed max of largest magnitude), q = min(127, round(x/d)) (half to even) for K-quants.
    public static func quantize(_ x: UnsafePointer<Float>, for type: GGMLType, into a: Activations) {
        let cols = a.cols, g = a.group, groups = cols / g
        let kQuant = type == .q4_K || type == .q5_K || type == .q6_K
        for t in 0..<a.tokens {
            let src = x + t * cols, q = a.q + t * cols, d = a.d + t * groups, s = a.s + t * groups
            let block = kQuant ? 256 : 32
            for b in 0..<(cols / block) {
                let xs = src + b * block, qs = q + b * block
                var scale: Float = 0
                if kQuant {
                    var amax: Float = 0, mx: Float = 0
                    for j in 0..<block { let v = abs(xs[j]); if v > amax { amax = v; mx = xs[j] } }
                    if amax == 0 {
                        qs.update(repeating: 0, count: block)
                    } else {
                        let iscale = -127 / mx
                        for j in 0..<block { qs[j] = Int16(min(127, Int32((iscale * xs[j]).rounded(.toNearestOrEven)))) }
                        scale = 1 / iscale
                    }
                } else {
                    var amax: Float = 0
                    for j in 0..<block { amax = max(amax, abs(xs[j])) }
                    scale = amax / 127
                    let id: Float = scale != 0 ? 1 / scale : 0
                    for j in 0..<block { qs[j] = Int16(Int32((xs[j] * id).rounded(.toNearestOrAwayFromZero))) }
                }
                for gi in 0..<(block / g) {
                    let idx = (b * block) / g + gi
                    var sum: Int32 = 0
                    for j in 0..<g { sum &+= Int32(qs[gi * g + j]) }
                    d[idx] = scale
                    s[idx] = scale * Float(sum)
                }
            }
        }
    }

    @inline(__always) static func h(_ p: UnsafeRawPointer, _ o: Int) -> Float {
        halfBitsToFloat(UInt16(littleEndian: p.loadUnaligned(fromByteOffset: o, as: UInt16.self)))
    }

    /// Unpacks one weight row of `cols` values to integers `q`, per-group scales `sw` and minimums `mw`.
    public static func unpack(_ type: GGMLType, _ w: UnsafeRawPointer, cols: Int,
                              q: UnsafeMutablePointer<Int16>, sw: UnsafeMutablePointer<Float>, mw: UnsafeMutablePointer<Float>) {
        switch type {
        case .q4_0: unpack32(w, cols, q, sw, mw, blockBytes: 18, quants: 2, bias: 8, minimum: false, fifthBit: false)
        case .q4_1: unpack32(w, cols, q, sw, mw, blockBytes: 20, quants: 4, bias: 0, minimum: true, fifthBit: false)
        case .q5_0: unpack32(w, cols, q, sw, mw, blockBytes: 22, quants: 6, bias: 16, minimum: false, fifthBit: true)
        case .q5_1: unpack32(w, cols, q, sw, mw, blockBytes: 24, quants: 8, bias: 0, minimum: true, fifthBit: true)
        case .q8_0:
            for b in 0..<(cols / 32) {
                let wb = w + b * 34
                sw[b] = h(wb, 0)
                mw[b] = 0
                let v = (wb + 2).assumingMemoryBound(to: Int8.self), out = q + b * 32
                for j in 0..<32 { out[j] = Int16(v[j]) }
            }
        case .q4_K, .q5_K:
            let bytes = type.typeSize
            for b in 0..<(cols / 256) {
                let wb = w + b * bytes
                let u = wb.assumingMemoryBound(to: UInt8.self)
                let d = h(wb, 0), dmin = h(wb, 2)
                let sc = u + 4
                for j in 0..<8 {
                    let s, m: UInt8
                    if j < 4 { s = sc[j] & 63; m = sc[j + 4] & 63 } else {
                        s = (sc[j + 4] & 0xF) | ((sc[j - 4] >> 6) << 4)
                        m = (sc[j + 4] >> 4) | ((sc[j] >> 6) << 4)
                    }
                    sw[b * 8 + j] = d * Float(s)
                    mw[b * 8 + j] = -dmin * Float(m)
                }
                let out = q + b * 256
                let qs = type == .q4_K ? u + 16 : u + 48, qh = u + 16
                for c in 0..<4 {
                    let u1 = UInt8(1) << UInt8(2 * c), u2 = UInt8(2) << UInt8(2 * c)
                    for l in 0..<32 {
                        var lo = qs[c * 32 + l] & 0xF, hi = qs[c * 32 + l] >> 4
                        if type == .q5_K {
                            if qh[l] & u1 != 0 { lo |= 16 }
                            if qh[l] & u2 != 0 { hi |= 16 }
                        }
                        out[c * 64 + l] = Int16(Int8(bitPattern: lo))
                        out[c * 64 + 32 + l] = Int16(Int8(bitPattern: hi))
                    }
                }
            }
        case .q6_K:
            for b in 0..<(cols / 256) {
                let wb = w + b * 210
                let u = wb.assumingMemoryBound(to: UInt8.self)
                let d = h(wb, 208)
                let scales = (wb + 192).assumingMemoryBound(to: Int8.self)
                for g in 0..<16 { sw[b * 16 + g] = d * Float(scales[g]); mw[b * 16 + g] = 0 }
                let out = q + b * 256
                for half in 0..<2 {
                    let ql = u + half * 64, qh = u + 128 + half * 32, o = out + half * 128
                    for l in 0..<32 {
                        o[l] = Int16(Int8(bitPattern: ((ql[l] & 0xF) | ((qh[l] & 3) << 4)) &- 32))
                        o[l + 32] = Int16(Int8(bitPattern: ((ql[l + 32] & 0xF) | (((qh[l] >> 2) & 3) << 4)) &- 32))
                        o[l + 64] = Int16(Int8(bitPattern: ((ql[l] >> 4) | (((qh[l] >> 4) & 3) << 4)) &- 32))
                        o[l + 96] = Int16(Int8(bitPattern: ((ql[l + 32] >> 4) | (((qh[l] >> 6) & 3) << 4)) &- 32))
                    }
                }
            }
        default:
            break
        }
    }

    /// The 32-value block types: `{d, [m], [qh: u32], qs[16]}`; value j = (nibble | 5th bit) − bias.
    /// Called with constant arguments so each type gets its own straight-line loop.
    @inline(__always)
    static func unpack32(_ w: UnsafeRawPointer, _ cols: Int, _ q: UnsafeMutablePointer<Int16>,
                         _ sw: UnsafeMutablePointer<Float>, _ mw: UnsafeMutablePointer<Float>,
                         blockBytes: Int, quants: Int, bias: Int16, minimum: Bool, fifthBit: Bool) {
        for b in 0..<(cols / 32) {
            let wb = w + b * blockBytes
            sw[b] = h(wb, 0)
            mw[b] = minimum ? h(wb, 2) : 0
            let qs = (wb + quants).assumingMemoryBound(to: UInt8.self), out = q + b * 32
            if fifthBit {
                let qh = UInt32(littleEndian: wb.loadUnaligned(fromByteOffset: quants - 4, as: UInt32.self))
                for j in 0..<16 {
                    out[j] = Int16(qs[j] & 0xF) | Int16((qh >> UInt32(j)) & 1) << 4 &- bias
                    out[j + 16] = Int16(qs[j] >> 4) | Int16((qh >> UInt32(j + 16)) & 1) << 4 &- bias
                }
            } else {
                for j in 0..<16 {
                    out[j] = Int16(qs[j] & 0xF) &- bias
                    out[j + 16] = Int16(qs[j] >> 4) &- bias
                }
            }
        }
    }

    /// Σ over groups of sw·da·Σ(qw·qa) + mw·sa for one unpacked weight row and one activation row.
    @inline(__always)
    static func dot(_ qw: UnsafePointer<Int16>, _ sw: UnsafePointer<Float>, _ mw: UnsafePointer<Float>,
                    _ qa: UnsafePointer<Int16>, _ da: UnsafePointer<Float>, _ sa: UnsafePointer<Float>,
                    groups: Int, group g: Int) -> Float {
        var acc: Float = 0
        if g == 32 {
            for k in 0..<groups {
                let wq = qw + k * 32, aq = qa + k * 32
                var s: Int32 = 0
                var s2: Int32 = 0
                for j in 0..<16 { s &+= Int32(wq[j]) &* Int32(aq[j]) }
                for j in 16..<32 { s2 &+= Int32(wq[j]) &* Int32(aq[j]) }
                s &+= s2
                acc += sw[k] * da[k] * Float(s) + mw[k] * sa[k]
            }
        } else if g == 16 {
            for k in 0..<groups {
                let wq = qw + k * 16, aq = qa + k * 16
                var s: Int32 = 0
                for j in 0..<16 { s &+= Int32(wq[j]) &* Int32(aq[j]) }
                acc += sw[k] * da[k] * Float(s) + mw[k] * sa[k]
            }
        } else {
            for k in 0..<groups {
                let wq = qw + k * g, aq = qa + k * g
                var s: Int32 = 0
                for j in 0..<g { s &+= Int32(wq[j]) &* Int32(aq[j]) }
                acc += sw[k] * da[k] * Float(s) + mw[k] * sa[k]
            }
        }
        return acc
    }

    /// Bytes of per-thread scratch that `multiply` needs for rows of `cols` values.
    public static func scratchBytes(cols: Int, group: Int) -> Int {
        cols * MemoryLayout<Int16>.stride + 2 * (cols / group) * MemoryLayout<Float>.stride
    }

    /// Rows `Parallel.range(rows, thread, threads)` of `Y = X·Wᵀ`: `w` holds `rows` rows of `rowBytes`
    /// bytes of `type`, `a` the quantized activations (`quantize(_:for:into:)`), `y` is tokens × rows.
    /// `scratch` (`scratchBytes(cols:group:)`, 16-byte aligned) is this thread's own.
    public static func multiply(_ type: GGMLType, w: UnsafeRawPointer, rowBytes: Int, a: Activations,
                                y: UnsafeMutablePointer<Float>, rows: Int, scratch: UnsafeMutableRawPointer,
                                thread: Int = 0, threads: Int = 1) {
        let cols = a.cols, g = a.group, groups = cols / g
        let q = scratch.bindMemory(to: Int16.self, capacity: cols)
        let sw = (scratch + cols * MemoryLayout<Int16>.stride).bindMemory(to: Float.self, capacity: 2 * groups)
        let mw = sw + groups
        for r in Parallel.range(rows, thread: thread, threads: threads) {
            unpack(type, w + r * rowBytes, cols: cols, q: q, sw: sw, mw: mw)
            for t in 0..<a.tokens {
                y[t * rows + r] = dot(q, sw, mw, a.q + t * cols, a.d + t * groups, a.s + t * groups, groups: groups, group: g)
            }
        }
    }
}
