import Checkpoint
import KernelsAVX2

/// How an activation row is stored for a dot product with a weight row: the 8-bit formats of GGML, or F32.
///
/// Layouts (little-endian):
/// - Q8_0 `{d: f16, qs: i8[32]}` (34 B): x ≈ d·q, d = max|x|/127.
/// - Q8_1 `{d: f16, s: f16, qs: i8[32]}` (36 B): as Q8_0 plus s = d·Σq, which turns a weight minimum m
///   into one product m·s per block.
/// - Q8_1F `{d: f32, s: f32, qs: i8[32]}` (40 B): Q8_1 with F32 d and s. Owl's pair for Q4_1/Q5_1: the
///   minimum term m·s cancels most of d·Σq·x_q, so an f16 `s` loses digits the logits need (SmolLM2's mean
///   logit error reached 1.7× llama.cpp's with f16 sums; with F32 sums, combined with d·Σq·x_q per block,
///   it stays ≈ 1.06×).
/// - Q8_K `{d: f32, qs: i8[256], bsums: i16[16]}` (292 B): d = −max/127 for the signed extreme `max`,
///   bsums[g] = Σ of qs[16g‥16g+15] (weight minimums and offsets per 16 values).
public enum ActivationFormat: Sendable, CaseIterable {
    case f32, q8_0, q8_1, q8_1f, q8_K

    /// Values per block.
    public var blockSize: Int {
        switch self {
        case .f32: return 1
        case .q8_0, .q8_1, .q8_1f: return 32
        case .q8_K: return 256
        }
    }

    /// Bytes per block.
    public var typeSize: Int {
        switch self {
        case .f32: return 4
        case .q8_0: return 34
        case .q8_1: return 36
        case .q8_1f: return 40
        case .q8_K: return 292
        }
    }

    /// Bytes of one row of `count` values (`count` a multiple of `blockSize`).
    public func rowBytes(_ count: Int) -> Int { count / blockSize * typeSize }

    /// The activation format each weight type's dot product takes (nil: no quantized dot for it).
    public static func forWeights(_ type: GGMLType) -> ActivationFormat? {
        switch type {
        case .f32, .f16: return .f32
        case .q4_0, .q5_0, .q8_0: return .q8_0
        case .q4_1, .q5_1: return .q8_1f
        case .q2_K, .q3_K, .q4_K, .q5_K, .q6_K: return .q8_K
        default: return nil
        }
    }

    /// Converts `count` floats (a multiple of `blockSize`) into `dst` (`rowBytes(count)` bytes). Q8_0 and Q8_1F
    /// run vectorized on the AVX2/AVX-512 paths, with bytes identical to the scalar quantizer's.
    public func quantize(_ x: UnsafePointer<Float>, count: Int, into dst: UnsafeMutableRawPointer,
                         path: KernelPath = .current) {
        switch self {
        case .f32: dst.copyMemory(from: x, byteCount: count * 4)
        case .q8_0 where path != .scalar:
            AVX2.quantizeQ8(x, count, dst, blockBytes: 34, quantOffset: 2, f32Scales: false)
        case .q8_1f where path != .scalar:
            AVX2.quantizeQ8(x, count, dst, blockBytes: 40, quantOffset: 8, f32Scales: true)
        case .q8_0: ActivationQuant.q8_0(x, count, dst, withSum: false)
        case .q8_1: ActivationQuant.q8_0(x, count, dst, withSum: true)
        case .q8_1f: ActivationQuant.q8_1f(x, count, dst)
        case .q8_K: ActivationQuant.q8_K(x, count, dst)
        }
    }
}

/// Scalar activation quantizers (reference rounding: Q8_0/Q8_1 round half away from zero, Q8_K half to even,
/// as GGML's reference code).
enum ActivationQuant {
    static func q8_0(_ x: UnsafePointer<Float>, _ count: Int, _ dst: UnsafeMutableRawPointer, withSum: Bool) {
        let bs = withSum ? 36 : 34, qOff = withSum ? 4 : 2
        for b in 0..<(count / 32) {
            let v = x + b * 32, out = dst + b * bs
            var amax: Float = 0
            for j in 0..<32 { amax = max(amax, abs(v[j])) }
            let d = amax / 127, id: Float = d != 0 ? 1 / d : 0
            var sum: Int32 = 0
            for j in 0..<32 {
                let q = clampToI8((v[j] * id).rounded(.toNearestOrAwayFromZero))
                out.storeBytes(of: q, toByteOffset: qOff + j, as: Int8.self)
                sum += Int32(q)
            }
            out.storeBytes(of: f32ToF16(d), as: UInt16.self)
            if withSum { out.storeBytes(of: f32ToF16(d * Float(sum)), toByteOffset: 2, as: UInt16.self) }
        }
    }

    /// Q8_1F: the Q8_1 rounding with d and s = d·Σq stored as F32.
    static func q8_1f(_ x: UnsafePointer<Float>, _ count: Int, _ dst: UnsafeMutableRawPointer) {
        for b in 0..<(count / 32) {
            let v = x + b * 32, out = dst + b * 40
            var amax: Float = 0
            for j in 0..<32 { amax = max(amax, abs(v[j])) }
            let d = amax / 127, id: Float = d != 0 ? 1 / d : 0
            var sum: Int32 = 0
            for j in 0..<32 {
                let q = clampToI8((v[j] * id).rounded(.toNearestOrAwayFromZero))
                out.storeBytes(of: q, toByteOffset: 8 + j, as: Int8.self)
                sum += Int32(q)
            }
            out.storeBytes(of: d, as: Float.self)
            out.storeBytes(of: d * Float(sum), toByteOffset: 4, as: Float.self)
        }
    }

    static func q8_K(_ x: UnsafePointer<Float>, _ count: Int, _ dst: UnsafeMutableRawPointer) {
        for b in 0..<(count / 256) {
            let v = x + b * 256, out = dst + b * 292
            var amax: Float = 0, extreme: Float = 0
            for j in 0..<256 where abs(v[j]) > amax { amax = abs(v[j]); extreme = v[j] }
            if amax == 0 {
                out.initializeMemory(as: UInt8.self, repeating: 0, count: 292)
                continue
            }
            // The extreme maps to −127 so the other side may use +127 without overflowing i8.
            let iscale = -127 / extreme
            for g in 0..<16 {
                var sum: Int16 = 0
                for j in (16 * g)..<(16 * g + 16) {
                    let q = clampToI8((iscale * v[j]).rounded(.toNearestOrEven))
                    out.storeBytes(of: q, toByteOffset: 4 + j, as: Int8.self)
                    sum += Int16(q)
                }
                out.storeBytes(of: sum, toByteOffset: 260 + 2 * g, as: Int16.self)
            }
            out.storeBytes(of: 1 / iscale, as: Float.self)
        }
    }
}

extension ActivationFormat {
    /// The values a quantized row stands for (d·q per block): `count` floats from `rowBytes(count)` bytes.
    /// For references in tests and benchmarks: a product over these is the exact answer a kernel rounds.
    public func dequantize(_ src: UnsafeRawPointer, count: Int, into y: UnsafeMutablePointer<Float>) {
        let n = blockSize, size = typeSize
        for b in 0..<(count / n) {
            let block = src + b * size
            let (d, quants): (Float, Int)
            switch self {
            case .f32:
                y[b] = block.loadUnaligned(as: Float.self)
                continue
            case .q8_0, .q8_1: (d, quants) = (f16ToF32(block.loadUnaligned(as: UInt16.self)), 2)
            case .q8_1f: (d, quants) = (block.loadUnaligned(as: Float.self), 8)
            case .q8_K: (d, quants) = (block.loadUnaligned(as: Float.self), 4)
            }
            for j in 0..<n { y[b * n + j] = d * Float(block.load(fromByteOffset: quants + j, as: Int8.self)) }
        }
    }
}

/// Rounds-already value → i8 in −127‥127; NaN (from NaN/inf activations) becomes 0 instead of trapping.
@inline(__always) func clampToI8(_ r: Float) -> Int8 {
    r.isNaN ? 0 : Int8(max(-127, min(127, r)))
}
