import Checkpoint
import Foundation
import XCTest
@testable import ChatTemplate

final class APITests: XCTestCase {
    static var owlHome: String {
        ProcessInfo.processInfo.environment["OWL_HOME"] ?? (NSHomeDirectory() + "/.owl")
    }

    /// The SmolLM2 GGUF's own template renders the golden request exactly as llama-server did.
    func testSmolLM2TemplateFromGGUFMatchesServerGolden() throws {
        let path = Self.owlHome + "/models/smollm2-135m-instruct/SmolLM2-135M-Instruct.Q4_1.gguf"
        guard FileManager.default.fileExists(atPath: path) else { throw XCTSkip("SmolLM2 model not installed at \(path)") }
        guard case .string(let source)? = try GGUFFile(path: path).metadata["tokenizer.chat_template"] else {
            return XCTFail("no tokenizer.chat_template in \(path)")
        }
        let golden = try Value(json: String(contentsOf: FixtureTests.fixtures.appendingPathComponent("goldens/smollm2_server_chat_example.json"), encoding: .utf8))
        guard case .array(let messages)? = golden["request"]?["messages"],
              let expected = golden["rendered_prompt_via_apply_template"]?.stringValue else { return XCTFail("malformed golden") }
        let rendered = try ChatTemplate(source: source).render(TemplateContext(messageValues: messages, addGenerationPrompt: true))
        XCTAssertEqual(rendered, expected)
    }

    func testRenderedStartsWithBOS() throws {
        let messages = [ChatMessage(role: "user", content: "Hi")]
        let llama = try ChatTemplate(named: "llama3").render(TemplateContext(messages: messages, bosToken: "<|begin_of_text|>"))
        XCTAssertTrue(ChatTemplate.renderedStartsWithBOS(llama, bosToken: "<|begin_of_text|>"))
        let chatml = try ChatTemplate(named: "chatml").render(TemplateContext(messages: messages, bosToken: "<s>"))
        XCTAssertFalse(ChatTemplate.renderedStartsWithBOS(chatml, bosToken: "<s>"))
        XCTAssertFalse(ChatTemplate.renderedStartsWithBOS("anything", bosToken: ""))
    }

    func testBuiltinTemplates() throws {
        XCTAssertEqual(ChatTemplate.builtinNames, ["chatml", "gemma", "llama3", "mistral", "phi3"])
        let conversation = TemplateContext(
            messages: [ChatMessage(role: "system", content: "Be brief."), ChatMessage(role: "user", content: "Hi"),
                       ChatMessage(role: "assistant", content: "Hello"), ChatMessage(role: "user", content: "Bye")],
            bosToken: "<s>", eosToken: "</s>")
        let expected: [String: String] = [
            "chatml": "<|im_start|>system\nBe brief.<|im_end|>\n<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\nHello<|im_end|>\n<|im_start|>user\nBye<|im_end|>\n<|im_start|>assistant\n",
            "llama3": "<s><|start_header_id|>system<|end_header_id|>\n\nBe brief.<|eot_id|><|start_header_id|>user<|end_header_id|>\n\nHi<|eot_id|><|start_header_id|>assistant<|end_header_id|>\n\nHello<|eot_id|><|start_header_id|>user<|end_header_id|>\n\nBye<|eot_id|><|start_header_id|>assistant<|end_header_id|>\n\n",
            "gemma": "<s><start_of_turn>user\nBe brief.\n\nHi<end_of_turn>\n<start_of_turn>model\nHello<end_of_turn>\n<start_of_turn>user\nBye<end_of_turn>\n<start_of_turn>model\n",
            "mistral": "<s>[INST] Be brief.\n\nHi [/INST]Hello</s>[INST] Bye [/INST]",
            "phi3": "<|system|>\nBe brief.<|end|>\n<|user|>\nHi<|end|>\n<|assistant|>\nHello<|end|>\n<|user|>\nBye<|end|>\n<|assistant|>\n",
        ]
        for name in ChatTemplate.builtinNames {
            XCTAssertEqual(try ChatTemplate(named: name).render(conversation), expected[name], name)
        }
        XCTAssertThrowsError(try ChatTemplate(named: "vicuna")) { error in
            XCTAssertEqual("\(error)", "unknown chat template 'vicuna'; built-in templates: chatml, gemma, llama3, mistral, phi3")
        }
    }

    func testErrorsNameLineAndColumn() {
        let cases: [(String, String)] = [
            ("{% if x %}unclosed", "chat template syntax error at line 1, column 19: unexpected end of template, expected one of: elif, else, endif"),
            ("a\n{{ 1 + }}", "chat template syntax error at line 2, column 8: unexpected '}}' in expression"),
            ("{% frobnicate %}", "chat template syntax error at line 1, column 4: unknown tag 'frobnicate'"),
            ("{% break %}", "chat template syntax error at line 1, column 4: 'break' outside of a for loop"),
            ("{{ 'abc }}", "chat template syntax error at line 1, column 4: unterminated string literal"),
            ("line one\n  {{ none + 1 }}", "chat template error at line 2, column 11: unsupported operand type(s) for +: 'NoneType' and 'int'"),
            ("{{ x.y }}", "chat template error at line 1, column 5: 'x' is undefined"),
            ("{{ messages | from_json }}", "chat template syntax error at line 1, column 13: no filter named 'from_json'"),
            ("{% if messages %}{{ messages | from_json }}{% endif %}", "chat template error at line 1, column 30: no filter named 'from_json'"),
            ("{{ 'x' | upper(1) }}", "chat template error at line 1, column 8: filter 'upper' takes at most 0 arguments but 1 were given"),
            ("{% for m in messages %}\n{{ raise_exception('Conversation roles must alternate user/assistant') }}\n{% endfor %}",
             "chat template raised an exception at line 2, column 19: Conversation roles must alternate user/assistant"),
            ("{% set l = [] %}{% set _ = l.append(1) %}", "chat template error at line 1, column 36: access to attribute 'append' of 'list' object is unsafe (templates cannot modify values)"),
        ]
        let context = TemplateContext(messages: [ChatMessage(role: "user", content: "Hi")])
        for (source, message) in cases {
            XCTAssertThrowsError(try ChatTemplate(source: source).render(context), source) { error in
                XCTAssertEqual("\(error)", message, source)
            }
        }
    }

    func testRaiseExceptionKeepsTheTemplateMessage() {
        XCTAssertThrowsError(try ChatTemplate(source: "{{ raise_exception('nope') }}").render(TemplateContext(messages: []))) { error in
            XCTAssertEqual(error as? TemplateError, TemplateError(kind: .raised, message: "nope", line: 1, column: 19))
        }
    }

    func testChatMessageValueAndContext() throws {
        let call: Value = ["id": "c1", "type": "function", "function": ["name": "f", "arguments": ["b": 1, "a": 2]]]
        let m = ChatMessage(role: "assistant", content: nil, toolCalls: [call], extra: OrderedObject([("reasoning_content", "hmm")]))
        let t = try ChatTemplate(source: "{% for k, v in messages[0].items() %}{{ k }}={{ v | tojson }};{% endfor %}{{ tools | tojson }}|{{ enable_thinking }}")
        let out = try t.render(TemplateContext(messages: [m], tools: [["type": "function"]], extra: OrderedObject([("enable_thinking", false)])))
        XCTAssertEqual(out, "role=\"assistant\";content=null;tool_calls=[{\"id\": \"c1\", \"type\": \"function\", \"function\": {\"name\": \"f\", \"arguments\": {\"b\": 1, \"a\": 2}}}];reasoning_content=\"hmm\";[{\"type\": \"function\"}]|False")
    }

    func testOrderedJSONParser() throws {
        let v = try Value(json: #" {"z": 1, "a": [true, null, -2.5e3, "\u00e9\ud83d\ude00\n"], "m": {}} "#)
        XCTAssertEqual(v, .object(OrderedObject([("z", 1), ("a", [true, nil, -2500.0, "é😀\n"]), ("m", .object(OrderedObject()))])))
        XCTAssertEqual(v.objectKeys, ["z", "a", "m"])
        XCTAssertThrowsError(try Value(json: "{\"a\": 1,\n  \"b\" 2}")) { error in
            XCTAssertEqual("\(error)", "invalid JSON at line 2, column 7: expected ':' after key")
        }
    }

    /// A typical render (system + two turns) must take well under a millisecond.
    func testRenderSpeed() throws {
        let dir = FixtureTests.fixtures.appendingPathComponent("templates")
        let context = TemplateContext(
            messages: [ChatMessage(role: "system", content: "Be brief."), ChatMessage(role: "user", content: "Hi"),
                       ChatMessage(role: "assistant", content: "Hello"), ChatMessage(role: "user", content: "Bye")],
            bosToken: "<s>", eosToken: "</s>", now: FixtureTests.now)
        var report: [String] = []
        for name in ["SmolLM2-135M-Instruct.jinja", "meta-llama-Llama-3.1-8B-Instruct.jinja", "Qwen-Qwen3-0.6B.jinja"] {
            let t = try ChatTemplate(source: String(contentsOf: dir.appendingPathComponent(name), encoding: .utf8))
            let n = 300
            let start = Date()
            for _ in 0..<n { _ = try t.render(context) }
            let perRender = Date().timeIntervalSince(start) / Double(n)
            report.append(String(format: "%@ %.3f ms", name, perRender * 1000))
            XCTAssertLessThan(perRender, 0.005, name)
        }
        print("render time: " + report.joined(separator: ", "))
    }
}

extension Value {
    var objectKeys: [String] {
        if case .object(let o) = self { return o.keys }
        return []
    }
}
