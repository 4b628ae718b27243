import Checkpoint
import Engine
import Foundation
import Models
import Sampling
import Synchronization
import XCTest

/// Continuous batching on the real SmolLM2: a sequence's tokens do not depend on what it ran with;
/// prefix reuse picks the best slot; cancellation, queue limits and logprobs.
final class BatchSchedulerTests: XCTestCase {
    func model() throws -> LoadedModel {
        guard let m = GenerationSessionTests.loaded else { throw XCTSkip("smollm2-135m-instruct not installed; run `make models`") }
        return m
    }

    /// One request for `run`: prompt text, sampler settings, token limit.
    struct Job {
        let text: String
        let config: SamplerConfig
        let maxTokens: Int
        var logprobs = 0
    }

    /// What a request produced, collected from its events.
    final class Outcome: @unchecked Sendable {
        let done = DispatchSemaphore(value: 0)
        let state = Mutex<(pieces: [String], result: GenerationResult?, error: String?)>(([], nil, nil))
        var result: GenerationResult? { state.withLock { $0.result } }
        var pieces: [String] { state.withLock { $0.pieces } }

        func receive(_ event: BatchScheduler.Event) {
            switch event {
            case .token(let t): state.withLock { $0.pieces.append(t.text) }
            case .finished(let r): state.withLock { $0.result = r }; done.signal()
            case .failed(let e): state.withLock { $0.error = "\(e)" }; done.signal()
            }
        }

        func wait() -> GenerationResult? {
            _ = done.wait(timeout: .now() + 120)
            return result
        }
    }

    func options(_ n: Int, logprobs: Int = 0) -> GenerationOptions {
        var o = GenerationOptions()
        o.maxTokens = n
        o.logprobs = logprobs
        return o
    }

    @discardableResult
    func submit(_ s: BatchScheduler, _ m: LoadedModel, _ job: Job, handle: GenerationHandle = GenerationHandle()) throws -> Outcome {
        let out = Outcome()
        try s.submit(prompt: m.rawPrompt(job.text), options: options(job.maxTokens, logprobs: job.logprobs),
                     sampler: m.makeSampler(job.config), handle: handle) { out.receive($0) }
        return out
    }

    static var seeded: SamplerConfig {
        var c = SamplerConfig()
        c.temperature = 0.8
        c.topP = 0.95
        c.seed = 7
        return c
    }

    static let jobs = [
        Job(text: "The capital of France is", config: .greedy, maxTokens: 12),
        Job(text: "Here is a short story about a robot who learns to paint. It begins on a rainy morning when", config: .greedy, maxTokens: 16),
        Job(text: "1, 2, 3,", config: .greedy, maxTokens: 9, logprobs: 3),
        Job(text: "Once upon a time", config: seeded, maxTokens: 10),
    ]

    /// Each request alone (one slot, one after another), all at once (four slots, prompts prefilled in
    /// small chunks between decode steps) and through `GenerationSession`: the same tokens, text and logprobs.
    func testBatchedOutputEqualsAloneAndSession() throws {
        let m = try model()
        let alone = BatchScheduler(model: m.model, tokenizer: m.tokenizer, slots: 1, contextLength: 256)
        defer { alone.shutdown() }
        let batched = BatchScheduler(model: m.model, tokenizer: m.tokenizer, slots: 4, contextLength: 256, prefillChunk: 5)
        defer { batched.shutdown() }
        var expected: [GenerationResult] = []
        for job in Self.jobs {
            guard let r = try submit(alone, m, job).wait() else { return XCTFail("\(job.text): no result") }
            expected.append(r)
        }
        let together = try Self.jobs.map { try submit(batched, m, $0) }
        for (k, job) in Self.jobs.enumerated() {
            guard let got = together[k].wait() else { return XCTFail("\(job.text): no result") }
            let session = try m.makeSession(contextLength: 256).generate(prompt: m.rawPrompt(job.text), options: options(job.maxTokens, logprobs: job.logprobs),
                                                                         sampler: m.makeSampler(job.config)) { _ in }
            XCTAssertEqual(got.tokens, expected[k].tokens, job.text)
            XCTAssertEqual(got.tokens, session.tokens, job.text)
            XCTAssertEqual(got.text, session.text, job.text)
            XCTAssertEqual(together[k].pieces.joined(), got.text, job.text)
            XCTAssertEqual(got.finishReason, session.finishReason, job.text)
            XCTAssertEqual(got.timings.promptTokens, session.timings.promptTokens, job.text)
            XCTAssertEqual(got.logprobs.count, job.logprobs > 0 ? got.tokens.count : 0, job.text)
            for (a, b) in zip(got.logprobs, session.logprobs) {
                XCTAssertEqual(a.0, b.0, job.text)
                XCTAssertEqual(a.1.map(\.id), b.1.map(\.id), job.text)
                XCTAssertEqual(a.1.count, job.logprobs, job.text)
            }
        }
        XCTAssertEqual(batched.activeCount, 0)
        XCTAssertEqual(batched.waitingCount, 0)
    }

    /// A request takes the free slot whose cache shares the longest prefix with its prompt.
    func testPrefixReuseTakesTheSlotWithTheLongestCommonPrefix() throws {
        let m = try model()
        let s = BatchScheduler(model: m.model, tokenizer: m.tokenizer, slots: 2, contextLength: 256)
        defer { s.shutdown() }
        let a = m.rawPrompt("The capital of France is")
        func run(_ prompt: [Int32], _ n: Int) throws -> GenerationResult? {
            let out = Outcome()
            try s.submit(prompt: prompt, options: options(n), sampler: m.makeSampler(.greedy)) { out.receive($0) }
            return out.wait()
        }
        guard let first = try run(a, 6) else { return XCTFail("no result") }
        XCTAssertEqual(first.timings.cachedPromptTokens, 0)
        // A different prompt takes the empty slot, so the first conversation stays cached.
        guard let other = try run(m.rawPrompt("Water boils at"), 4) else { return XCTFail("no result") }
        XCTAssertEqual(other.timings.cachedPromptTokens, 0)
        // The next turn repeats the first prompt and its answer: all of it but the last generated token
        // (never fed back) comes from the cache.
        let next = a + first.tokens + m.rawPrompt(" And of Spain?")
        guard let second = try run(next, 4) else { return XCTFail("no result") }
        XCTAssertEqual(second.timings.cachedPromptTokens, a.count + first.tokens.count - 1)
        let fresh = try m.makeSession(contextLength: 256).generate(prompt: next, options: options(4), sampler: m.makeSampler(.greedy)) { _ in }
        XCTAssertEqual(second.tokens, fresh.tokens)
    }

    /// A cancelled sequence leaves at the next step; a waiting one never starts; a full queue refuses.
    func testCancellationAndQueueLimit() throws {
        let m = try model()
        let s = BatchScheduler(model: m.model, tokenizer: m.tokenizer, slots: 1, contextLength: 512, maxWaiting: 1)
        defer { s.shutdown() }
        let long = Job(text: "Once upon a time", config: .greedy, maxTokens: 400)
        let runningHandle = GenerationHandle()
        let running = try submit(s, m, long, handle: runningHandle)
        let deadline = Date().addingTimeInterval(60)
        while running.pieces.isEmpty && Date() < deadline { Thread.sleep(forTimeInterval: 0.005) }
        XCTAssertEqual(s.activeCount, 1)
        let waitingHandle = GenerationHandle()
        let waiting = try submit(s, m, long, handle: waitingHandle)
        XCTAssertEqual(s.waitingCount, 1)
        XCTAssertThrowsError(try submit(s, m, long)) { XCTAssertEqual($0 as? EngineError, .busy(waiting: 1)) }
        XCTAssertEqual(EngineError.busy(waiting: 1).description, "every slot is busy and 1 requests are already waiting; retry shortly")
        // A waiting request cancelled while every slot is busy ends at once, freeing its place in the queue.
        waitingHandle.cancel()
        s.signal()
        let r2 = waiting.wait()
        XCTAssertEqual(r2?.finishReason, .cancelled)
        XCTAssertEqual(r2?.tokens.count, 0)
        XCTAssertNil(running.result)
        XCTAssertEqual(s.waitingCount, 0)
        runningHandle.cancel()
        s.signal()
        let r1 = running.wait()
        XCTAssertEqual(r1?.finishReason, .cancelled)
        XCTAssertLessThan(r1?.tokens.count ?? 400, 400)
        XCTAssertEqual(s.activeCount, 0)
        XCTAssertEqual(s.waitingCount, 0)
        // Errors found at submission are thrown there.
        XCTAssertThrowsError(try s.submit(prompt: [], options: options(4), sampler: m.makeSampler(.greedy)) { _ in }) {
            XCTAssertEqual($0 as? EngineError, .emptyPrompt)
        }
    }

    func testStreamFace() async throws {
        let m = try model()
        let s = BatchScheduler(model: m.model, tokenizer: m.tokenizer, slots: 2, contextLength: 256)
        defer { s.shutdown() }
        var texts: [String] = []
        var finished: GenerationResult?
        for try await event in s.stream(prompt: m.rawPrompt("The capital of France is"), options: options(6), sampler: try m.makeSampler(.greedy)) {
            switch event {
            case .token(let t): texts.append(t.text)
            case .finished(let r): finished = r
            }
        }
        // The same request through the callback face of a fresh scheduler (no cached prefix): same tokens, same
        // text. (A cached prefix leaves the prompt's last token to a one-row kernel instead of the prefill tile,
        // which may round differently.)
        let fresh = BatchScheduler(model: m.model, tokenizer: m.tokenizer, slots: 2, contextLength: 256)
        defer { fresh.shutdown() }
        let alone = try submit(fresh, m, Job(text: "The capital of France is", config: .greedy, maxTokens: 6)).wait()
        XCTAssertEqual(finished?.tokens.count, 6)
        XCTAssertEqual(finished?.tokens, alone?.tokens)
        XCTAssertEqual(texts.joined(), alone?.text)
        XCTAssertTrue(texts.joined().hasPrefix(" Paris."), texts.joined())
    }
}
