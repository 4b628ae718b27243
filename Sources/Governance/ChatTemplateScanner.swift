import Support

/// One suspicious thing in a chat template.
public struct TemplateFinding: Sendable, Equatable {
    public enum Kind: String, Sendable {
        /// Zero-width, bidirectional-control or tag characters that hide text from a reader.
        case invisibleCharacter = "invisible-character"
        /// A natural-language instruction to the model inside literal text ("ignore previous instructions").
        case hiddenInstruction = "hidden-instruction"
        /// A URL in literal text.
        case url
        /// A complete tool call written into the template rather than rendered from messages.
        case toolCallInjection = "tool-call-injection"
        /// A literal text run far longer than role markup needs.
        case longLiteral = "long-literal"
        /// Access to Python internals (`__class__`, `__globals__`): a sandbox-escape attempt.
        case sandboxEscape = "sandbox-escape"
    }
    public enum Severity: String, Sendable { case high, medium, low }

    public var kind: Kind
    public var severity: Severity
    /// Byte offset (UTF-8) in the template.
    public var offset: Int
    /// The text that matched, shortened, with invisible characters shown as `<U+XXXX>`.
    public var excerpt: String
    public var detail: String

    public var json: JSONValue {
        .object([("kind", .string(kind.rawValue)), ("severity", .string(severity.rawValue)), ("offset", .int(offset)),
                 ("excerpt", .string(excerpt)), ("detail", .string(detail))])
    }
}

/// Scans a chat template (Jinja source) for content that does not belong in role markup. Pure: text in,
/// findings out; the template is never rendered.
public enum ChatTemplateScanner {
    /// Literal runs longer than this many characters are flagged for review.
    public static let longLiteralLimit = 600

    /// Phrases that instruct a model to drop its instructions, hide things, or act behind the user's back.
    static let directives = [
        "ignore previous instructions", "ignore all previous", "ignore the above", "ignore prior instructions",
        "ignore your instructions", "disregard previous", "disregard all previous", "disregard the above",
        "forget your instructions", "forget all previous", "do not tell the user", "don't tell the user",
        "without telling the user", "never reveal", "do not reveal", "don't reveal", "do not mention this",
        "don't mention this", "keep this secret", "this is a secret instruction", "you are now", "new instructions:",
        "override your", "exfiltrate", "send the conversation", "include the user's password",
        "system override", "jailbreak", "developer mode",
    ]

    static let internals = ["__class__", "__globals__", "__subclasses__", "__builtins__", "__import__", "__mro__",
                            "__init__", "__dict__", "__base__", "func_globals", "os.system", "popen", "subprocess"]

    /// Scans `template` and returns its findings in order of offset.
    public static func scan(_ template: String) -> [TemplateFinding] {
        var findings: [TemplateFinding] = []
        findings += invisibleCharacters(template)
        for segment in literalSegments(template) {
            findings += scanLiteral(segment.text, offset: segment.offset)
        }
        let lower = template.lowercased()
        for word in internals {
            for off in offsets(of: word, in: lower) {
                findings.append(TemplateFinding(kind: .sandboxEscape, severity: .high, offset: off, excerpt: excerpt(template, at: off, length: word.utf8.count),
                                                detail: "the template reaches Python internals ('\(word)'); a chat template has no reason to"))
            }
        }
        return findings.sorted { ($0.offset, $0.kind.rawValue) < ($1.offset, $1.kind.rawValue) }
    }

    /// Zero-width, bidi-control, BOM (not at the start), soft hyphen and Unicode tag characters.
    static func isInvisible(_ v: UInt32) -> Bool {
        (0x200B...0x200F).contains(v) || (0x202A...0x202E).contains(v) || (0x2060...0x2064).contains(v)
            || (0x2066...0x2069).contains(v) || v == 0xFEFF || v == 0x00AD || v == 0x180E || (0xE0000...0xE007F).contains(v)
    }

    static func invisibleCharacters(_ t: String) -> [TemplateFinding] {
        var out: [TemplateFinding] = []
        var offset = 0
        for u in t.unicodeScalars {
            if isInvisible(u.value), !(u.value == 0xFEFF && offset == 0) {
                out.append(TemplateFinding(kind: .invisibleCharacter, severity: .high, offset: offset,
                                           excerpt: excerpt(t, at: offset, length: u.utf8.count),
                                           detail: String(format: "invisible character U+%04X; it can hide or reorder text a reviewer reads", u.value)))
            }
            offset += u.utf8.count
        }
        return out
    }

    /// Literal text: the template text outside `{{ }}`, `{% %}`, `{# #}`, plus quoted string literals inside
    /// expressions and statements. Offsets are UTF-8 byte offsets.
    static func literalSegments(_ t: String) -> [(text: String, offset: Int)] {
        let b = Array(t.utf8)
        var out: [(String, Int)] = []
        var i = 0
        var textStart = 0
        func flushText(_ end: Int) {
            if end > textStart { out.append((String(decoding: b[textStart..<end], as: UTF8.self), textStart)) }
        }
        while i < b.count {
            if b[i] == UInt8(ascii: "{"), i + 1 < b.count, [UInt8(ascii: "{"), UInt8(ascii: "%"), UInt8(ascii: "#")].contains(b[i + 1]) {
                flushText(i)
                let open = b[i + 1]
                let close: UInt8 = open == UInt8(ascii: "{") ? UInt8(ascii: "}") : open
                var j = i + 2
                var quote: UInt8? = nil
                var strStart = 0
                while j < b.count {
                    let c = b[j]
                    if let q = quote {
                        if c == UInt8(ascii: "\\") { j += 2; continue }
                        if c == q {
                            if open != UInt8(ascii: "#") { out.append((String(decoding: b[strStart..<j], as: UTF8.self), strStart)) }
                            quote = nil
                        }
                    } else if c == UInt8(ascii: "'") || c == UInt8(ascii: "\"") {
                        quote = c; strStart = j + 1
                    } else if c == close, j + 1 < b.count, b[j + 1] == UInt8(ascii: "}") {
                        j += 2
                        break
                    }
                    j += 1
                }
                i = min(j, b.count)
                textStart = i
                continue
            }
            i += 1
        }
        flushText(b.count)
        return out
    }

    static func scanLiteral(_ text: String, offset: Int) -> [TemplateFinding] {
        var out: [TemplateFinding] = []
        let lower = text.lowercased()
        for phrase in directives {
            for off in offsets(of: phrase, in: lower) {
                out.append(TemplateFinding(kind: .hiddenInstruction, severity: .high, offset: offset + off,
                                           excerpt: excerpt(text, at: off, length: phrase.utf8.count, base: offset),
                                           detail: "literal text tells the model '\(phrase)'; instructions belong in messages the user can see, not in the template"))
            }
        }
        for scheme in ["http://", "https://", "ftp://", "www."] {
            for off in offsets(of: scheme, in: lower) {
                out.append(TemplateFinding(kind: .url, severity: .medium, offset: offset + off,
                                           excerpt: excerpt(text, at: off, length: 48, base: offset),
                                           detail: "a URL in literal text; templates format roles and need no links"))
            }
        }
        // A complete tool call in literal text: `{"name": "x"` with a value, not one filled from a message.
        if let off = completeToolCall(lower) {
            out.append(TemplateFinding(kind: .toolCallInjection, severity: .high, offset: offset + off,
                                       excerpt: excerpt(text, at: off, length: 60, base: offset),
                                       detail: "the template writes a tool call itself instead of rendering one from the messages"))
        }
        if text.count > longLiteralLimit {
            out.append(TemplateFinding(kind: .longLiteral, severity: .low, offset: offset, excerpt: excerpt(text, at: 0, length: 60, base: offset),
                                       detail: "\(text.count) characters of literal text (limit \(longLiteralLimit)); review what it tells the model"))
        }
        return out
    }

    static func completeToolCall(_ lower: String) -> Int? {
        let b = Array(lower.utf8)
        for start in offsets(of: "\"name\"", in: lower) {
            var j = start + 6
            while j < b.count, b[j] == 0x20 { j += 1 }
            guard j < b.count, b[j] == UInt8(ascii: ":") else { continue }
            j += 1
            while j < b.count, b[j] == 0x20 { j += 1 }
            guard j < b.count, b[j] == UInt8(ascii: "\"") else { continue }
            // The value must be non-empty and closed within the literal.
            var k = j + 1
            while k < b.count, b[k] != UInt8(ascii: "\"") { k += 1 }
            if k < b.count, k > j + 1 { return start }
        }
        for marker in ["<tool_call>{", "<|python_tag|>", "<function="] {
            if let off = offsets(of: marker, in: lower).first, lower.utf8.count > off + marker.utf8.count + 2 { return off }
        }
        return nil
    }

    /// UTF-8 byte offsets of every occurrence of `needle` in `haystack`.
    static func offsets(of needle: String, in haystack: String) -> [Int] {
        let h = Array(haystack.utf8), n = Array(needle.utf8)
        guard !n.isEmpty, h.count >= n.count else { return [] }
        var out: [Int] = []
        var i = 0
        while i <= h.count - n.count {
            if h[i] == n[0], Array(h[i..<(i + n.count)]) == n { out.append(i); i += n.count } else { i += 1 }
        }
        return out
    }

    /// Up to `length` bytes from `at`, with invisible characters made visible.
    static func excerpt(_ s: String, at: Int, length: Int, base: Int = 0) -> String {
        let b = Array(s.utf8)
        let start = max(0, min(at, b.count))
        let end = min(b.count, start + max(length, 1))
        var out = ""
        for u in String(decoding: b[start..<end], as: UTF8.self).unicodeScalars {
            if isInvisible(u.value) { out += String(format: "<U+%04X>", u.value) }
            else if u == "\n" { out += "\\n" }
            else { out.unicodeScalars.append(u) }
        }
        return out
    }
}
