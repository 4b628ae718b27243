import Foundation

/// The log-probability of one generated token under the model, with the most likely alternatives at that step.
/// Log-probabilities are natural logs of the model's own distribution (log-softmax of the raw logits, before
/// penalties, bias, temperature and filters), as OpenAI reports them.
public struct TokenLogprobs: Sendable, Equatable {
    /// One candidate token.
    public struct Alternative: Sendable, Equatable {
        /// The token's text (`bytes` as UTF-8; bytes that are not valid UTF-8 on their own appear as `\xNN`).
        public var token: String
        /// The token's exact bytes (a token may hold part of a UTF-8 character).
        public var bytes: [UInt8]
        public var logprob: Double
        public init(token: String, bytes: [UInt8], logprob: Double) {
            self.token = token
            self.bytes = bytes
            self.logprob = logprob
        }
    }
    /// The chosen token's text.
    public var token: String
    public var bytes: [UInt8]
    public var logprob: Double
    /// Most likely first, at most `LogprobsRequest.top`.
    public var top: [Alternative]
    public init(token: String, bytes: [UInt8], logprob: Double, top: [Alternative]) {
        self.token = token
        self.bytes = bytes
        self.logprob = logprob
        self.top = top
    }

    /// Text for a token's bytes: the UTF-8 string when they are valid, else each byte outside a valid sequence
    /// written as `\xNN` (so a partial character stays visible and distinct).
    public static func text(of bytes: [UInt8]) -> String {
        if let s = String(validating: bytes, as: UTF8.self) { return s }
        var out = ""
        var i = 0
        while i < bytes.count {
            var matched = false
            // The longest valid UTF-8 sequence starting here (1...4 bytes).
            for n in stride(from: min(4, bytes.count - i), through: 1, by: -1) {
                if let s = String(validating: bytes[i..<(i + n)], as: UTF8.self) {
                    out += s
                    i += n
                    matched = true
                    break
                }
            }
            if !matched {
                out += "\\x" + String(bytes[i], radix: 16, uppercase: false).leftPadded(to: 2)
                i += 1
            }
        }
        return out
    }
}

extension String {
    fileprivate func leftPadded(to n: Int) -> String { count >= n ? self : String(repeating: "0", count: n - count) + self }
}
