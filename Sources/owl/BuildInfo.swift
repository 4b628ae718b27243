import Kernels

/// Facts about this build.
enum BuildInfo {
    /// The git commit this binary was built from. The Makefile writes GitCommit.swift (ignored by git)
    /// and builds with `-DOWL_GIT_COMMIT`; a plain `swift build` says "unknown".
    static var commit: String {
        #if OWL_GIT_COMMIT
        return gitCommit
        #else
        return "unknown"
        #endif
    }

    /// The kernel path in effect: the best this CPU runs (avx512, avx2, scalar) or the one OWL_KERNELS forces.
    static var kernelPath: String { KernelPath.current.name }
}
