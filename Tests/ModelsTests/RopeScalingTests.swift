import Checkpoint
import Foundation
@testable import Models
import XCTest

final class RopeScalingTests: XCTestCase {
    /// Llama 3.1's settings (factor 8, low 1, high 4, original context 8192, base 500000, 128 dims):
    /// wavelengths under 2048 keep their frequency, over 8192 are divided by 8, between they blend.
    func testLlama3Factors() {
        let f = RopeScaling.llama3Factors(nRot: 128, base: 500_000, factor: 8, low: 1, high: 4, originalContext: 8192)
        XCTAssertEqual(f.count, 64)
        for (i, v) in f.enumerated() {
            let wavelen = 2 * Double.pi * pow(500_000, 2 * Double(i) / 128)
            if wavelen < 2048 { XCTAssertEqual(v, 1, "pair \(i)") }
            if wavelen > 8192 { XCTAssertEqual(v, 8, "pair \(i)") }
            if wavelen >= 2048 && wavelen <= 8192 {
                // smooth = (8192/λ − 1)/3; divisor = 1/((1−smooth)/8 + smooth), strictly between 1 and 8.
                let smooth = (8192 / wavelen - 1) / 3
                XCTAssertEqual(v, 1 / ((1 - smooth) / 8 + smooth), accuracy: 1e-12)
                XCTAssertTrue(v > 1 && v < 8)
            }
        }
        XCTAssertTrue(zip(f, f.dropFirst()).allSatisfy { $0 <= $1 }, "divisors grow with the wavelength")
    }

    func testUnknownScalingTypeIsRefused() throws {
        var tiny = TinyModel(.llama)
        tiny.extraMetadata = [("llama.rope.scaling.type", .string("dynamic"))]
        let file = try tiny.write()
        XCTAssertThrowsError(try ModelRegistry.standard.load(gguf: file, mode: .reference)) { e in
            XCTAssertEqual("\(e)", "\(file.path): rope scaling type 'dynamic' is not supported (supported: none, linear, llama3, yarn)")
        }
    }

    /// llama3 scaling from metadata changes the model only at long wavelengths; a stored
    /// `rope_freqs.weight` would take precedence (not in these files).
    func testScalingKeysAreRead() throws {
        var t = TinyModel(.llama)
        t.extraMetadata = [("llama.rope.scaling.type", .string("llama3")), ("llama.rope.scaling.factor", .float32(8)),
                           ("llama.rope.scaling.original_context_length", .uint32(16))]
        let file = try t.write()
        XCTAssertEqual(try RopeScaling.read(file, arch: "llama"),
                       .llama3(factor: 8, lowFreqFactor: 1, highFreqFactor: 4, originalContext: 16))
        var y = TinyModel(.llama)
        y.extraMetadata = [("llama.rope.scaling.type", .string("yarn")), ("llama.rope.scaling.factor", .float32(4)),
                           ("llama.rope.scaling.original_context_length", .uint32(32))]
        XCTAssertEqual(try RopeScaling.read(y.write(), arch: "llama"),
                       .yarn(factor: 4, originalContext: 32, attnFactor: 1, betaFast: 32, betaSlow: 1))
        let m = try ModelRegistry.standard.load(gguf: y.write(), mode: .reference)
        XCTAssertTrue(try m.forward(tokens: [1, 2, 3], cache: m.makeCache(maxTokens: 4)).values.allSatisfy(\.isFinite))
    }
}
