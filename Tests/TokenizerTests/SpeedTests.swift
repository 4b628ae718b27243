import Foundation
import XCTest
@testable import Tokenizer

/// Prints how long the 99 KB shared text takes (no time assertion: machines differ); checks its token
/// count against llama.cpp's (perplexity_smollm2_135m.json: 21,604 tokens).
final class SpeedTests: XCTestCase {
    func testSharedTextTiming() throws {
        let text = try String(contentsOfFile: Fixtures.file(Fixtures.goldens + "/smollm2-135m/ppl_text_common_licenses.txt"), encoding: .utf8)
        let smol = try Fixtures.smolLM()
        var best = Double.infinity
        var count = 0
        for _ in 0..<3 {
            let t0 = DispatchTime.now().uptimeNanoseconds
            count = smol.encode(text, addSpecial: false, parseSpecial: true).count
            best = min(best, Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e6)
        }
        XCTAssertEqual(count, 21_604)
        print(String(format: "SmolLM2 tokenizer: %d bytes → %d tokens in %.1f ms (best of 3)", text.utf8.count, count, best))
    }
}
