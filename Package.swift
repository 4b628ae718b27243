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
        .library(name: "Models", targets: ["Models"]),
        .library(name: "Sampling", targets: ["Sampling"]),
        .library(name: "Tokenizer", targets: ["Tokenizer"]),
        .library(name: "ChatTemplate", targets: ["ChatTemplate"]),
        .library(name: "Engine", targets: ["Engine"]),
    ],
    targets: [
        // C libraries from Debian's -dev packages (installed by scripts/setup.sh).
        .systemLibrary(name: "CCrypto", path: "Sources/CCrypto", pkgConfig: "libcrypto"),
        .systemLibrary(name: "CZlib", path: "Sources/CZlib", pkgConfig: "zlib"),
        .systemLibrary(name: "CSQLite", path: "Sources/CSQLite", pkgConfig: "sqlite3"),
        .systemLibrary(name: "COpenBLAS", path: "Sources/COpenBLAS", pkgConfig: "openblas"),
        .systemLibrary(name: "CMicroHTTPD", path: "Sources/CMicroHTTPD", pkgConfig: "libmicrohttpd"),

        // SHA-256 for the whole project (libcrypto, hardware SHA extensions).
        .target(name: "Digest", dependencies: ["CCrypto"]),
        // Small shared utilities: ordered JSON output.
        .target(name: "Support"),
        // Checkpoint formats: GGUF (read, write), safetensors, Hugging Face folders, the model catalog.
        .target(name: "Checkpoint", dependencies: ["Digest", "Support"], swiftSettings: optimized),
        // Numeric kernels: dequantization and quantized dot products (scalar references), GEMM, norms, RoPE.
        .target(name: "Kernels", dependencies: ["Checkpoint", "COpenBLAS", "CCPUID", "KernelsAVX2", "KernelsAVX512"], swiftSettings: optimized),
        // CPUID/XGETBV (Swift cannot issue them): which SIMD path this CPU and OS can run.
        .target(name: "CCPUID"),
        // SIMD dot-product kernels, each module compiled for its instruction set (the compiler may use it
        // anywhere in the module, so nothing here may run before `Kernels` checked the CPU).
        .target(name: "KernelsAVX2", swiftSettings: [.unsafeFlags(["-O", "-Xcc", "-march=x86-64-v3"])]),
        .target(name: "KernelsAVX512", swiftSettings: [.unsafeFlags(["-O", "-Xcc", "-march=x86-64-v3", "-Xcc", "-mavx512f", "-Xcc", "-mavx512bw", "-Xcc", "-mavx512vl", "-Xcc", "-mavx512dq", "-Xcc", "-mavx512vnni"])]),
        // Kernel micro-benchmark and self-check (`--check`, used under qemu by scripts/kernels-qemu.sh).
        .executableTarget(name: "owl-kernel-bench", dependencies: ["Kernels", "Checkpoint"], swiftSettings: optimized),
        // Language models: one file per architecture (Llama, Gemma 3, BERT), the registry, the KV cache, perplexity.
        .target(name: "Models", dependencies: ["Checkpoint", "Kernels"], swiftSettings: optimized),
        // Logit processors, samplers, the seeded RNG and stop-string matching; no dependencies.
        .target(name: "Sampling", swiftSettings: optimized),
        // Tokenizers built from checkpoint metadata: byte-level BPE, SentencePiece BPE, WordPiece.
        .target(name: "Tokenizer", dependencies: ["Checkpoint"], swiftSettings: optimized),
        // The sandboxed Jinja-subset interpreter for chat templates, and the message types.
        .target(name: "ChatTemplate", swiftSettings: optimized),
        // Generation: loaded models, sessions with prefix reuse, the decode loop and its stop rules.
        .target(name: "Engine", dependencies: ["Checkpoint", "Models", "Sampling", "Tokenizer", "ChatTemplate"]),
        // A small SQLite connection (WAL, synchronous=FULL) for the key store and the audit log.
        .target(name: "LocalSQL", dependencies: ["CSQLite"]),
        // API keys (hashed, in SQLite) and per-key rate limits.
        .target(name: "AccessControl", dependencies: ["LocalSQL", "Digest"]),
        // The append-only, hash-chained audit log, its verification and redaction.
        .target(name: "AuditLog", dependencies: ["LocalSQL", "Digest", "Support"]),
        // The HTTP server: libmicrohttpd, OpenAI and Ollama schemas, SSE/NDJSON, auth, metrics.
        .target(name: "Server", dependencies: ["CMicroHTTPD", "AccessControl", "AuditLog", "Digest", "Support"]),
        // The engine behind `owl serve`: model slots loaded on first use, the InferenceBackend implementation.
        .target(name: "Serving", dependencies: ["Server", "Engine", "Models", "Tokenizer", "ChatTemplate", "Sampling", "Checkpoint",
                                               "Store", "Governance", "AuditLog", "Support"]),
        // Pure policy: licenses and their terms, policy decisions, acknowledgments, AI BOMs, chat-template scan.
        .target(name: "Governance", dependencies: ["Support"]),
        // The model store: manifests, content-addressed blobs, import/pull (zip, HTTP), integrity, the policy gate.
        .target(name: "Store", dependencies: ["Checkpoint", "Digest", "Governance", "Support", "CZlib"]),
        // The command line: thin commands over the modules.
        .executableTarget(name: "owl", dependencies: ["Checkpoint", "Kernels", "Digest", "Support", "Tokenizer",
                                                      "Models", "Sampling", "ChatTemplate", "Engine",
                                                      "Server", "AccessControl", "AuditLog", "Serving", "Governance", "Store"]),

        // Test helpers shared by the test targets: temporary folders, Python oracles, seeded RNG.
        .target(name: "TestSupport", dependencies: ["Checkpoint"], path: "Sources/TestSupport"),
        .testTarget(name: "CheckpointTests", dependencies: ["Checkpoint", "Kernels", "Digest", "TestSupport"], exclude: ["Corpus"]),
        .testTarget(name: "KernelsTests", dependencies: ["Kernels", "Checkpoint", "TestSupport", "owl-kernel-bench"]),
        // End-to-end tests of the `owl` binary (built first through the dependency).
        .testTarget(name: "CLITests", dependencies: ["owl", "TestSupport"]),
        .testTarget(name: "ModelsTests", dependencies: ["Models", "Kernels", "Checkpoint", "TestSupport"], exclude: ["Fixtures"], swiftSettings: optimized),
        .testTarget(name: "SamplingTests", dependencies: ["Sampling"]),
        .testTarget(name: "TokenizerTests", dependencies: ["Tokenizer", "Checkpoint", "TestSupport"]),
        .testTarget(name: "EngineTests", dependencies: ["Engine", "Models", "Sampling", "ChatTemplate", "Checkpoint", "TestSupport"]),
        .testTarget(name: "ServingTests", dependencies: ["Serving", "Server", "AccessControl", "AuditLog", "Checkpoint", "Governance", "TestSupport"], exclude: ["Fixtures"]),
        .testTarget(name: "ChatTemplateTests", dependencies: ["ChatTemplate", "Checkpoint"], exclude: ["Fixtures"]),
        .testTarget(name: "AuditLogTests", dependencies: ["AuditLog", "AccessControl", "LocalSQL", "Digest", "TestSupport"]),
        .testTarget(name: "ServerTests", dependencies: ["Server", "AccessControl", "AuditLog", "LocalSQL", "Support", "TestSupport", "owl"]),
        .testTarget(name: "GovernanceTests", dependencies: ["Governance", "Support"]),
        .testTarget(name: "StoreTests", dependencies: ["Store", "Governance", "Checkpoint", "Digest", "Support", "CZlib"]),
    ]
)
