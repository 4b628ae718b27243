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
        // Numeric kernels: dequantization (scalar references), later SIMD matvec/matmul.
        .target(name: "Kernels", dependencies: ["Checkpoint"], swiftSettings: optimized),
        // Pure policy: licenses and their terms, policy decisions, acknowledgments, AI BOMs, chat-template scan.
        .target(name: "Governance", dependencies: ["Support"]),
        // The model store: manifests, content-addressed blobs, import/pull (zip, HTTP), integrity, the policy gate.
        .target(name: "Store", dependencies: ["Checkpoint", "Digest", "Governance", "Support", "CZlib"]),
        // The command line: thin commands over the modules.
        .executableTarget(name: "owl", dependencies: ["Checkpoint", "Kernels", "Digest", "Support", "Governance", "Store"]),

        .testTarget(name: "CheckpointTests", dependencies: ["Checkpoint", "Kernels", "Digest"]),
        .testTarget(name: "KernelsTests", dependencies: ["Kernels", "Checkpoint"]),
        .testTarget(name: "GovernanceTests", dependencies: ["Governance", "Support"]),
        .testTarget(name: "StoreTests", dependencies: ["Store", "Governance", "Checkpoint", "Digest", "Support", "CZlib"]),
    ]
)
