import Foundation
import Server
import XCTest

/// Request validation and response shapes of both APIs, non-streaming.
final class ServerRequestTests: XCTestCase {
    func error(_ r: RawHTTP.Response) throws -> [String: Any] { try XCTUnwrap(try r.json()["error"] as? [String: Any], r.text) }

    func testInvalidBodiesAre400WithReason() throws {
        let f = try ServerFixture(self)
        let cases: [(String, [UInt8], String, String?)] = [
            ("malformed", Array(#"{"model": "tiny-chat", "messages": [}"#.utf8), "the request body is not valid JSON", nil),
            ("not an object", Array("[1,2]".utf8), "the request body must be a JSON object", nil),
            ("empty", [], "the request body is empty; send a JSON object", nil),
            ("invalid utf-8", Array(#"{"model":"tiny-chat","messages":[{"role":"user","content":""#.utf8) + [0xC3, 0x28] + Array(#""}]}"#.utf8),
             "the request body is not valid UTF-8", nil),
            ("wrong type", Array(#"{"model":"tiny-chat","messages":[{"role":"user","content":"x"}],"temperature":"hot"}"#.utf8),
             "'temperature' must be a number, got a string", "temperature"),
            ("wrong nested type", Array(#"{"model":"tiny-chat","messages":[{"role":5,"content":"x"}]}"#.utf8),
             "'messages[0].role' must be a string, got a number", "messages[0].role"),
            ("out of range", Array(#"{"model":"tiny-chat","messages":[{"role":"user","content":"x"}],"top_p":1.5}"#.utf8),
             "'top_p' must be in 0.0...1.0, got 1.5", "top_p"),
            ("missing model", Array(#"{"messages":[{"role":"user","content":"x"}]}"#.utf8), "'model' is required", "model"),
            ("no messages", Array(#"{"model":"tiny-chat","messages":[]}"#.utf8), "'messages' must hold at least one message", "messages"),
            ("tools", Array(#"{"model":"tiny-chat","messages":[{"role":"user","content":"x"}],"tools":[{"type":"function"}]}"#.utf8),
             "'tools' is not supported by Owl; remove it from the request", "tools"),
            ("response_format", Array(#"{"model":"tiny-chat","messages":[{"role":"user","content":"x"}],"response_format":{"type":"json_object"}}"#.utf8),
             "'response_format' is not supported by Owl: only {\"type\": \"text\"} is available, got 'json_object'; remove it from the request", "response_format"),
            ("n", Array(#"{"model":"tiny-chat","messages":[{"role":"user","content":"x"}],"n":2}"#.utf8),
             "'n' must be 1: Owl returns one choice per request, got 2", "n"),
            ("image part", Array(#"{"model":"tiny-chat","messages":[{"role":"user","content":[{"type":"image_url","image_url":{"url":"x"}}]}]}"#.utf8),
             "'messages[0].content[0].type' is not supported by Owl: content parts of type 'image_url' cannot be read; remove it from the request",
             "messages[0].content[0].type"),
        ]
        for (name, body, message, param) in cases {
            let r = try RawHTTP.request(f.port, "POST", "/v1/chat/completions", key: f.userKey, headers: ["Content-Type": "application/json"], body: body)
            XCTAssertEqual(r.status, 400, name)
            let e = try error(r)
            XCTAssertEqual(e["message"] as? String, message, name)
            XCTAssertEqual(e["type"] as? String, "invalid_request_error", name)
            XCTAssertEqual(e["param"] as? String, param, name)
        }
        XCTAssertEqual(f.backend?.generations.load(ordering: .relaxed), 0, "no invalid request reached the backend")
    }

    func testUnknownFieldsAreIgnoredAndNullIsAbsent() throws {
        let f = try ServerFixture(self)
        let r = try RawHTTP.request(f.port, "POST", "/v1/chat/completions", key: f.userKey,
                                    json: #"{"model":"tiny-chat","messages":[{"role":"user","content":"hey"}],"x_future":{"a":1},"tools":null,"user":"u1","max_tokens":3}"#)
        XCTAssertEqual(r.status, 200, r.text)
        let j = try r.json()
        XCTAssertEqual(j["object"] as? String, "chat.completion")
        let choice = try XCTUnwrap((j["choices"] as? [[String: Any]])?.first)
        XCTAssertEqual((choice["message"] as? [String: Any])?["content"] as? String, "len3 w1 w2 ")
        XCTAssertEqual(choice["finish_reason"] as? String, "length")
        XCTAssertEqual((j["usage"] as? [String: Any])?.compactMapValues({ $0 as? Int }), ["prompt_tokens": 3, "completion_tokens": 3, "total_tokens": 6])
        XCTAssertEqual(f.backend?.last?.parameters.maxTokens, 3)
    }

    func testOllamaErrorsUseOllamaShape() throws {
        let f = try ServerFixture(self)
        let r = try RawHTTP.request(f.port, "POST", "/api/chat", key: f.userKey, json: #"{"model":"tiny-chat","format":"json","messages":[]}"#)
        XCTAssertEqual(r.status, 400)
        XCTAssertEqual(try r.json()["error"] as? String, "'format' is not supported by Owl: structured output is not available; remove it from the request")
        let missing = try RawHTTP.request(f.port, "POST", "/api/generate", key: f.userKey, json: #"{"model":"nope","prompt":"x","stream":false}"#)
        XCTAssertEqual(missing.status, 404)
        XCTAssertEqual(try missing.json()["error"] as? String, "model 'nope' not found; GET /v1/models lists the models you can use")
    }

    func testRoutingErrors() throws {
        let f = try ServerFixture(self)
        let notFound = try RawHTTP.request(f.port, "GET", "/v2/nothing", key: f.userKey)
        XCTAssertEqual(notFound.status, 404)
        let wrongMethod = try RawHTTP.request(f.port, "GET", "/v1/chat/completions", key: f.userKey)
        XCTAssertEqual(wrongMethod.status, 405)
        XCTAssertEqual(wrongMethod.headers["allow"], "POST")
    }

    func testOpenAICompletionAndEmbeddings() throws {
        let f = try ServerFixture(self)
        let c = try RawHTTP.request(f.port, "POST", "/v1/completions", key: f.userKey, json: #"{"model":"tiny-chat","prompt":"abcd","max_tokens":2}"#)
        XCTAssertEqual(c.status, 200, c.text)
        let choice = try XCTUnwrap((try c.json()["choices"] as? [[String: Any]])?.first)
        XCTAssertEqual(choice["text"] as? String, "len4 w1 ")
        XCTAssertEqual(try c.json()["object"] as? String, "text_completion")

        let e = try RawHTTP.request(f.port, "POST", "/v1/embeddings", key: f.userKey, json: #"{"model":"tiny-embed","input":["ab","xyz"]}"#)
        XCTAssertEqual(e.status, 200, e.text)
        let data = try XCTUnwrap(try e.json()["data"] as? [[String: Any]])
        XCTAssertEqual(data.map { $0["embedding"] as? [Double] }, [[2, 97, 0.5, -0.25], [3, 120, 0.5, -0.25]])
        XCTAssertEqual((try e.json()["usage"] as? [String: Int])?["prompt_tokens"], 4)

        let b = try RawHTTP.request(f.port, "POST", "/v1/embeddings", key: f.userKey,
                                    json: #"{"model":"tiny-embed","input":"ab","encoding_format":"base64"}"#)
        let encoded = try XCTUnwrap((try b.json()["data"] as? [[String: Any]])?.first?["embedding"] as? String)
        let bytes = try XCTUnwrap(Data(base64Encoded: encoded))
        let raw = [UInt8](bytes)
        var floats: [Float] = []
        for i in stride(from: 0, to: raw.count, by: 4) {
            var bits = UInt32(raw[i])
            bits |= UInt32(raw[i + 1]) << 8
            bits |= UInt32(raw[i + 2]) << 16
            bits |= UInt32(raw[i + 3]) << 24
            floats.append(Float(bitPattern: bits))
        }
        XCTAssertEqual(floats, [2, 97, 0.5, -0.25])

        let wrongModel = try RawHTTP.request(f.port, "POST", "/v1/embeddings", key: f.userKey, json: #"{"model":"tiny-chat","input":"ab"}"#)
        XCTAssertEqual(wrongModel.status, 400)
        XCTAssertEqual(try error(wrongModel)["message"] as? String, "model 'tiny-chat' does not support embeddings")
    }

    func testOllamaRoutes() throws {
        let f = try ServerFixture(self)
        let g = try RawHTTP.request(f.port, "POST", "/api/generate", key: f.userKey,
                                    json: #"{"model":"tiny-chat","prompt":"hello","stream":false,"options":{"num_predict":2,"temperature":0.5,"num_thread":4}}"#)
        XCTAssertEqual(g.status, 200, g.text)
        XCTAssertEqual(try g.json()["response"] as? String, "len5 w1 ")
        XCTAssertEqual(try g.json()["done"] as? Bool, true)
        XCTAssertEqual(try g.json()["done_reason"] as? String, "length")
        XCTAssertEqual(try g.json()["eval_count"] as? Int, 2)
        XCTAssertEqual(f.backend?.last?.parameters.temperature, 0.5)

        let chat = try RawHTTP.request(f.port, "POST", "/api/chat", key: f.userKey,
                                       json: #"{"model":"tiny-chat:latest","messages":[{"role":"user","content":"hi"}],"stream":false}"#)
        XCTAssertEqual(chat.status, 200, chat.text)
        XCTAssertEqual((try chat.json()["message"] as? [String: Any])?["content"] as? String, "len2 w1 w2 w3 w4 ")

        let embed = try RawHTTP.request(f.port, "POST", "/api/embed", key: f.userKey, json: #"{"model":"tiny-embed","input":"q"}"#)
        XCTAssertEqual(try embed.json()["embeddings"] as? [[Double]], [[1, 113, 0.5, -0.25]])

        let show = try RawHTTP.request(f.port, "POST", "/api/show", key: f.userKey, json: #"{"model":"tiny-chat"}"#)
        XCTAssertEqual((try show.json()["details"] as? [String: Any])?["family"] as? String, "llama")
        XCTAssertEqual(try show.json()["license"] as? String, "apache-2.0")

        let tags = try RawHTTP.request(f.port, "GET", "/api/tags", key: f.userKey)
        XCTAssertEqual((try tags.json()["models"] as? [[String: Any]])?.first?["digest"] as? String, String(repeating: "a", count: 64))
        let ps = try RawHTTP.request(f.port, "GET", "/api/ps", key: f.adminKey)
        XCTAssertEqual((try ps.json()["models"] as? [[String: Any]])?.first?["size"] as? Int, 4096)
        XCTAssertEqual(try RawHTTP.request(f.port, "GET", "/api/version", key: f.userKey).json()["version"] as? String, "0.1.0")
    }

    func testNoBackendAnswers503ButListsWork() throws {
        let f = try ServerFixture(self, backend: nil)
        let r = try RawHTTP.request(f.port, "POST", "/v1/chat/completions", key: f.userKey,
                                    json: #"{"model":"tiny-chat","messages":[{"role":"user","content":"x"}]}"#)
        XCTAssertEqual(r.status, 503)
        XCTAssertEqual(try error(r)["code"] as? String, "no_backend")
        XCTAssertEqual(try RawHTTP.request(f.port, "POST", "/api/embed", key: f.userKey, json: #"{"model":"m","input":"x"}"#).status, 503)
        XCTAssertEqual(try RawHTTP.request(f.port, "GET", "/v1/models", key: f.userKey).json()["data"] as? [String], [])
        XCTAssertEqual(try RawHTTP.request(f.port, "GET", "/health").json()["backend"] as? String, "none")
    }

    func testBodyLimitIs413() throws {
        let f = try ServerFixture(self) { $0.http.maxBodyBytes = 1024 }
        let big = Array(repeating: UInt8(ascii: "x"), count: 4096)
        let r = try RawHTTP.request(f.port, "POST", "/v1/chat/completions", key: f.userKey, body: big)
        XCTAssertEqual(r.status, 413)
        XCTAssertEqual(try error(r)["message"] as? String, "the request body is larger than the limit of 1024 bytes")
        XCTAssertEqual(try RawHTTP.request(f.port, "GET", "/health").status, 200)
    }

    func testMetricsAreCountedInPrometheusFormat() throws {
        let f = try ServerFixture(self)
        for _ in 0..<3 { _ = try RawHTTP.request(f.port, "GET", "/health") }
        _ = try RawHTTP.request(f.port, "POST", "/v1/chat/completions", key: f.userKey,
                                json: #"{"model":"tiny-chat","messages":[{"role":"user","content":"x"}]}"#)
        let m = try RawHTTP.request(f.port, "GET", "/metrics", key: f.adminKey)
        XCTAssertEqual(m.headers["content-type"], "text/plain; version=0.0.4; charset=utf-8")
        let lines = Set(m.text.split(separator: "\n").map(String.init))
        XCTAssertTrue(lines.contains(#"owl_http_requests_total{route="/health",status="200"} 3"#), m.text)
        XCTAssertTrue(lines.contains(#"owl_tokens_total{model="tiny-chat",kind="completion"} 5"#), m.text)
        XCTAssertTrue(lines.contains(#"owl_tokens_total{model="tiny-chat",kind="prompt"} 3"#), m.text)
        XCTAssertTrue(lines.contains(#"owl_model_requests_total{model="tiny-chat",finish_reason="stop"} 1"#), m.text)
        XCTAssertTrue(lines.contains(#"owl_time_to_first_token_seconds_count{model="tiny-chat"} 1"#), m.text)
        XCTAssertTrue(lines.contains(#"owl_http_request_duration_seconds_bucket{route="/health",le="+Inf"} 3"#), m.text)
        XCTAssertTrue(lines.contains(#"owl_queue_depth{model="tiny-chat"} 0"#), m.text)
        XCTAssertTrue(lines.contains(#"owl_active_sessions{model="tiny-chat"} 0"#), m.text)
        XCTAssertTrue(lines.contains(#"owl_model_memory_bytes{model="tiny-chat"} 4096"#), m.text)
        XCTAssertTrue(lines.contains("# TYPE owl_http_request_duration_seconds histogram"))
    }

    /// Per-model gauges while a generation runs: the server's own (queue depth until the first token, sessions in
    /// progress) and the backend's scheduler hook (`schedulerLoad`), which disappear once the backend stops
    /// reporting the model.
    func testPerModelGaugesDuringAGeneration() throws {
        let f = try ServerFixture(self)
        f.backend?.set(pieces: 40, delay: 0.05)
        func metric(_ line: String) throws -> Bool {
            let m = try RawHTTP.request(f.port, "GET", "/metrics", key: f.adminKey)
            return m.text.split(separator: "\n").contains { $0 == line }
        }
        let done = onThreads(1) { _ in
            _ = try? RawHTTP.request(f.port, "POST", "/v1/chat/completions", key: f.userKey,
                                     json: #"{"model":"tiny-chat","messages":[{"role":"user","content":"x"}],"stream":true}"#)
        }
        XCTAssertTrue(ServerFixture.wait(2) { (try? metric(#"owl_active_sessions{model="tiny-chat"} 1"#)) == true })
        XCTAssertTrue(ServerFixture.wait(2) { (try? metric(#"owl_queue_depth{model="tiny-chat"} 0"#)) == true }, "the first token left the queue")
        XCTAssertTrue(try metric(#"owl_scheduler_active{model="tiny-chat"} 1"#))
        XCTAssertTrue(try metric(#"owl_scheduler_slots{model="tiny-chat"} 2"#))
        XCTAssertEqual(done.wait(timeout: .now() + 10), .success)
        XCTAssertTrue(try metric(#"owl_active_sessions{model="tiny-chat"} 0"#))
        XCTAssertFalse(try metric(#"owl_scheduler_slots{model="tiny-chat"} 2"#), "the test backend reports no scheduler when idle")
    }
}
