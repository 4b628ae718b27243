import Checkpoint

/// The 8-bit block formats that quantized dot products read activations in. They follow ggml's
/// Q8_0/Q8_1/Q8_K, except that the Q8_0/Q8_1 scale and sum are F32 instead of f16: the Q4_1 minimum
/// term m·s cancels most of the d·Σq·qₐ term, so an f16 `s` loses digits the logits need.
public enum ScaledActivationFormat: Sendable {
    /// `{d: f32, qs: i8[32]}`: d = max|x|/127, q = round(x/d).
    case q8_0
    /// `{d: f32, s: f32, qs: i8[32]}`: as Q8_0 plus s = d·Σq (lets Q4_1/Q5_1 fold in their minimum).
    case q8_1
    /// `{d: f32, qs: i8[256], bsums: i16[16]}` (ggml's Q8_K): d = −max/127 with `max` the signed value of
    /// largest magnitude, q = min(127, round(x/d)); bsums are sums of 16 consecutive q.
    case q8_K

    /// Values per block.
    public var blockSize: Int { self == .q8_K ? 256 : 32 }
    /// Bytes per block.
    public var blockBytes: Int {
        switch self {
        case .q8_0: return 36
        case .q8_1: return 40
        case .q8_K: return 292
        }
    }
    /// Bytes for `count` values (a multiple of `blockSize`).
    public func byteCount(elements count: Int) -> Int? {
        count % blockSize == 0 ? count / blockSize * blockBytes : nil
    }
}

/// Quantizes F32 activations to an `ScaledActivationFormat`.
public enum QuantizeActivations {
    /// The activation format that pairs with weights of `type` in `QuantDot`, or nil when the
    /// weight type has no quantized dot product (the caller then uses F32 math).
    public static func activationType(for type: GGMLType) -> ScaledActivationFormat? {
        switch type {
        case .q4_0, .q5_0, .q8_0: return .q8_0
        case .q4_1, .q5_1: return .q8_1
        case .q4_K, .q5_K, .q6_K: return .q8_K
        default: return nil
        }
    }

    /// Quantizes `count` values of `x` (a multiple of the block size) to `type` at `y`
    /// (`type.byteCount(elements: count)` bytes).
    public static func quantize(_ x: UnsafePointer<Float>, to type: ScaledActivationFormat, _ y: UnsafeMutableRawPointer, count: Int) {
        switch type {
        case .q8_0: q8_0(x, y, count: count, withSum: false)
        case .q8_1: q8_0(x, y, count: count, withSum: true)
        case .q8_K: q8_K(x, y, count: count)
        }
    }

    /// Round half away from zero, like C `roundf`.
    @inline(__always) static func round(_ v: Float) -> Int32 { Int32(v.rounded(.toNearestOrAwayFromZero)) }

    static func q8_0(_ x: UnsafePointer<Float>, _ y: UnsafeMutableRawPointer, count: Int, withSum: Bool) {
        let blockBytes = withSum ? 40 : 36
        let qOffset = withSum ? 8 : 4
        for b in 0..<(count / 32) {
            let src = x + b * 32
            let dst = y + b * blockBytes
            var amax: Float = 0
            for j in 0..<32 { amax = max(amax, abs(src[j])) }
            let d = amax / 127
            let id: Float = d != 0 ? 1 / d : 0
            dst.storeBytes(of: d.bitPattern.littleEndian, toByteOffset: 0, as: UInt32.self)
            var sum: Int32 = 0
            for j in 0..<32 {
                let q = round(src[j] * id)
                sum += q
                dst.storeBytes(of: Int8(truncatingIfNeeded: q), toByteOffset: qOffset + j, as: Int8.self)
            }
            if withSum {
                dst.storeBytes(of: (Float(sum) * d).bitPattern.littleEndian, toByteOffset: 4, as: UInt32.self)
            }
        }
    }

    static func q8_K(_ x: UnsafePointer<Float>, _ y: UnsafeMutableRawPointer, count: Int) {
        for b in 0..<(count / 256) {
            let src = x + b * 256
            let dst = y + b * 292
            var amax: Float = 0, mx: Float = 0
            for j in 0..<256 {
                let a = abs(src[j])
                if a > amax { amax = a; mx = src[j] }
            }
            if amax == 0 {
                (dst).initializeMemory(as: UInt8.self, repeating: 0, count: 292)
                continue
            }
            let iscale = -127 / mx
            for j in 0..<256 {
                let q = min(127, Int32((iscale * src[j]).rounded(.toNearestOrEven)))
                dst.storeBytes(of: Int8(truncatingIfNeeded: q), toByteOffset: 4 + j, as: Int8.self)
            }
            for g in 0..<16 {
                var s: Int32 = 0
                for j in 0..<16 { s += Int32(dst.load(fromByteOffset: 4 + g * 16 + j, as: Int8.self)) }
                dst.storeBytes(of: Int16(s).littleEndian, toByteOffset: 260 + 2 * g, as: Int16.self)
            }
            dst.storeBytes(of: (1 / iscale).bitPattern.littleEndian, toByteOffset: 0, as: UInt32.self)
        }
    }
}
