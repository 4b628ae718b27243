/// Finds stop strings in streamed text and decides what may be shown.
///
/// Text is fed piece by piece (one decoded token at a time). A stop string may span pieces, so the
/// matcher holds back the longest tail of the text that is still the start of some stop string; once a
/// stop string is complete, only the text before it is emitted and everything after is dropped. Nothing
/// after a stop is ever emitted.
///
/// Matching is on Unicode scalars, so a stop string matches even when a token boundary splits a
/// grapheme cluster (e.g. a letter and its combining mark, or the parts of an emoji sequence). There is
/// no Unicode normalization: a precomposed `é` does not match `e` followed by a combining acute.
public struct StopMatcher: Sendable {
    public let stops: [String]
    private let stopScalars: [[Unicode.Scalar]]
    private var pending: [Unicode.Scalar] = []
    public private(set) var stopped = false
    /// The stop string that ended the text, once `stopped`.
    public private(set) var matched: String?

    /// - Parameter stops: the stop strings; empty strings are ignored.
    public init(stops: [String]) {
        self.stops = stops.filter { !$0.isEmpty }
        stopScalars = self.stops.map { Array($0.unicodeScalars) }
    }

    /// Adds the next piece of text.
    /// - Returns: the text that is now safe to show, and whether a stop string has been completed.
    public mutating func feed(_ text: String) -> (emit: String, stopped: Bool) {
        guard !stopped else { return ("", true) }
        pending.append(contentsOf: text.unicodeScalars)
        if stopScalars.isEmpty { return (flush(), false) }
        // The earliest position where a complete stop string starts.
        var earliest: (start: Int, stop: Int)?
        for (k, stop) in stopScalars.enumerated() {
            if let at = Self.find(stop, in: pending), at < (earliest?.start ?? Int.max) { earliest = (at, k) }
        }
        if let earliest {
            stopped = true
            matched = stops[earliest.stop]
            let emit = Self.string(pending[..<earliest.start])
            pending.removeAll()
            return (emit, true)
        }
        let hold = heldBack()
        let emit = Self.string(pending[..<(pending.count - hold)])
        pending.removeFirst(pending.count - hold)
        return (emit, false)
    }

    /// At the end of generation (no stop string seen): the text still held back. Empty once stopped.
    public mutating func flush() -> String {
        defer { pending.removeAll() }
        return stopped ? "" : Self.string(pending[...])
    }

    /// The length of the longest proper suffix of `pending` that is a prefix of some stop string.
    private func heldBack() -> Int {
        var best = 0
        for stop in stopScalars {
            var n = min(stop.count - 1, pending.count)
            while n > best {
                if pending[(pending.count - n)...].elementsEqual(stop[..<n]) { best = n; break }
                n -= 1
            }
        }
        return best
    }

    private static func find(_ needle: [Unicode.Scalar], in hay: [Unicode.Scalar]) -> Int? {
        guard needle.count <= hay.count else { return nil }
        for start in 0...(hay.count - needle.count) where hay[start] == needle[0] {
            if hay[start..<(start + needle.count)].elementsEqual(needle) { return start }
        }
        return nil
    }

    private static func string(_ scalars: ArraySlice<Unicode.Scalar>) -> String {
        var s = String.UnicodeScalarView()
        s.append(contentsOf: scalars)
        return String(s)
    }
}
