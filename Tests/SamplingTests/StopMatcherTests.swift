import Sampling
import XCTest

final class StopMatcherTests: XCTestCase {
    /// Feeds pieces; returns everything emitted (with the flush when not stopped) and the stop seen.
    func stream(_ stops: [String], _ pieces: [String]) -> (text: String, stopped: Bool, emits: [String], matched: String?) {
        var m = StopMatcher(stops: stops)
        var emits: [String] = []
        var stopped = false
        for p in pieces {
            let r = m.feed(p)
            emits.append(r.emit)
            if r.stopped { stopped = true }
        }
        let tail = m.flush()
        if !tail.isEmpty { emits.append(tail) }
        return (emits.joined(), stopped, emits, m.matched)
    }

    func testCases() {
        let cases: [(stops: [String], pieces: [String], text: String, stopped: Bool)] = [
            ([], ["Hello", " world"], "Hello world", false),
            (["</s>"], ["Hello", " world"], "Hello world", false),
            (["</s>"], ["Hi", "</s>", "more"], "Hi", true),
            (["</s>"], ["Hi<", "/", "s", ">after"], "Hi", true),             // spans four pieces
            (["</s>"], ["a</s", "b"], "a</sb", false),                       // partial that fails
            (["</s>"], ["a</s"], "a</s", false),                             // partial at the end is flushed
            (["END", "STOP"], ["xxST", "OPyyEND"], "xx", true),              // earliest match wins
            (["END", "STOP"], ["xxEN", "D and STOP"], "xx", true),
            (["\n\n"], ["line\n", "\nnext"], "line", true),
            (["ab", "abc"], ["xab", "c"], "x", true),                        // shorter stop completes first
            (["aab"], ["a", "a", "a", "b"], "a", true),                      // overlapping prefix
            (["User:"], ["User:"], "", true),
            (["👋🏽"], ["hi 👋", "🏽 bye"], "hi ", true),                     // emoji + skin tone across tokens
            (["停止"], ["好的", "停", "止了"], "好的", true),
            (["e\u{301}"], ["cafe", "\u{301} noir"], "caf", true),           // e + combining acute, split
            (["\u{E9}"], ["cafe", "\u{301} noir"], "cafe\u{301} noir", false), // no normalization: é ≠ e + ◌́
            (["Ωmega"], ["αΩ", "meg", "a!"], "α", true),
        ]
        for c in cases {
            let r = stream(c.stops, c.pieces)
            XCTAssertEqual(r.text, c.text, "\(c.stops) \(c.pieces)")
            XCTAssertEqual(r.stopped, c.stopped, "\(c.stops) \(c.pieces)")
        }
    }

    /// Held-back text is released as soon as it can no longer start a stop string.
    func testHoldsBackOnlyPossibleStarts() {
        var m = StopMatcher(stops: ["###"])
        XCTAssertEqual(m.feed("abc#").emit, "abc")
        XCTAssertEqual(m.feed("#").emit, "")
        XCTAssertEqual(m.feed("x").emit, "##x")
        XCTAssertEqual(m.feed("##").emit, "")
        let r = m.feed("#tail")
        XCTAssertEqual(r.emit, "")
        XCTAssertTrue(r.stopped)
        XCTAssertEqual(m.matched, "###")
        XCTAssertEqual(m.feed("more"), ("", true) as (String, Bool), "nothing after a stop")
        XCTAssertEqual(m.flush(), "")
    }
}

func XCTAssertEqual(_ a: (emit: String, stopped: Bool), _ b: (String, Bool), _ message: String = "",
                    file: StaticString = #filePath, line: UInt = #line) {
    XCTAssertEqual(a.emit, b.0, message, file: file, line: line)
    XCTAssertEqual(a.stopped, b.1, message, file: file, line: line)
}
