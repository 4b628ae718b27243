import Foundation
import Server
import XCTest

/// logprobs over HTTP in OpenAI's two shapes (chat `content[]`, legacy completions' parallel lists) and Ollama's,
/// streaming and not, and their validation. The test backend gives piece i the logprob -(i+1)/8 and alternatives
/// [the piece, "alt1", "alt2", …], each 1 lower.
final class ServerLogprobsTests: XCTestCase {
    func object(_ s: String) throws -> NSDictionary {
        try XCTUnwrap(JSONSerialization.jsonObject(with: Data(s.utf8)) as? NSDictionary, s)
    }

    func sseChunks(_ text: String) throws -> [[String: Any]] {
        let events = text.components(separatedBy: "\n\n").filter { !$0.isEmpty }.map { String($0.dropFirst(6)) }
        XCTAssertEqual(events.last, "[DONE]")
        return try events.dropLast().map { try XCTUnwrap(JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any]) }
    }

    func choice(_ j: [String: Any]) -> [String: Any]? { (j["choices"] as? [[String: Any]])?.first }

    func testChatLogprobsShape() throws {
        let f = try ServerFixture(self)
        let r = try RawHTTP.request(f.port, "POST", "/v1/chat/completions", key: f.userKey,
                                    json: #"{"model":"tiny-chat","messages":[{"role":"user","content":"hey"}],"max_tokens":2,"logprobs":true,"top_logprobs":2}"#)
        XCTAssertEqual(r.status, 200, r.text)
        let logprobs = try XCTUnwrap(choice(try r.json())?["logprobs"] as? NSDictionary)
        XCTAssertEqual(logprobs, try object("""
        {"content": [
          {"token": "len3 ", "logprob": -0.125, "bytes": [108, 101, 110, 51, 32], "top_logprobs": [
            {"token": "len3 ", "logprob": -0.125, "bytes": [108, 101, 110, 51, 32]},
            {"token": "alt1", "logprob": -1.125, "bytes": [97, 108, 116, 49]}]},
          {"token": "w1 ", "logprob": -0.25, "bytes": [119, 49, 32], "top_logprobs": [
            {"token": "w1 ", "logprob": -0.25, "bytes": [119, 49, 32]},
            {"token": "alt1", "logprob": -1.25, "bytes": [97, 108, 116, 49]}]}],
         "refusal": null}
        """))
        XCTAssertEqual(f.backend?.last?.parameters.logprobs, LogprobsRequest(top: 2))

        // logprobs without top_logprobs: the chosen tokens only, empty alternatives.
        let plain = try RawHTTP.request(f.port, "POST", "/v1/chat/completions", key: f.userKey,
                                        json: #"{"model":"tiny-chat","messages":[{"role":"user","content":"hey"}],"max_tokens":1,"logprobs":true}"#)
        let content = try XCTUnwrap((choice(try plain.json())?["logprobs"] as? [String: Any])?["content"] as? [[String: Any]])
        XCTAssertEqual(content.count, 1)
        XCTAssertEqual((content[0]["top_logprobs"] as? [Any])?.count, 0)
        XCTAssertEqual(f.backend?.last?.parameters.logprobs, LogprobsRequest(top: 0))

        // Not asked: null, and the backend is asked for none.
        let none = try RawHTTP.request(f.port, "POST", "/v1/chat/completions", key: f.userKey,
                                       json: #"{"model":"tiny-chat","messages":[{"role":"user","content":"hey"}],"max_tokens":1,"logprobs":false}"#)
        XCTAssertTrue(choice(try none.json())?["logprobs"] is NSNull)
        XCTAssertNil(f.backend?.last?.parameters.logprobs)
    }

    func testChatStreamingChunksCarryTheirTokens() throws {
        let f = try ServerFixture(self)
        let r = try RawHTTP.request(f.port, "POST", "/v1/chat/completions", key: f.userKey,
                                    json: #"{"model":"tiny-chat","messages":[{"role":"user","content":"ab"}],"stream":true,"logprobs":true,"top_logprobs":1}"#)
        XCTAssertEqual(r.status, 200)
        let chunks = try sseChunks(r.text)
        var texts: [String] = []
        for c in chunks {
            guard let ch = choice(c), let text = (ch["delta"] as? [String: Any])?["content"] as? String, !text.isEmpty else { continue }
            let content = try XCTUnwrap((ch["logprobs"] as? [String: Any])?["content"] as? [[String: Any]], "\(c)")
            XCTAssertEqual(content.map { $0["token"] as? String }, [text], "each chunk carries the record of its own token")
            XCTAssertEqual((content[0]["top_logprobs"] as? [[String: Any]])?.map { $0["token"] as? String }, [text])
            texts.append(text)
        }
        XCTAssertEqual(texts, ["len2 ", "w1 ", "w2 ", "w3 ", "w4 "])
        XCTAssertTrue(choice(chunks[0])?["logprobs"] is NSNull, "the role chunk has no tokens")
    }

    func testCompletionLogprobsShape() throws {
        let f = try ServerFixture(self)
        let r = try RawHTTP.request(f.port, "POST", "/v1/completions", key: f.userKey,
                                    json: #"{"model":"tiny-chat","prompt":"héllo","max_tokens":2,"logprobs":1}"#)
        XCTAssertEqual(r.status, 200, r.text)
        // text_offset starts at the prompt's length in characters (5, although "héllo" is 6 UTF-8 bytes);
        // top_logprobs holds the top 1 plus the chosen token (here the same token).
        XCTAssertEqual(choice(try r.json())?["logprobs"] as? NSDictionary, try object("""
        {"tokens": ["len5 ", "w1 "], "token_logprobs": [-0.125, -0.25],
         "top_logprobs": [{"len5 ": -0.125}, {"w1 ": -0.25}], "text_offset": [5, 10]}
        """))
        let zero = try RawHTTP.request(f.port, "POST", "/v1/completions", key: f.userKey,
                                       json: #"{"model":"tiny-chat","prompt":"ab","max_tokens":1,"logprobs":0}"#)
        XCTAssertEqual(choice(try zero.json())?["logprobs"] as? NSDictionary, try object("""
        {"tokens": ["len2 "], "token_logprobs": [-0.125], "top_logprobs": [{"len2 ": -0.125}], "text_offset": [2]}
        """), "logprobs 0: the chosen token only")
        let three = try RawHTTP.request(f.port, "POST", "/v1/completions", key: f.userKey,
                                        json: #"{"model":"tiny-chat","prompt":"ab","max_tokens":1,"logprobs":3}"#)
        XCTAssertEqual(choice(try three.json())?["logprobs"] as? NSDictionary, try object("""
        {"tokens": ["len2 "], "token_logprobs": [-0.125], "top_logprobs": [{"len2 ": -0.125, "alt1": -1.125, "alt2": -2.125}],
         "text_offset": [2]}
        """))
        let none = try RawHTTP.request(f.port, "POST", "/v1/completions", key: f.userKey,
                                       json: #"{"model":"tiny-chat","prompt":"ab","max_tokens":1,"logprobs":null}"#)
        XCTAssertTrue(choice(try none.json())?["logprobs"] is NSNull)
    }

    func testCompletionStreamingOffsetsContinue() throws {
        let f = try ServerFixture(self)
        let r = try RawHTTP.request(f.port, "POST", "/v1/completions", key: f.userKey,
                                    json: #"{"model":"tiny-chat","prompt":"abc","max_tokens":3,"stream":true,"logprobs":0}"#)
        let chunks = try sseChunks(r.text).compactMap { choice($0) }.filter { !(($0["text"] as? String) ?? "").isEmpty }
        let lps = chunks.compactMap { $0["logprobs"] as? [String: Any] }
        XCTAssertEqual(lps.count, 3)
        XCTAssertEqual(lps.map { ($0["text_offset"] as? [Int]) ?? [] }, [[3], [8], [11]], "3 + len(\"len3 \") = 8, + len(\"w1 \") = 11")
        XCTAssertEqual(lps.map { ($0["tokens"] as? [String]) ?? [] }, [["len3 "], ["w1 "], ["w2 "]])
    }

    func testOllamaLogprobs() throws {
        let f = try ServerFixture(self)
        let r = try RawHTTP.request(f.port, "POST", "/api/chat", key: f.userKey,
                                    json: #"{"model":"tiny-chat","messages":[{"role":"user","content":"hey"}],"stream":false,"logprobs":true,"top_logprobs":2,"options":{"num_predict":1}}"#)
        XCTAssertEqual(r.status, 200, r.text)
        XCTAssertEqual(try r.json()["logprobs"] as? NSArray, try XCTUnwrap(JSONSerialization.jsonObject(with: Data("""
        [{"token": "len3 ", "logprob": -0.125, "bytes": [108, 101, 110, 51, 32], "top_logprobs": [
           {"token": "len3 ", "logprob": -0.125, "bytes": [108, 101, 110, 51, 32]},
           {"token": "alt1", "logprob": -1.125, "bytes": [97, 108, 116, 49]}]}]
        """.utf8)) as? NSArray))
        let s = try RawHTTP.request(f.port, "POST", "/api/generate", key: f.userKey,
                                    json: #"{"model":"tiny-chat","prompt":"ab","logprobs":true,"options":{"num_predict":2}}"#)
        let lines = try s.text.split(separator: "\n").map { try XCTUnwrap(JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any]) }
        let pieces = lines.filter { $0["done"] as? Bool == false }
        XCTAssertEqual(pieces.map { (($0["logprobs"] as? [[String: Any]]) ?? []).map { $0["token"] as? String } }, [["len2 "], ["w1 "]])
        XCTAssertNil(lines.last?["logprobs"], "the streamed final line repeats no tokens")
        let off = try RawHTTP.request(f.port, "POST", "/api/generate", key: f.userKey,
                                      json: #"{"model":"tiny-chat","prompt":"ab","stream":false,"options":{"num_predict":1}}"#)
        XCTAssertNil(try off.json()["logprobs"])
    }

    func testInvalidLogprobsAre400NamingTheField() throws {
        let f = try ServerFixture(self)
        let chat = #"{"model":"tiny-chat","messages":[{"role":"user","content":"x"}]"#
        let cases: [(String, String, String, String, Bool)] = [
            ("/v1/chat/completions", chat + #","logprobs":true,"top_logprobs":21}"#, "'top_logprobs' must be in 0...20, got 21", "top_logprobs", false),
            ("/v1/chat/completions", chat + #","logprobs":true,"top_logprobs":-1}"#, "'top_logprobs' must be in 0...20, got -1", "top_logprobs", false),
            ("/v1/chat/completions", chat + #","top_logprobs":3}"#, "'top_logprobs' needs 'logprobs': true", "top_logprobs", false),
            ("/v1/chat/completions", chat + #","logprobs":1}"#, "'logprobs' must be a boolean, got a number", "logprobs", false),
            ("/v1/completions", #"{"model":"tiny-chat","prompt":"x","logprobs":6}"#, "'logprobs' must be in 0...5, got 6", "logprobs", false),
            ("/v1/completions", #"{"model":"tiny-chat","prompt":"x","logprobs":true}"#, "'logprobs' must be an integer, got a boolean", "logprobs", false),
            ("/api/chat", chat + #","logprobs":true,"top_logprobs":50}"#, "'top_logprobs' must be in 0...20, got 50", "top_logprobs", true),
            ("/api/generate", #"{"model":"tiny-chat","prompt":"x","top_logprobs":2}"#, "'top_logprobs' needs 'logprobs': true", "top_logprobs", true),
        ]
        for (path, body, message, param, ollama) in cases {
            let r = try RawHTTP.request(f.port, "POST", path, key: f.userKey, json: body)
            XCTAssertEqual(r.status, 400, body)
            if ollama {
                XCTAssertEqual(try r.json()["error"] as? String, message, body)
            } else {
                let e = try XCTUnwrap(try r.json()["error"] as? [String: Any], r.text)
                XCTAssertEqual(e["message"] as? String, message, body)
                XCTAssertEqual(e["param"] as? String, param, body)
            }
        }
        XCTAssertEqual(f.backend?.generations.load(ordering: .relaxed), 0)
    }

    func testTokenTextOfPartialUTF8() {
        let cases: [([UInt8], String)] = [
            (Array("é".utf8), "é"),
            ([0xC3], "\\xc3"),
            ([0x61, 0xE2, 0x80], "a\\xe2\\x80"),
            ([0x80, 0x61, 0xF0, 0x9F, 0xA6, 0x89], "\\x80a🦉"),
            ([], ""),
        ]
        for (bytes, text) in cases { XCTAssertEqual(TokenLogprobs.text(of: bytes), text, "\(bytes)") }
    }
}
