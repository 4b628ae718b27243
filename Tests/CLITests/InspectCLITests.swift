import Foundation
import TestSupport
import XCTest

/// `owl inspect` end to end: the real binary on the three catalog models and on bad input.
final class InspectCLITests: XCTestCase {
    func inspectJSON(_ model: String) throws -> [String: Any] {
        let r = try runOwl(["inspect", model, "--json"], home: owlHome)
        XCTAssertEqual(r.status, 0, r.stderr)
        return try XCTUnwrap(JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any])
    }

    func requireModels() throws {
        guard FileManager.default.fileExists(atPath: owlHome + "/models/gemma3-270m/manifest.json") else {
            throw XCTSkip("catalog models not installed; run `make models`")
        }
    }

    func testSmolLM2() throws {
        try requireModels()
        let j = try inspectJSON("smollm2-135m-instruct")
        XCTAssertEqual(j["format"] as? String, "gguf")
        XCTAssertEqual(j["architecture"] as? String, "llama")
        XCTAssertEqual(j["tensor_count"] as? Int, 272)
        XCTAssertEqual(j["parameter_count"] as? Int, 134_515_008)
        XCTAssertEqual(j["tensor_types"] as? [String: Int], ["F32": 61, "Q4_1": 210, "Q8_0": 1])
        XCTAssertEqual(j["license"] as? String, "apache-2.0")
        XCTAssertEqual(j["sha256"] as? String, "b179c9523d0e6a0f98a330c7562b682750a6f8c8c15e5bc70ea373728110db53")
        XCTAssertEqual(j["context_length"] as? Int, 8192)
        XCTAssertEqual(j["chat_template"] as? Bool, true)
        XCTAssertEqual(j["tokenizer"] as? String, "gpt2 (pre: smollm)")
        let meta = try XCTUnwrap(j["metadata"] as? [String: Any])
        XCTAssertEqual(meta["llama.block_count"] as? Int, 30)
        let tokens = try XCTUnwrap(meta["tokenizer.ggml.tokens"] as? [String: Any])
        XCTAssertEqual(tokens["length"] as? Int, 49152)
        XCTAssertTrue((j["path"] as? String)?.hasSuffix("SmolLM2-135M-Instruct.Q4_1.gguf") ?? false)
    }

    func testGemma3() throws {
        try requireModels()
        let j = try inspectJSON("gemma3-270m")
        XCTAssertEqual(j["architecture"] as? String, "gemma3")
        XCTAssertEqual(j["tensor_count"] as? Int, 236)
        XCTAssertEqual(j["tensor_types"] as? [String: Int], ["F32": 109, "Q4_K": 27, "Q5_0": 81, "Q6_K": 9, "Q8_0": 10])
        XCTAssertEqual(j["license"] as? String, "gemma")
        XCTAssertEqual(j["sha256"] as? String, "a5fd3b62230aa5ec60212297dc9d20eaa70578ac519e00d93a17e44c087a6818")
        XCTAssertEqual(j["chat_template"] as? Bool, false)
        XCTAssertEqual(j["context_length"] as? Int, 32768)
    }

    func testMiniLMFolder() throws {
        try requireModels()
        let j = try inspectJSON("all-minilm-l6-v2")
        XCTAssertEqual(j["format"] as? String, "safetensors")
        XCTAssertEqual(j["architecture"] as? String, "bert")
        XCTAssertEqual(j["tensor_types"] as? [String: Int], ["F32": 103, "I64": 1])
        XCTAssertEqual(j["parameter_count"] as? Int, 22_713_728)
        XCTAssertEqual(j["license"] as? String, "apache-2.0")
        XCTAssertEqual((j["license_fields"] as? [String: Any])?["source"] as? String, "catalog")
        XCTAssertEqual(j["sha256"] as? [String: String], ["model.safetensors": "53aa51172d142c89d9012cce15ae4d6cc0ca6895895114379cacb4fab128d9db"])
        XCTAssertEqual(j["tokenizer"] as? String, "WordPiece")
        // The same folder by path works too.
        let byPath = try inspectJSON(owlHome + "/models/all-minilm-l6-v2")
        XCTAssertEqual(byPath["parameter_count"] as? Int, 22_713_728)
    }

    func testTextOutputAndByPath() throws {
        try requireModels()
        let r = try runOwl(["inspect", owlHome + "/models/smollm2-135m-instruct/SmolLM2-135M-Instruct.Q4_1.gguf"])
        XCTAssertEqual(r.status, 0)
        XCTAssertTrue(r.stdout.contains("architecture:  llama"), r.stdout)
        XCTAssertTrue(r.stdout.contains("license:       apache-2.0  [from gguf]"), r.stdout)
    }

    func testBadInput() throws {
        let dir = try temporaryDirectory(self)
        let junk = dir + "/junk.gguf"
        _ = FileManager.default.createFile(atPath: junk, contents: Data("hello world, not a model".utf8))
        let cases: [([String], Int32, String)] = [
            (["inspect", junk], 1, "owl inspect: \(junk): not a valid checkpoint: wrong magic 0x6c6c6568, expected \"GGUF\"; this is not a GGUF file (at byte 0); the file is corrupt or truncated, fetch it again\n"),
            (["inspect", "no-such-model"], 1, "owl inspect: unknown model 'no-such-model': not installed and not in the catalog (smollm2-135m-instruct, gemma3-270m, all-minilm-l6-v2); give a path to a .gguf file or a Hugging Face folder\n"),
            (["inspect", "/etc"], 1, "owl inspect: unknown model '/etc': the folder has neither config.json (a Hugging Face model) nor exactly one .gguf file\n"),
            (["inspect", "Bad Name"], 1, "owl inspect: unknown model 'Bad Name': model names use lowercase letters, digits, '.', '_' and '-'; give a path (./model.gguf) for a file\n"),
            (["inspect"], 2, "owl inspect: expected one MODEL, got 0\nRun `owl inspect --help` for usage.\n"),
            (["inspect", "x", "--frobnicate"], 2, "owl inspect: unknown option --frobnicate\nRun `owl inspect --help` for usage.\n"),
            (["frobnicate"], 2, "owl: unknown command 'frobnicate'. Commands: inspect, serve, keys, audit. Run `owl --help`.\n"),
        ]
        for (args, status, message) in cases {
            let r = try runOwl(args, home: dir)
            XCTAssertEqual(r.status, status, args.joined(separator: " "))
            XCTAssertEqual(r.stderr, message, args.joined(separator: " "))
        }
    }

    func testHelpAndVersion() throws {
        let help = try runOwl(["--help"])
        XCTAssertEqual(help.status, 0)
        XCTAssertTrue(help.stdout.contains("inspect"))
        let inspectHelp = try runOwl(["inspect", "--help"])
        XCTAssertTrue(inspectHelp.stdout.hasPrefix("Usage: owl inspect MODEL [--json]"))
        let v = try runOwl(["--version"])
        XCTAssertTrue(v.stdout.hasPrefix("owl 0.1.0 (commit "), v.stdout)
        XCTAssertTrue(v.stdout.contains("kernels: "), v.stdout)
    }
}
