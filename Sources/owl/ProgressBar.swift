import Foundation

/// A one-line progress bar on stderr, drawn only on a terminal and at most ten times a second.
final class ProgressBar {
    private let label: String
    private let enabled: Bool
    private var lastDraw = Date.distantPast
    private let start = Date()

    init(_ label: String, enabled: Bool) {
        self.label = label
        self.enabled = enabled
    }

    /// Draws `done` of `total` (bytes or steps).
    func update(_ done: Int64, _ total: Int64) {
        guard enabled, total > 0 else { return }
        let now = Date()
        guard done >= total || now.timeIntervalSince(lastDraw) > 0.1 else { return }
        lastDraw = now
        let fraction = min(1, Double(done) / Double(total))
        let width = 30
        let filled = Int(fraction * Double(width))
        let bar = String(repeating: "█", count: filled) + String(repeating: "░", count: width - filled)
        let elapsed = now.timeIntervalSince(start)
        let line = String(format: "\r%@ %@ %3.0f%% %.1fs", label, bar, fraction * 100, elapsed)
        FileHandle.standardError.write(Data(line.utf8))
    }

    /// Clears the line.
    func finish() {
        guard enabled else { return }
        FileHandle.standardError.write(Data("\r\u{1B}[2K".utf8))
    }
}
