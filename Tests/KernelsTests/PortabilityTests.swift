import Foundation
import XCTest

/// Runs scripts/kernels-qemu.sh on the built `owl-kernel-bench`: under qemu-user's Haswell (no AVX-512)
/// and qemu64 (no AVX) CPUs the dispatch must pick avx2 / scalar, agree with the scalar reference, and
/// refuse forced paths the CPU lacks. Skipped where qemu-user is not installed.
final class PortabilityTests: XCTestCase {
    func testDispatchUnderQemuWithoutAVX512() throws {
        let products = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath().deletingLastPathComponent()
        let bench = products.appendingPathComponent("owl-kernel-bench").path
        guard FileManager.default.isExecutableFile(atPath: bench) else { throw XCTSkip("owl-kernel-bench not built at \(bench)") }
        let qemu = ["/usr/bin/qemu-x86_64", "/usr/local/bin/qemu-x86_64"].first { FileManager.default.isExecutableFile(atPath: $0) }
        guard qemu != nil else { throw XCTSkip("qemu-user is not installed (scripts/setup.sh installs it)") }
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/bin/bash")
        p.arguments = [root.appendingPathComponent("scripts/kernels-qemu.sh").path, bench]
        let out = Pipe()
        p.standardOutput = out
        p.standardError = out
        try p.run()
        let text = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        p.waitUntilExit()
        XCTAssertEqual(p.terminationStatus, 0, text)
        XCTAssertTrue(text.contains("Haswell: avx2 path, all kernels agree"), text)
        XCTAssertTrue(text.contains("qemu64: scalar path, all kernels agree"), text)
        XCTAssertTrue(text.contains("kernels-qemu: OK"), text)
    }
}
