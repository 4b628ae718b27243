// Shared helpers for the test targets: temporary folders, Python oracles, the model home, a seeded RNG.
import Foundation
import XCTest

/// A fresh temporary folder, removed when the test ends.
public func temporaryDirectory(_ test: XCTestCase) throws -> String {
    let dir = NSTemporaryDirectory() + "owl-test-" + UUID().uuidString
    try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
    test.addTeardownBlock { try? FileManager.default.removeItem(atPath: dir) }
    return dir
}

/// Runs `python3 -c script args...`, returning stdout. Python is a test oracle only.
/// Fails (not skips) when the oracle packages are missing, unless OWL_SKIP_PYTHON_ORACLES=1.
public func runPython(_ script: String, _ args: [String] = [], stdin: Data? = nil) throws -> Data {
    if ProcessInfo.processInfo.environment["OWL_SKIP_PYTHON_ORACLES"] == "1" {
        throw XCTSkip("Python oracles disabled by OWL_SKIP_PYTHON_ORACLES=1")
    }
    let p = Process()
    p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    p.arguments = ["python3", "-c", script] + args
    let out = Pipe(), err = Pipe(), inp = Pipe()
    p.standardOutput = out
    p.standardError = err
    p.standardInput = inp
    try p.run()
    if let stdin { inp.fileHandleForWriting.write(stdin) }
    try inp.fileHandleForWriting.close()
    let data = out.fileHandleForReading.readDataToEndOfFile()
    let errData = err.fileHandleForReading.readDataToEndOfFile()
    p.waitUntilExit()
    guard p.terminationStatus == 0 else {
        throw NSError(domain: "python", code: Int(p.terminationStatus), userInfo: [NSLocalizedDescriptionKey:
            "python oracle failed (run `make test-deps`): " + String(decoding: errData, as: UTF8.self)])
    }
    return data
}

/// The Owl home with the installed catalog models (`make models`).
public var owlHome: String {
    let env = ProcessInfo.processInfo.environment
    if let h = env["OWL_HOME"], !h.isEmpty { return h }
    return NSHomeDirectory() + "/.owl"
}

/// A deterministic generator (SplitMix64) so mutation tests are reproducible from their seed.
public struct SplitMix64: RandomNumberGenerator {
    public var state: UInt64
    public init(seed: UInt64) { state = seed }
    public init(state: UInt64) { self.state = state }
    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// The shared goldens folder: `$OWL_GOLDENS`, else the first `shared/goldens` found walking up from
/// this source file (CI lays `shared/` beside the clone).
public func goldensDirectory() throws -> String {
    if let g = ProcessInfo.processInfo.environment["OWL_GOLDENS"], !g.isEmpty { return g }
    var dir = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
    for _ in 0..<8 {
        let candidate = dir.appendingPathComponent("shared/goldens")
        if FileManager.default.fileExists(atPath: candidate.appendingPathComponent("README.md").path) { return candidate.path }
        dir = dir.deletingLastPathComponent()
    }
    throw XCTSkip("shared/goldens not found above \(#filePath); set OWL_GOLDENS")
}

extension SplitMix64 {
    /// A float in [-1, 1) from the top 24 bits.
    public mutating func float() -> Float { Float(next() >> 40) / Float(1 << 24) * 2 - 1 }
    /// The low byte of the next value.
    public mutating func byte() -> UInt8 { UInt8(truncatingIfNeeded: next()) }
}
