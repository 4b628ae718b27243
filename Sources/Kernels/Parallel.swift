import Dispatch

/// Splits work over `threads` workers; each call of `body(thread, threads)` handles its own share.
///
/// Kernels take `(thread, threads)` and compute their own range (`Parallel.range`), so the caller
/// owns the threads and kernels stay pure. With one thread the body runs inline.
public struct Parallel: Sendable {
    /// Number of workers, at least 1.
    public let threads: Int

    public init(threads: Int) { self.threads = max(1, threads) }

    /// One worker: everything runs on the caller's thread.
    public static let serial = Parallel(threads: 1)

    /// Runs `body(thread, threads)` for every thread index and returns when all are done.
    public func run(_ body: (Int, Int) -> Void) {
        let n = threads
        if n == 1 { body(0, 1); return }
        withoutActuallyEscaping(body) { escaping in
            nonisolated(unsafe) let work = escaping
            DispatchQueue.concurrentPerform(iterations: n) { t in work(t, n) }
        }
    }

    /// The share of `0..<count` that worker `thread` of `threads` handles (contiguous, balanced).
    @inline(__always)
    public static func range(_ count: Int, thread: Int, threads: Int) -> Range<Int> {
        let base = count / threads, extra = count % threads
        let start = thread * base + min(thread, extra)
        return start..<(start + base + (thread < extra ? 1 : 0))
    }
}
