import AccessControl
import AuditLog
import Checkpoint
import Foundation
import Server
import Serving
import TestSupport
import XCTest

/// Log-probabilities from the real engine through the real server, read by the official `openai` client:
/// greedy chat on SmolLM2 (llama-server's golden answer), checked for internal consistency and, for the first
/// token, against llama.cpp's own logits of the same prompt (goldens/smollm2-135m/logits_last_chat_chatml.f32).
final class EngineLogprobsTests: XCTestCase {
    func testGreedyChatLogprobsThroughTheOpenAIClient() throws {
        guard FileManager.default.fileExists(atPath: owlHome + "/models/smollm2-135m-instruct/manifest.json") else {
            throw XCTSkip("catalog models not installed; run `make models`")
        }
        signal(SIGPIPE, SIG_IGN)
        let dir = try temporaryDirectory(self)
        let keys = try KeyStore(path: dir + "/owl.db")
        let key = try keys.create(name: "tester", models: nil, requestsPerMinute: nil, tokensPerMinute: nil, isAdmin: false)
        var config = ServerConfiguration()
        config.http.port = 0
        config.http.threads = 4
        config.keys = keys
        config.audit = try AuditLog.open(home: dir)
        config.log = { _ in }
        let server = OwlServer(configuration: config, backend: EngineBackend(locator: ModelLocator(home: owlHome), threads: 2, contextLength: 1024))
        try server.start()
        addTeardownBlock { server.stop(grace: 2) }
        let goldens = try goldensDirectory() + "/smollm2-135m"

        let out = try runPython("""
        import json, math, sys, struct, openai
        port, key, goldens = sys.argv[1], sys.argv[2], sys.argv[3]
        c = openai.OpenAI(base_url=f"http://127.0.0.1:{port}/v1", api_key=key, max_retries=0)
        msgs = [{"role": "user", "content": "What is the capital of France?"}]
        model = "smollm2-135m-instruct"
        r = c.chat.completions.create(model=model, messages=msgs, temperature=0, max_tokens=32, logprobs=True, top_logprobs=5)
        content = r.choices[0].logprobs.content
        out = {"content": r.choices[0].message.content, "count": len(content),
               "joined": "".join(t.token for t in content),
               "bytes_joined": bytes(b for t in content for b in t.bytes).decode("utf-8"),
               "max_logprob": max(t.logprob for t in content),
               "greedy_is_top": all(t.top_logprobs[0].token == t.token and t.top_logprobs[0].logprob == t.logprob for t in content),
               "top_sizes": sorted({len(t.top_logprobs) for t in content}),
               "sorted": all(all(a.logprob >= b.logprob for a, b in zip(t.top_logprobs, t.top_logprobs[1:])) for t in content),
               "max_mass": max(sum(math.exp(a.logprob) for a in t.top_logprobs) for t in content),
               "first": [content[0].token, content[0].logprob, [(a.token, a.logprob) for a in content[0].top_logprobs]]}
        # llama.cpp's raw logits at the last position of the same rendered prompt -> log-softmax.
        raw = open(goldens + "/logits_last_chat_chatml.f32", "rb").read()
        logits = struct.unpack("<%df" % (len(raw) // 4), raw)
        m = max(logits)
        lse = m + math.log(sum(math.exp(x - m) for x in logits))
        golden = sorted((x - lse for x in logits), reverse=True)[:5]
        out["golden_top5"] = golden
        out["golden_first"] = logits[60] - lse   # token 60 is "L", llama.cpp's greedy first token
        # Streaming: each chunk carries its own tokens; together they are the non-streamed list.
        s = c.chat.completions.create(model=model, messages=msgs, temperature=0, max_tokens=32, logprobs=True, top_logprobs=5, stream=True)
        streamed, per_chunk_ok = [], True
        for ch in s:
            if not ch.choices or ch.choices[0].logprobs is None:
                continue
            toks = ch.choices[0].logprobs.content or []
            per_chunk_ok &= "".join(t.token for t in toks) == (ch.choices[0].delta.content or "")
            streamed += [(t.token, t.logprob, [(a.token, a.logprob) for a in t.top_logprobs]) for t in toks]
        out["stream_same"] = streamed == [(t.token, t.logprob, [(a.token, a.logprob) for a in t.top_logprobs]) for t in content]
        out["stream_chunks_match_text"] = per_chunk_ok
        # Legacy completions: parallel lists, dicts of up to N+1 entries, offsets from the prompt's length.
        prompt = "The capital of France is"
        cp = c.completions.create(model=model, prompt=prompt, temperature=0, max_tokens=6, logprobs=3)
        lp = cp.choices[0].logprobs
        out["completion"] = {"text": cp.choices[0].text, "joined": "".join(lp.tokens), "n": len(lp.token_logprobs),
                             "offsets_ok": lp.text_offset == [len(prompt) + len("".join(lp.tokens[:i])) for i in range(len(lp.tokens))],
                             "dict_sizes_ok": all(3 <= len(d) <= 4 for d in lp.top_logprobs),
                             "chosen_in_dict": all(d[t] == l for d, t, l in zip(lp.top_logprobs, lp.tokens, lp.token_logprobs)),
                             "greedy_is_max": all(max(d.values()) == l for d, l in zip(lp.top_logprobs, lp.token_logprobs))}
        print(json.dumps(out))
        """, [String(server.port), key, goldens])
        let j = try XCTUnwrap(JSONSerialization.jsonObject(with: out) as? [String: Any], String(decoding: out, as: UTF8.self))
        let expected = try XCTUnwrap(j["content"] as? String)
        try ServerChatExact.load().check(expected)
        XCTAssertEqual(j["count"] as? Int, 32, "one record per completion token")
        XCTAssertEqual(j["joined"] as? String, expected, "the tokens spell the text")
        XCTAssertEqual(j["bytes_joined"] as? String, expected, "the bytes spell the text")
        XCTAssertLessThanOrEqual(try XCTUnwrap(j["max_logprob"] as? Double), 0)
        XCTAssertEqual(j["greedy_is_top"] as? Bool, true, "under greedy the chosen token is the most likely alternative")
        XCTAssertEqual(j["top_sizes"] as? [Int], [5])
        XCTAssertEqual(j["sorted"] as? Bool, true)
        XCTAssertLessThanOrEqual(try XCTUnwrap(j["max_mass"] as? Double), 1 + 1e-6)
        XCTAssertEqual(j["stream_same"] as? Bool, true)
        XCTAssertEqual(j["stream_chunks_match_text"] as? Bool, true)

        // The first step against llama.cpp: its greedy token "L", its logprob and the top-5 logprobs. The fast
        // path rounds activations as llama.cpp does but not identically (goldens README: logits within ~0.1-0.3; measured up to 0.14 here).
        let first = try XCTUnwrap(j["first"] as? [Any])
        XCTAssertEqual(first[0] as? String, "L")
        XCTAssertEqual(try XCTUnwrap(first[1] as? Double), try XCTUnwrap(j["golden_first"] as? Double), accuracy: 0.3)
        let tops = try XCTUnwrap(first[2] as? [[Any]]).compactMap { $0[1] as? Double }
        let goldenTops = try XCTUnwrap(j["golden_top5"] as? [Double])
        XCTAssertEqual(tops.count, 5)
        for (a, b) in zip(tops, goldenTops) { XCTAssertEqual(a, b, accuracy: 0.3) }

        let completion = try XCTUnwrap(j["completion"] as? [String: Any])
        XCTAssertEqual(completion["joined"] as? String, completion["text"] as? String)
        XCTAssertEqual(completion["n"] as? Int, 6)
        for check in ["offsets_ok", "dict_sizes_ok", "chosen_in_dict", "greedy_is_max"] {
            XCTAssertEqual(completion[check] as? Bool, true, check)
        }
    }
}
