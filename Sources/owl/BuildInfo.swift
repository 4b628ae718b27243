/// Facts about this build, filled in by the Makefile at build time where possible.
enum BuildInfo {
    /// The git commit this binary was built from (written to GitCommit.swift by the Makefile).
    static var commit: String { gitCommit }
    /// The kernel path selected for this CPU (the Kernels module reports it once SIMD paths exist).
    static var kernelPath: String { "scalar" }
}
