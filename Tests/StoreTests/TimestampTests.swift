import Foundation
import XCTest
@testable import Store

/// Record timestamps are written without ICU; they must read exactly as `ISO8601DateFormatter` writes them.
final class TimestampTests: XCTestCase {
    func testMatchesISO8601DateFormatter() {
        let reference = ISO8601DateFormatter()
        reference.formatOptions = [.withInternetDateTime]
        let seconds: [Double] = [0, 1, 59.999, 86_399, 951_782_400 /* 2000-02-29 */, 1_700_000_000.5, 1_798_761_599, 4_102_444_800,
                                 1_234_567_890, 2_000_000_000]
        for s in seconds {
            let d = Date(timeIntervalSince1970: s)
            XCTAssertEqual(ModelStore.iso8601(d), reference.string(from: d), "\(s)")
        }
        XCTAssertEqual(ModelStore.iso8601(Date(timeIntervalSince1970: 951_782_400)), "2000-02-29T00:00:00Z")
    }
}
