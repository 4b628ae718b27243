// swift-tools-version:6.0
// Owl: an open-weight LLM toolkit. The module graph points one way:
// format (Checkpoint) → kernels → models → engine → server / CLI; governance is pure policy beside them.
import PackageDescription

/// Hot code (kernels, parsers) is built optimized even in debug so `swift test` stays fast.
let optimized: [SwiftSetting] = [.unsafeFlags(["-O"])]

let package = Package(
    name: "Owl",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "owl", targets: ["owl"]),
        .library(name: "Checkpoint", targets: ["Checkpoint"]),
        .library(name: "Kernels", targets: ["Kernels"]),
        .executable(name: "owl-kernel-bench", targets: ["owl-kernel-bench"]),
    ],
    targets: [
        // C libraries from Debian's -dev packages (installed by scripts/setup.sh).
        .systemLibrary(name: "CCrypto", path: "Sources/CCrypto", pkgConfig: "libcrypto"),
        .systemLibrary(name: "CZlib", path: "Sources/CZlib", pkgConfig: "zlib"),
        .systemLibrary(name: "CSQLite", path: "Sources/CSQLite", pkgConfig: "sqlite3"),

        // SHA-256 for the whole project (libcrypto, hardware SHA extensions).
        .target(name: "Digest", dependencies: ["CCrypto"]),
        // Small shared utilities: ordered JSON output.
        .target(name: "Support"),
        // Checkpoint formats: GGUF (read, write), safetensors, Hugging Face folders, the model catalog.
        .target(name: "Checkpoint", dependencies: ["Digest", "Support"], swiftSettings: optimized),
        // Numeric kernels: dequantization, quantized dot products and matvec (scalar references), CPU
        // dispatch and the thread pool. Baseline x86-64: it calls the SIMD targets only after CPUID says so.
        .target(name: "Kernels", dependencies: ["Checkpoint", "CCPUID", "KernelsAVX2", "KernelsAVX512"], swiftSettings: optimized),
        // CPUID/XGETBV (Swift cannot issue them): which SIMD path this CPU and OS can run.
        .target(name: "CCPUID"),
        // SIMD dot-product kernels, each module compiled for its instruction set (the compiler may use it
        // anywhere in the module, so nothing here may run before `Kernels` checked the CPU).
        .target(name: "KernelsAVX2", swiftSettings: [.unsafeFlags(["-O", "-Xcc", "-march=x86-64-v3"])]),
        .target(name: "KernelsAVX512", swiftSettings: [.unsafeFlags(["-O", "-Xcc", "-march=x86-64-v3", "-Xcc", "-mavx512f", "-Xcc", "-mavx512bw", "-Xcc", "-mavx512vl", "-Xcc", "-mavx512dq", "-Xcc", "-mavx512vnni"])]),
        // Kernel micro-benchmark and self-check (`--check`, used under qemu by scripts/kernels-qemu.sh).
        .executableTarget(name: "owl-kernel-bench", dependencies: ["Kernels", "Checkpoint"], swiftSettings: optimized),
        // The command line: thin commands over the modules.
        .executableTarget(name: "owl", dependencies: ["Checkpoint", "Kernels", "Digest", "Support"]),

        // Test helpers shared by the test targets: temporary folders, Python oracles, seeded RNG.
        .target(name: "TestSupport", dependencies: ["Checkpoint"], path: "Sources/TestSupport"),
        .testTarget(name: "CheckpointTests", dependencies: ["Checkpoint", "Kernels", "Digest", "TestSupport"], exclude: ["Corpus"]),
        .testTarget(name: "KernelsTests", dependencies: ["Kernels", "Checkpoint", "TestSupport", "owl-kernel-bench"]),
        // End-to-end tests of the `owl` binary (built first through the dependency).
        .testTarget(name: "CLITests", dependencies: ["owl", "TestSupport"]),
    ]
)
