import Foundation
import TestSupport
import XCTest

/// The official `openai` and `ollama` Python clients (pinned in scripts/test-requirements.txt) against
/// the real server and the test backend: if they parse our answers, the wire formats are right.
final class PythonClientTests: XCTestCase {
    func run(_ script: String, _ f: ServerFixture) throws -> [String: Any] {
        let out = try runPython(script, [String(f.port), f.userKey])
        return try XCTUnwrap(JSONSerialization.jsonObject(with: out) as? [String: Any], String(decoding: out, as: UTF8.self))
    }

    func testOpenAIClient() throws {
        let f = try ServerFixture(self)
        let j = try run("""
        import json, sys, openai
        port, key = sys.argv[1], sys.argv[2]
        c = openai.OpenAI(base_url=f"http://127.0.0.1:{port}/v1", api_key=key, max_retries=0)
        out = {}
        r = c.chat.completions.create(model="tiny-chat", messages=[{"role": "user", "content": "hey"}], max_tokens=3)
        out["chat"] = r.choices[0].message.content
        out["finish"] = r.choices[0].finish_reason
        out["usage"] = r.usage.total_tokens
        s = c.chat.completions.create(model="tiny-chat", messages=[{"role": "user", "content": "hey"}], stream=True,
                                      stream_options={"include_usage": True})
        pieces, usage = [], None
        for chunk in s:
            if chunk.choices and chunk.choices[0].delta.content:
                pieces.append(chunk.choices[0].delta.content)
            if chunk.usage:
                usage = chunk.usage.completion_tokens
        out["stream"] = pieces
        out["stream_usage"] = usage
        out["completion"] = c.completions.create(model="tiny-chat", prompt="ab", max_tokens=2).choices[0].text
        e = c.embeddings.create(model="tiny-embed", input=["ab", "q"])
        out["embeddings"] = [d.embedding for d in e.data]
        out["models"] = [m.id for m in c.models.list()]
        try:
            c.chat.completions.create(model="tiny-chat", messages=[{"role": "user", "content": "x"}],
                                      tools=[{"type": "function", "function": {"name": "f", "parameters": {}}}])
        except openai.BadRequestError as err:
            out["tools_error"] = err.body["message"] if isinstance(err.body, dict) else str(err.body)
        try:
            openai.OpenAI(base_url=f"http://127.0.0.1:{port}/v1", api_key="wrong", max_retries=0).models.list()
        except openai.AuthenticationError as err:
            out["auth_error"] = err.status_code
        print(json.dumps(out))
        """, f)
        XCTAssertEqual(j["chat"] as? String, "len3 w1 w2 ")
        XCTAssertEqual(j["finish"] as? String, "length")
        XCTAssertEqual(j["usage"] as? Int, 6)
        XCTAssertEqual(j["stream"] as? [String], ["len3 ", "w1 ", "w2 ", "w3 ", "w4 "])
        XCTAssertEqual(j["stream_usage"] as? Int, 5)
        XCTAssertEqual(j["completion"] as? String, "len2 w1 ")
        XCTAssertEqual(j["embeddings"] as? [[Double]], [[2, 97, 0.5, -0.25], [1, 113, 0.5, -0.25]])
        XCTAssertEqual(j["models"] as? [String], ["tiny-chat", "other-model", "tiny-embed"])
        XCTAssertEqual(j["tools_error"] as? String, "'tools' is not supported by Owl; remove it from the request")
        XCTAssertEqual(j["auth_error"] as? Int, 401)
    }

    func testOllamaClient() throws {
        let f = try ServerFixture(self)
        let j = try run("""
        import json, sys, ollama
        port, key = sys.argv[1], sys.argv[2]
        c = ollama.Client(host=f"http://127.0.0.1:{port}", headers={"Authorization": f"Bearer {key}"})
        out = {}
        r = c.chat(model="tiny-chat", messages=[{"role": "user", "content": "hello"}])
        out["chat"] = r.message.content
        out["eval_count"] = r.eval_count
        out["stream"] = [p.response for p in c.generate(model="tiny-chat", prompt="abc", stream=True) if not p.done]
        out["embed"] = c.embed(model="tiny-embed", input="q").embeddings
        out["list"] = [m.model for m in c.list().models]
        out["show"] = c.show("tiny-chat").details.family
        lp = c.chat(model="tiny-chat", messages=[{"role": "user", "content": "hi"}], logprobs=True, top_logprobs=2,
                    options={"num_predict": 2}).logprobs
        out["logprobs"] = [[t.token, t.logprob, [a.token for a in t.top_logprobs]] for t in lp]
        streamed = [t.token for p in c.generate(model="tiny-chat", prompt="ab", stream=True, logprobs=True) for t in (p.logprobs or [])]
        out["logprobs_stream"] = streamed
        try:
            c.chat(model="missing", messages=[{"role": "user", "content": "x"}])
        except ollama.ResponseError as err:
            out["missing"] = [err.status_code, err.error]
        print(json.dumps(out))
        """, f)
        XCTAssertEqual(j["chat"] as? String, "len5 w1 w2 w3 w4 ")
        XCTAssertEqual(j["eval_count"] as? Int, 5)
        XCTAssertEqual(j["stream"] as? [String], ["len3 ", "w1 ", "w2 ", "w3 ", "w4 "])
        XCTAssertEqual(j["embed"] as? [[Double]], [[1, 113, 0.5, -0.25]])
        XCTAssertEqual(j["list"] as? [String], ["tiny-chat", "other-model", "tiny-embed"])
        XCTAssertEqual(j["show"] as? String, "llama")
        XCTAssertEqual(j["logprobs"] as? NSArray, [["len2 ", -0.125, ["len2 ", "alt1"]], ["w1 ", -0.25, ["w1 ", "alt1"]]] as NSArray)
        XCTAssertEqual(j["logprobs_stream"] as? [String], ["len2 ", "w1 ", "w2 ", "w3 ", "w4 "])
        XCTAssertEqual((j["missing"] as? [Any])?.first as? Int, 404)
        XCTAssertEqual((j["missing"] as? [Any])?.last as? String, "model 'missing' not found; GET /v1/models lists the models you can use")
    }
}
