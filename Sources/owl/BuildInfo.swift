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

    /// The kernel path selected for this CPU (the Kernels module reports it once SIMD paths exist).
    static var kernelPath: String { "scalar" }
}
