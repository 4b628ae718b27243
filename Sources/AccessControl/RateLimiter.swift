import Foundation
import Synchronization

/// Per-key limits on requests and tokens per minute, as token buckets.
///
/// A bucket of capacity C refills at C/60 per second. A request takes one request token; a generation's
/// prompt + completion tokens are charged when it ends (they are unknown before), so the token bucket may
/// go negative, and further requests wait until it is positive again. `Retry-After` is the time until the
/// emptier bucket holds what the next request needs.
public final class RateLimiter: Sendable {
    private struct Bucket {
        var level: Double
        var updated: Double
        mutating func refill(capacity: Double, now: Double) {
            level = min(capacity, level + (now - updated) * capacity / 60)
            updated = now
        }
    }
    private struct State {
        var requests: [String: Bucket] = [:]
        var tokens: [String: Bucket] = [:]
    }
    private let state = Mutex(State())
    private let clock: @Sendable () -> Double

    /// `clock` returns seconds (monotonic); tests pass their own.
    public init(clock: @escaping @Sendable () -> Double = { Double(DispatchTime.now().uptimeNanoseconds) / 1e9 }) {
        self.clock = clock
    }

    /// Admits one request for `key`, or returns the seconds to wait (at least 1, rounded up).
    public func admit(_ key: APIKey) -> Int? {
        let now = clock()
        return state.withLock { s -> Int? in
            var wait = 0.0
            if let rpm = key.requestsPerMinute {
                let c = Double(rpm)
                var b = s.requests[key.name] ?? Bucket(level: c, updated: now)
                b.refill(capacity: c, now: now)
                if b.level < 1 { wait = max(wait, (1 - b.level) * 60 / c) }
                s.requests[key.name] = b
            }
            if let tpm = key.tokensPerMinute {
                let c = Double(tpm)
                var b = s.tokens[key.name] ?? Bucket(level: c, updated: now)
                b.refill(capacity: c, now: now)
                if b.level <= 0 { wait = max(wait, (1 - b.level) * 60 / c) }
                s.tokens[key.name] = b
            }
            if wait > 0 { return max(1, Int(wait.rounded(.up))) }
            if key.requestsPerMinute != nil { s.requests[key.name]?.level -= 1 }
            return nil
        }
    }

    /// Charges `tokens` (prompt + completion) to `key` after a generation.
    public func charge(_ key: APIKey, tokens: Int) {
        guard let tpm = key.tokensPerMinute, tokens > 0 else { return }
        let now = clock()
        state.withLock { s in
            let c = Double(tpm)
            var b = s.tokens[key.name] ?? Bucket(level: c, updated: now)
            b.refill(capacity: c, now: now)
            b.level -= Double(tokens)
            s.tokens[key.name] = b
        }
    }
}
