import Kernels
import XCTest

/// `Profiler`: laps charge the time since the previous lap to one op kind; totals, shares and the table.
final class ProfilerTests: XCTestCase {
    func testLapsChargeElapsedTimeToTheirOp() {
        let p = Profiler()
        p.start()
        usleep(20_000)
        p.lap(.attention)
        p.lap(.norm)                  // immediately after: almost nothing
        usleep(5_000)
        p.lap(.matmul(.q4_1))
        usleep(5_000)
        p.lap(.matmul(.q4_1))
        let e = p.entries()
        XCTAssertEqual(e.map(\.op), [.attention, .matmul(.q4_1), .norm])
        XCTAssertEqual(e.map(\.calls), [1, 2, 1])
        XCTAssertGreaterThanOrEqual(e[0].seconds, 0.020)
        XCTAssertGreaterThanOrEqual(e[1].seconds, 0.010)
        XCTAssertLessThan(e[2].seconds, 0.005)
        XCTAssertEqual(e.reduce(0) { $0 + $1.fraction }, 1, accuracy: 1e-9)
        p.reset()
        XCTAssertEqual(p.entries(), [])
    }

    func testTableListsEveryOpWithItsShare() {
        let p = Profiler()
        p.start()
        usleep(2_000)
        p.lap(.rope)
        usleep(2_000)
        p.lap(.matmul(.q8_0))
        let lines = p.table(title: "pp8 profile", runs: 2).split(separator: "\n").map(String.init)
        XCTAssertEqual(lines.first, "pp8 profile")
        XCTAssertEqual(lines[1].split(separator: " ").map(String.init), ["op", "ms", "calls", "%"])
        XCTAssertTrue(lines.contains { $0.hasPrefix("matmul Q8_0") }, lines.joined(separator: "\n"))
        XCTAssertTrue(lines.contains { $0.hasPrefix("rope ") })
        XCTAssertTrue(lines.last?.hasPrefix("total") ?? false)
        // Two runs: one call each becomes 0 per run (integer mean), times are halved.
        let rope = lines.first { $0.hasPrefix("rope ") }?.split(separator: " ").map(String.init) ?? []
        XCTAssertEqual(rope.count, 4)
        XCTAssertEqual(rope[2], "0")
    }
}
