import Checkpoint
import KernelsAVX2
import KernelsAVX512

/// One weight row · one activation row: `(count, weightRow, activationRow) -> Float`.
public typealias DotFunction = @Sendable (Int, UnsafeRawPointer, UnsafeRawPointer) -> Float

/// Four weight rows `stride` bytes apart · one activation row: `(count, weightRow0, stride, activationRow, y)`
/// writes y[0‥3]. Each y[k] equals the single-row kernel on row k bit for bit.
public typealias Dot4Function = @Sendable (Int, UnsafeRawPointer, Int, UnsafeRawPointer, UnsafeMutablePointer<Float>) -> Void

/// A dot-product kernel for one weight type on one path, with the activation format it takes.
public struct DotKernel: Sendable {
    /// The weight type (GGML block layout of each row).
    public let weights: GGMLType
    /// How the activation row must be prepared (`ActivationFormat.quantize`).
    public let activations: ActivationFormat
    /// The path the kernel runs on.
    public let path: KernelPath
    let function: DotFunction
    /// The four-row form (shared activation loads), where the path has one.
    let four: Dot4Function?

    /// Whether `rows4` runs a dedicated four-row kernel (else four single-row calls).
    public var hasFourRowKernel: Bool { four != nil }

    /// The same kernel without its four-row form (to measure or test the single-row kernel alone).
    public var singleRowOnly: DotKernel { DotKernel(self, four: nil) }

    private init(_ k: DotKernel, four: Dot4Function?) {
        weights = k.weights
        activations = k.activations
        path = k.path
        function = k.function
        self.four = four
    }

    /// Weight types with a dot kernel on every path.
    public static let supported: [GGMLType] = [.f32, .f16, .q4_0, .q4_1, .q5_0, .q5_1, .q8_0,
                                               .q2_K, .q3_K, .q4_K, .q5_K, .q6_K]

    /// The kernel for `weights` on `path` (default: `KernelPath.current`).
    /// - Throws: `KernelError.unsupportedType` for types without a dot kernel;
    ///   `KernelPathError.unsupported` when this CPU cannot run `path`.
    public init(weights: GGMLType, path: KernelPath = .current, tensor: String = "") throws {
        guard let format = ActivationFormat.forWeights(weights), let scalar = DotKernel.scalar(weights) else {
            throw KernelError.unsupportedType(weights, tensor: tensor)
        }
        guard path.isSupported else { throw KernelPathError.unsupported(path, best: .best) }
        self.weights = weights
        self.activations = format
        self.path = path
        switch path {
        case .scalar: function = scalar; four = nil
        case .avx2: function = DotKernel.avx2(weights) ?? scalar; four = DotKernel.avx2Rows4(weights)
        case .avx512: function = DotKernel.avx512(weights) ?? scalar; four = DotKernel.avx512Rows4(weights)
        }
    }

    /// Rows w, w + stride, w + 2·stride, w + 3·stride · x into y[0‥3] (the four-row kernel where the path has
    /// one, else four single-row calls; identical results either way).
    @inline(__always)
    public func rows4(_ count: Int, _ w: UnsafeRawPointer, stride: Int, _ x: UnsafeRawPointer, _ y: UnsafeMutablePointer<Float>) {
        if let four {
            four(count, w, stride, x, y)
        } else {
            for k in 0..<4 { y[k] = function(count, w + k * stride, x) }
        }
    }

    /// w · x over `count` values (a multiple of the weight block size); `x` in `activations` format.
    @inline(__always)
    public func callAsFunction(_ count: Int, _ w: UnsafeRawPointer, _ x: UnsafeRawPointer) -> Float {
        function(count, w, x)
    }

    static func scalar(_ t: GGMLType) -> DotFunction? {
        switch t {
        case .f32: return ScalarDot.f32
        case .f16: return ScalarDot.f16
        case .q4_0: return ScalarDot.q4_0
        case .q4_1: return ScalarDot.q4_1
        case .q5_0: return ScalarDot.q5_0
        case .q5_1: return ScalarDot.q5_1
        case .q8_0: return ScalarDot.q8_0
        case .q2_K: return ScalarDot.q2_K
        case .q3_K: return ScalarDot.q3_K
        case .q4_K: return ScalarDot.q4_K
        case .q5_K: return ScalarDot.q5_K
        case .q6_K: return ScalarDot.q6_K
        default: return nil
        }
    }

    // Only references to the SIMD functions here; they run only through a kernel built for a supported path.
    static func avx2(_ t: GGMLType) -> DotFunction? {
        switch t {
        case .f32: return AVX2.dotF32
        case .f16: return AVX2.dotF16
        case .q4_0: return AVX2.dotQ4_0
        case .q4_1: return AVX2.dotQ4_1
        case .q5_0: return AVX2.dotQ5_0
        case .q5_1: return AVX2.dotQ5_1
        case .q8_0: return AVX2.dotQ8_0
        case .q2_K: return AVX2.dotQ2_K
        case .q3_K: return AVX2.dotQ3_K
        case .q4_K: return AVX2.dotQ4_K
        case .q5_K: return AVX2.dotQ5_K
        case .q6_K: return AVX2.dotQ6_K
        default: return nil
        }
    }

    static func avx512(_ t: GGMLType) -> DotFunction? {
        switch t {
        case .f32: return AVX512.dotF32
        case .f16: return AVX512.dotF16
        case .q4_0: return AVX512.dotQ4_0
        case .q4_1: return AVX512.dotQ4_1
        case .q5_0: return AVX512.dotQ5_0
        case .q5_1: return AVX512.dotQ5_1
        case .q8_0: return AVX512.dotQ8_0
        case .q2_K: return AVX512.dotQ2_K
        case .q3_K: return AVX512.dotQ3_K
        case .q4_K: return AVX512.dotQ4_K
        case .q5_K: return AVX512.dotQ5_K
        case .q6_K: return AVX512.dotQ6_K
        default: return nil
        }
    }

    static func avx2Rows4(_ t: GGMLType) -> Dot4Function? {
        switch t {
        case .q4_0: return AVX2.dot4Q4_0
        case .q4_1: return AVX2.dot4Q4_1
        case .q5_0: return AVX2.dot4Q5_0
        case .q5_1: return AVX2.dot4Q5_1
        case .q8_0: return AVX2.dot4Q8_0
        case .q2_K: return AVX2.dot4Q2_K
        case .q3_K: return AVX2.dot4Q3_K
        case .q4_K: return AVX2.dot4Q4_K
        case .q5_K: return AVX2.dot4Q5_K
        case .q6_K: return AVX2.dot4Q6_K
        default: return nil
        }
    }

    static func avx512Rows4(_ t: GGMLType) -> Dot4Function? {
        switch t {
        case .q4_0: return AVX512.dot4Q4_0
        case .q4_1: return AVX512.dot4Q4_1
        case .q5_0: return AVX512.dot4Q5_0
        case .q5_1: return AVX512.dot4Q5_1
        case .q8_0: return AVX512.dot4Q8_0
        case .q2_K: return AVX512.dot4Q2_K
        case .q3_K: return AVX512.dot4Q3_K
        case .q4_K: return AVX512.dot4Q4_K
        case .q5_K: return AVX512.dot4Q5_K
        case .q6_K: return AVX512.dot4Q6_K
        default: return nil
        }
    }
}
