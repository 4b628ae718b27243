import ChatTemplate
import Checkpoint
import Engine
import Models
import Sampling
import TestSupport
import XCTest

/// The generation loop on the real SmolLM2: prefix reuse, stop rules, limits, cancellation.
final class GenerationSessionTests: XCTestCase {
    static let loaded: LoadedModel? = {
        let locator = ModelLocator(home: owlHome)
        guard let resolved = try? locator.resolve("smollm2-135m-instruct") else { return nil }
        return try? LoadedModel(resolved, options: LoadOptions(mode: .fast, threads: 2))
    }()

    func model() throws -> LoadedModel {
        guard let m = Self.loaded else { throw XCTSkip("smollm2-135m-instruct not installed; run `make models`") }
        return m
    }

    func greedy(_ m: LoadedModel) throws -> Sampler { try m.makeSampler(.greedy) }

    func options(_ n: Int) -> GenerationOptions {
        var o = GenerationOptions()
        o.maxTokens = n
        return o
    }

    /// A second chat turn reuses the cached conversation and produces what a fresh session produces.
    func testSecondTurnReusesThePrefix() throws {
        let m = try model()
        let session = m.makeSession(contextLength: 1024)
        var messages = [ChatMessage(role: "user", content: "Name a color.")]
        let first = try session.generate(prompt: m.chatPrompt(messages), options: options(8), sampler: greedy(m)) { _ in }
        XCTAssertEqual(first.timings.cachedPromptTokens, 0)
        messages.append(ChatMessage(role: "assistant", content: first.text))
        messages.append(ChatMessage(role: "user", content: "Name another one."))
        let prompt2 = try m.chatPrompt(messages)
        let second = try session.generate(prompt: prompt2, options: options(8), sampler: greedy(m)) { _ in }
        XCTAssertGreaterThan(second.timings.cachedPromptTokens, 20)
        let fresh = try m.makeSession(contextLength: 1024).generate(prompt: prompt2, options: options(8), sampler: greedy(m)) { _ in }
        XCTAssertEqual(second.tokens, fresh.tokens)
    }

    func testStopStringsAndEndOfGeneration() throws {
        let m = try model()
        let prompt = m.rawPrompt("The capital of France is")
        // Greedy text is " Paris.\n\nThe United States…": stop at "." never emits it or anything after.
        let r = try m.makeSession(contextLength: 256).generate(prompt: prompt, options: options(16), sampler: greedy(m), stop: ["."]) { _ in }
        XCTAssertEqual(r.text, " Paris")
        XCTAssertEqual(r.finishReason, .stop)
        // The long-context golden reaches <|im_end|> (id 2) at step 4: generation stops before it.
        let long = m.rawPrompt("In summary, the two main products of photosynthesis are")
        let e = try m.makeSession(contextLength: 512).generate(prompt: long, options: options(64), sampler: greedy(m)) { _ in }
        XCTAssertFalse(e.tokens.contains(2))
    }

    func testLimitsAndCancellation() throws {
        let m = try model()
        let session = m.makeSession(contextLength: 32)
        let longPrompt = m.rawPrompt(String(repeating: "word ", count: 40))
        XCTAssertThrowsError(try session.generate(prompt: longPrompt, options: options(4), sampler: greedy(m)) { _ in }) {
            XCTAssertEqual($0 as? EngineError, .promptTooLong(tokens: longPrompt.count, context: 32))
        }
        XCTAssertThrowsError(try session.generate(prompt: [], options: options(4), sampler: greedy(m)) { _ in }) {
            XCTAssertEqual($0 as? EngineError, .emptyPrompt)
        }
        var seen = 0
        let r = try m.makeSession(contextLength: 256).generate(prompt: m.rawPrompt("Once upon a time"), options: options(50), sampler: greedy(m),
                                                               isCancelled: { seen >= 3 }) { _ in seen += 1 }
        XCTAssertEqual(r.finishReason, .cancelled)
        XCTAssertEqual(r.tokens.count, 3)
        // The context fills: generation ends with `length` when the cache is full.
        let full = try m.makeSession(contextLength: 24).generate(prompt: m.rawPrompt("Once upon a time"), options: options(100), sampler: greedy(m)) { _ in }
        XCTAssertEqual(full.finishReason, .length)
        XCTAssertLessThanOrEqual(full.tokens.count + 4, 25)
    }
}

/// The async-stream face of the session.
final class GenerationStreamTests: XCTestCase {
    func testStreamDeliversTokensThenFinishes() async throws {
        guard let m = GenerationSessionTests.loaded else { throw XCTSkip("run `make models`") }
        var options = GenerationOptions()
        options.maxTokens = 6
        var texts: [String] = []
        var finished: GenerationResult?
        for try await event in m.makeSession(contextLength: 256).stream(prompt: m.rawPrompt("The capital of France is"), options: options, sampler: try m.makeSampler(.greedy)) {
            switch event {
            case .token(let t): texts.append(t.text)
            case .finished(let r): finished = r
            }
        }
        // The same request through `generate` on a fresh session: same tokens, same text.
        let alone = try m.makeSession(contextLength: 256).generate(prompt: m.rawPrompt("The capital of France is"),
                                                                   options: options, sampler: try m.makeSampler(.greedy)) { _ in }
        XCTAssertEqual(finished?.tokens.count, 6)
        XCTAssertEqual(finished?.tokens, alone.tokens)
        XCTAssertEqual(texts.joined(), alone.text)
        XCTAssertTrue(texts.joined().hasPrefix(" Paris."), texts.joined())
    }

    func testCancelStopsTheStream() async throws {
        guard let m = GenerationSessionTests.loaded else { throw XCTSkip("run `make models`") }
        var options = GenerationOptions()
        options.maxTokens = 200
        let handle = GenerationHandle()
        var count = 0
        var reason: FinishReason?
        for try await event in m.makeSession(contextLength: 512).stream(prompt: m.rawPrompt("Once upon a time"), options: options,
                                                                        sampler: try m.makeSampler(.greedy), handle: handle) {
            switch event {
            case .token: count += 1; if count == 2 { handle.cancel() }
            case .finished(let r): reason = r.finishReason
            }
        }
        XCTAssertEqual(reason, .cancelled)
        XCTAssertLessThan(count, 5)
    }
}
