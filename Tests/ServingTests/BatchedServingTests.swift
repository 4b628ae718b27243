import Checkpoint
import Foundation
import Server
import Serving
import Synchronization
import TestSupport
import XCTest

/// Concurrent requests on one model through the engine backend: decoded together, each answer the same
/// as alone; the wait queue is bounded (503); cancellation frees the slot; the scheduler's load is visible.
final class BatchedServingTests: XCTestCase {
    func backend(parallel: Int, maxQueue: Int = 64) throws -> EngineBackend {
        guard FileManager.default.fileExists(atPath: owlHome + "/models/smollm2-135m-instruct/manifest.json") else {
            throw XCTSkip("catalog models not installed; run `make models`")
        }
        return EngineBackend(locator: ModelLocator(home: owlHome), threads: 2, contextLength: 512, keepAlive: nil,
                             maxQueue: maxQueue, parallel: parallel)
    }

    static func request(_ text: String, maxTokens: Int, id: String) -> GenerationRequest {
        var p = SamplingParameters()
        p.maxTokens = maxTokens
        p.temperature = 0
        return GenerationRequest(model: "smollm2-135m-instruct", input: .chat([ChatMessage(role: "user", content: text)]),
                                 parameters: p, requestID: id)
    }

    /// Text pieces per request, from the streams' threads.
    final class Pieces: Sendable {
        let state = Mutex<[Int: [String]]>([:])
        func add(_ i: Int, _ text: String) { state.withLock { $0[i, default: []].append(text) } }
        func text(_ i: Int) -> String? { state.withLock { $0[i]?.joined() } }
    }

    static let questions = ["What is the capital of France?", "Name three colors.", "Count from one to five.",
                            "Write a haiku about owls.", "What is 2 + 2?"]

    func testConcurrentGreedyAnswersEqualAloneAnswers() async throws {
        let alone = try backend(parallel: 1)
        var expected: [GenerationResult] = []
        for (i, q) in Self.questions.enumerated() {
            expected.append(try await alone.generate(Self.request(q, maxTokens: 20, id: "a\(i)"), stream: ResponseStream { _ in true }, cancel: CancellationToken()))
        }
        let batched = try backend(parallel: 4)
        let pieces = Pieces()
        let got = try await withThrowingTaskGroup(of: (Int, GenerationResult).self) { group in
            for (i, q) in Self.questions.enumerated() {
                group.addTask {
                    let stream = ResponseStream { text in pieces.add(i, text); return true }
                    return (i, try await batched.generate(Self.request(q, maxTokens: 20, id: "b\(i)"), stream: stream, cancel: CancellationToken()))
                }
            }
            var out: [Int: GenerationResult] = [:]
            for try await (i, r) in group { out[i] = r }
            return out
        }
        for (i, q) in Self.questions.enumerated() {
            XCTAssertEqual(got[i]?.text, expected[i].text, q)
            XCTAssertEqual(got[i]?.completionTokens, expected[i].completionTokens, q)
            XCTAssertEqual(got[i]?.finishReason, expected[i].finishReason, q)
            XCTAssertEqual(pieces.text(i), expected[i].text, q)
        }
        XCTAssertEqual(batched.schedulerLoad(), [SchedulerLoad(model: "smollm2-135m-instruct", waiting: 0, active: 0, slots: 4)])
    }

    func testFullQueueIs503AndCancellationFreesTheSlot() async throws {
        let b = try backend(parallel: 1, maxQueue: 1)
        let firstPiece = DispatchSemaphore(value: 0)
        let started = Atomic<Bool>(false)
        let cancelFirst = CancellationToken(), cancelSecond = CancellationToken()
        let r1Request = Self.request("Tell me a long story.", maxTokens: 400, id: "r1")
        let r2Request = Self.request("Tell me another story.", maxTokens: 400, id: "r2")
        let first = Task {
            try await b.generate(r1Request, stream: ResponseStream { _ in
                if !started.exchange(true, ordering: .relaxed) { firstPiece.signal() }
                return true
            }, cancel: cancelFirst)
        }
        XCTAssertEqual(firstPiece.wait(timeout: .now() + 60), .success)
        let second = Task {
            try await b.generate(r2Request, stream: ResponseStream { _ in true }, cancel: cancelSecond)
        }
        let deadline = Date().addingTimeInterval(30)
        while b.schedulerLoad().first?.waiting != 1 && Date() < deadline { try await Task.sleep(nanoseconds: 5_000_000) }
        XCTAssertEqual(b.schedulerLoad(), [SchedulerLoad(model: "smollm2-135m-instruct", waiting: 1, active: 1, slots: 1)])
        do {
            _ = try await b.generate(Self.request("One more?", maxTokens: 4, id: "r3"), stream: ResponseStream { _ in true }, cancel: CancellationToken())
            XCTFail("a third request must not fit a queue of one")
        } catch let e as BackendError {
            XCTAssertEqual(e, .unavailable("smollm2-135m-instruct has 1 requests waiting for its 1 slots; retry shortly"))
        }
        cancelFirst.cancel()
        let r1 = try await first.value
        XCTAssertEqual(r1.finishReason, .cancelled)
        XCTAssertLessThan(r1.completionTokens, 400)
        // The waiting request gets the slot once the first leaves; cancelling it ends it too.
        while b.schedulerLoad().first?.active != 1 || b.schedulerLoad().first?.waiting != 0 {
            guard Date() < deadline else { return XCTFail("the waiting request never got the slot") }
            try await Task.sleep(nanoseconds: 5_000_000)
        }
        cancelSecond.cancel()
        let r2 = try await second.value
        XCTAssertEqual(r2.finishReason, .cancelled)
        XCTAssertEqual(b.schedulerLoad(), [SchedulerLoad(model: "smollm2-135m-instruct", waiting: 0, active: 0, slots: 1)])
    }
}
