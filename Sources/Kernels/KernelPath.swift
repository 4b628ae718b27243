import CCPUID
import Foundation

/// The instruction-set path the quantized kernels run on. Picked once from the CPU (CPUID + XGETBV) and
/// optionally forced with `OWL_KERNELS=avx512|avx2|scalar`.
public enum KernelPath: String, Sendable, CaseIterable, CustomStringConvertible {
    /// Portable Swift, baseline x86-64 (or any other architecture).
    case scalar
    /// AVX2 + FMA + F16C (x86-64-v3).
    case avx2
    /// AVX-512 F/BW/VL/DQ + VNNI.
    case avx512

    /// The name used by `OWL_KERNELS` and printed by `owl --version`.
    public var name: String { rawValue }
    public var description: String { rawValue }

    /// The fastest path this CPU and OS support.
    public static let best: KernelPath = {
        switch owl_cpu_simd_level() {
        case 2: return .avx512
        case 1: return .avx2
        default: return .scalar
        }
    }()

    /// Whether this CPU can run the path.
    public var isSupported: Bool {
        switch self {
        case .scalar: return true
        case .avx2: return KernelPath.best != .scalar
        case .avx512: return KernelPath.best == .avx512
        }
    }

    /// The paths this CPU can run, scalar first.
    public static var supported: [KernelPath] { allCases.filter(\.isSupported) }

    /// The path `OWL_KERNELS` asks for, or the best one when it is unset or empty.
    /// - Throws: `KernelPathError` when the value is unknown or names a path this CPU lacks.
    public static func configured(environment: [String: String] = ProcessInfo.processInfo.environment) throws(KernelPathError) -> KernelPath {
        guard let raw = environment["OWL_KERNELS"], !raw.isEmpty else { return best }
        guard let path = KernelPath(rawValue: raw.lowercased()) else { throw .unknown(raw) }
        guard path.isSupported else { throw .unsupported(path, best: best) }
        return path
    }

    /// The path in effect: `configured()`, or `best` if `OWL_KERNELS` is invalid (the CLI reports that
    /// error at start-up through `configured()`). Never a path this CPU cannot run.
    public static let current: KernelPath = (try? configured()) ?? best
}

/// `OWL_KERNELS` names no path, or one this machine cannot run.
public enum KernelPathError: Error, Equatable, CustomStringConvertible {
    case unknown(String)
    case unsupported(KernelPath, best: KernelPath)

    public var description: String {
        switch self {
        case .unknown(let raw):
            return "OWL_KERNELS='\(raw)' is not a kernel path; use one of: avx512, avx2, scalar (or unset it to pick the fastest)"
        case .unsupported(let path, let best):
            return "OWL_KERNELS=\(path) needs CPU features this machine lacks (its best path is \(best)); use OWL_KERNELS=\(best) or unset it"
        }
    }
}
