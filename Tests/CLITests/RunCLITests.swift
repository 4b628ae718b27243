import Foundation
import TestSupport
import XCTest

/// `owl run`, `owl perplexity` and `owl embed` end to end on the real models against the goldens.
final class RunCLITests: XCTestCase {
    func requireModels() throws {
        guard FileManager.default.fileExists(atPath: owlHome + "/models/smollm2-135m-instruct/manifest.json") else {
            throw XCTSkip("catalog models not installed; run `make models`")
        }
    }

    func json(_ r: OwlRun) throws -> [String: Any] {
        XCTAssertEqual(r.status, 0, r.stderr)
        return try XCTUnwrap(JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any], r.stdout)
    }

    /// Greedy continuations of the fast path equal the reference's up to the first step whose
    /// top1-top2 margin is below 0.5 (the engine issue's rule), through the whole CLI: tokenizer,
    /// prompt handling, model, sampler.
    func testGreedyContinuationsMatchGoldens() throws {
        try requireModels()
        let dir = try goldensDirectory()
        let data = try Data(contentsOf: URL(fileURLWithPath: dir + "/smollm2-135m/logits_numpy_ref_smollm2_135m.json"))
        let golden = try XCTUnwrap(JSONSerialization.jsonObject(with: data) as? [String: Any])
        let items = try XCTUnwrap(golden["items"] as? [[String: Any]])
        let plain = try XCTUnwrap((JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: dir + "/smollm2-135m/logits_smollm2_135m.json"))) as? [String: Any])?["items"] as? [[String: Any]])
        for item in items {
            let name = try XCTUnwrap(item["name"] as? String)
            let prompt = try XCTUnwrap(plain.first { $0["name"] as? String == name }?["prompt"] as? String)
            let expected = try XCTUnwrap(item["greedy_ids"] as? [Int])
            let margins = try XCTUnwrap(item["greedy_top1_top2_margin"] as? [Double])
            let comparable = margins.firstIndex { $0 < 0.5 } ?? expected.count
            let r = try json(runOwl(["run", "smollm2-135m-instruct", "--raw", prompt, "--temp", "0", "-n", "\(max(1, comparable))",
                                     "--ignore-eos", "--json", "--threads", "2"], home: owlHome))
            XCTAssertEqual(r["prompt_tokens"] as? Int, (item["prompt_ids"] as? [Int])?.count, name)
            let tokens = try XCTUnwrap(r["tokens"] as? [Int])
            XCTAssertEqual(Array(tokens.prefix(comparable)), Array(expected.prefix(comparable)), "\(name): first \(comparable) greedy tokens")
        }
    }

    func testChatPromptMatchesServerExample() throws {
        try requireModels()
        let r = try json(runOwl(["run", "smollm2-135m-instruct", "What is the capital of France?", "--temp", "0", "-n", "4", "--json"], home: owlHome))
        XCTAssertEqual(r["prompt_tokens"] as? Int, 37)
        XCTAssertEqual((r["tokens"] as? [Int])?.count, 4)
        XCTAssertEqual(r["finish_reason"] as? String, "length")
        let timings = try XCTUnwrap(r["timings"] as? [String: Any])
        for key in ["load_ms", "prompt_ms", "prompt_tokens_per_s", "generation_ms", "generation_tokens_per_s"] {
            XCTAssertNotNil(timings[key] as? Double, key)
        }
    }

    func testSeedReproducibleAndLogprobs() throws {
        try requireModels()
        let args = ["run", "smollm2-135m-instruct", "--raw", "Once upon a time", "--temp", "1.0", "--seed", "1234", "-n", "12", "--json", "--logprobs", "3"]
        let a = try json(runOwl(args, home: owlHome))
        let b = try json(runOwl(args, home: owlHome))
        XCTAssertEqual(a["tokens"] as? [Int], b["tokens"] as? [Int])
        let lp = try XCTUnwrap(a["logprobs"] as? [[String: Any]])
        XCTAssertEqual(lp.count, 12)
        for step in lp {
            XCTAssertLessThanOrEqual(try XCTUnwrap(step["logprob"] as? Double), 0)
            XCTAssertEqual((step["top"] as? [Any])?.count, 3)
        }
    }

    func testRunErrors() throws {
        try requireModels()
        let tooLong = String(repeating: "word ", count: 300)
        let r1 = try runOwl(["run", "smollm2-135m-instruct", "--raw", tooLong, "--ctx", "64"], home: owlHome)
        XCTAssertEqual(r1.status, 1)
        XCTAssertTrue(r1.stderr.hasPrefix("owl run: the prompt has 301 tokens but the context holds 64; shorten it, raise --ctx, or pass --truncate"), r1.stderr)
        let truncated = try json(runOwl(["run", "smollm2-135m-instruct", "--raw", tooLong, "--ctx", "64", "--truncate", "-n", "4", "--temp", "0", "--json"], home: owlHome))
        XCTAssertEqual((truncated["tokens"] as? [Int])?.count, 4)
        let r2 = try runOwl(["run", "gemma3-270m", "Hello"], home: owlHome)
        XCTAssertEqual(r2.status, 1)
        XCTAssertTrue(r2.stderr.hasSuffix("owl run: gemma3-270m has no chat template; pass --raw to send the prompt as is, or --template chatml|llama3|gemma|mistral|phi3\n"), r2.stderr)
        let r3 = try runOwl(["run", "smollm2-135m-instruct", "-"], home: owlHome, stdin: Data([0x48, 0xFF, 0xFE]))
        XCTAssertEqual(r3.stderr, "owl run: standard input is not valid UTF-8; convert it to UTF-8 first\n")
        let r4 = try runOwl(["run", "smollm2-135m-instruct", "x", "--temp", "abc"], home: owlHome)
        XCTAssertEqual(r4.status, 2)
        XCTAssertTrue(r4.stderr.hasPrefix("owl run: --temp must be a number"), r4.stderr)
    }

    func testPerplexityFirstChunksMatchLlamaCpp() throws {
        try requireModels()
        let dir = try goldensDirectory()
        let data = try Data(contentsOf: URL(fileURLWithPath: dir + "/smollm2-135m/perplexity_smollm2_135m.json"))
        let golden = try XCTUnwrap(JSONSerialization.jsonObject(with: data) as? [String: Any])
        // The fast path rounds like llama.cpp (8-bit activations, F16 KV cache): its running perplexity is
        // held to llama.cpp's within 0.5%, and to the exact reference (same weights, F32 everything) within 1%.
        let exact = try XCTUnwrap(golden["exact_math_reference"] as? [String: Any])
        let exactRunning = try XCTUnwrap(exact["running_ppl_per_chunk"] as? [Double])
        let llama = try XCTUnwrap(golden["q4_1_model"] as? [String: Any])
        let running = try XCTUnwrap(llama["running_ppl_per_chunk"] as? [Double])
        let r = try json(runOwl(["perplexity", "smollm2-135m-instruct", dir + "/smollm2-135m/ppl_text_common_licenses.txt",
                                 "--ctx", "512", "--chunks", "3", "--json"], home: owlHome))
        XCTAssertEqual(r["chunks"] as? Int, 3)
        XCTAssertEqual(r["tokens"] as? Int, 21604)
        let ppl = try XCTUnwrap(r["ppl"] as? Double)
        print("perplexity over 3 chunks: owl \(ppl), llama.cpp \(running[2]), exact \(exactRunning[2])")
        XCTAssertEqual(ppl, running[2], accuracy: running[2] * 0.005)
        XCTAssertEqual(ppl, exactRunning[2], accuracy: exactRunning[2] * 0.01)
    }
}
