import Kernels
import XCTest

/// `Profiler`: laps charge the time since the previous lap to one op kind; totals, shares and the table.
final class ProfilerTests: XCTestCase {
    func testLapsChargeElapsedTimeToTheirOp() {
        let p = Profiler()
        p.start()
        usleep(20_000)
        p.lap(.attention)
        p.lap(.norm)
        usleep(5_000)
        p.lap(.matmul(.q4_1))
        usleep(5_000)
        p.lap(.matmul(.q4_1))
        let e = p.entries()
        XCTAssertEqual(Set(e.map(\.op)), [.attention, .matmul(.q4_1), .norm])
        XCTAssertTrue(zip(e, e.dropFirst()).allSatisfy { $0.seconds >= $1.seconds }, "largest first")
        let byOp = Dictionary(uniqueKeysWithValues: e.map { ($0.op, $0) })
        XCTAssertEqual(byOp[.attention]?.calls, 1)
        XCTAssertEqual(byOp[.matmul(.q4_1)]?.calls, 2)
        XCTAssertGreaterThanOrEqual(byOp[.attention]?.seconds ?? 0, 0.020)
        XCTAssertGreaterThanOrEqual(byOp[.matmul(.q4_1)]?.seconds ?? 0, 0.010)
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
