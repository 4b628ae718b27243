import Checkpoint
import Foundation
import Models
import Server
import Serving
import Synchronization
import TestSupport
import XCTest

/// The memory budget on its own (a stand-in evictor) and with the real engine on the catalog models.
final class MemoryBudgetTests: XCTestCase {
    func testParseAndFormatSizes() {
        let cases: [(String, Int64?)] = [
            ("1073741824", 1 << 30), ("2GiB", 2 << 30), ("2gib", 2 << 30), ("2G", 2 << 30), ("2GB", 2 << 30),
            ("512MiB", 512 << 20), ("1.5GiB", 3 << 29), ("64k", 64 << 10), ("1TiB", 1 << 40), ("100B", 100),
            ("", nil), ("GiB", nil), ("-1GiB", nil), ("0", nil), ("two", nil), ("1e3", nil), ("1.5.2G", nil), ("9999999TiB", nil),
        ]
        for (text, bytes) in cases { XCTAssertEqual(MemoryLimits.parseBytes(text), bytes, text) }
        let formats: [(Int64, String)] = [(512, "512 B"), (2048, "2 KiB"), (1536 << 10, "1.5 MiB"), (3 << 29, "1.5 GiB"),
                                          (200 << 20, "200 MiB"), (1 << 40, "1 TiB")]
        for (bytes, text) in formats { XCTAssertEqual(MemoryLimits.format(bytes), text) }
        let physical = Int64(ProcessInfo.processInfo.physicalMemory)
        XCTAssertGreaterThan(MemoryLimits.defaultMaxBytes(), 0)
        XCTAssertLessThanOrEqual(MemoryLimits.defaultMaxBytes(), physical / 4 * 3)
    }

    /// A budget whose evictor unloads only models marked idle, recording what it evicted.
    final class Models: Sendable {
        let busy = Mutex<Set<String>>([])
        let evicted = Mutex<[String]>([])
        let budget: MemoryBudget
        init(_ limits: MemoryLimits) {
            budget = MemoryBudget(limits: limits)
            budget.onEvict { [weak self] name in
                guard let self, !self.busy.withLock({ $0.contains(name) }) else { return false }
                self.evicted.withLock { $0.append(name) }
                self.budget.release(name)
                return true
            }
        }
    }

    func mib(_ n: Int64) -> ModelFootprint { ModelFootprint(weights: n << 20, kvCache: 0, scratch: 0) }

    func testLeastRecentlyUsedIdleModelsAreEvicted() throws {
        let m = Models(MemoryLimits(maxBytes: 100 << 20, loadWait: 0))
        try m.budget.admit("a", mib(40))
        try m.budget.admit("b", mib(40))
        m.budget.touch("a")                       // b is now the least recently used
        try m.budget.admit("c", mib(30))           // 110 MiB > 100: b goes
        XCTAssertEqual(m.evicted.withLock { $0 }, ["b"])
        XCTAssertEqual(Set(m.budget.residentNames), ["a", "c"])
        XCTAssertEqual(m.budget.usedBytes, 70 << 20)
        try m.budget.admit("d", mib(90))           // needs both gone, oldest first
        XCTAssertEqual(m.evicted.withLock { $0 }, ["b", "a", "c"])
        XCTAssertEqual(m.budget.residentNames, ["d"])
        try m.budget.admit("d", mib(90))           // already resident: nothing happens
        XCTAssertEqual(m.evicted.withLock { $0 }.count, 3)
    }

    func testMaxLoadedCountsModels() throws {
        let m = Models(MemoryLimits(maxBytes: 1 << 40, maxLoaded: 2, loadWait: 0))
        try m.budget.admit("a", mib(1))
        try m.budget.admit("b", mib(1))
        try m.budget.admit("c", mib(1))
        XCTAssertEqual(m.evicted.withLock { $0 }, ["a"])
        XCTAssertEqual(Set(m.budget.residentNames), ["b", "c"])
    }

    func testBusyModelsMakeTheLoadWaitThenFailWithTheReason() throws {
        let m = Models(MemoryLimits(maxBytes: 100 << 20, loadWait: 0.2))
        try m.budget.admit("a", mib(60))
        m.busy.withLock { $0 = ["a"] }
        let t0 = Date()
        XCTAssertThrowsError(try m.budget.admit("b", ModelFootprint(weights: 50 << 20, kvCache: 10 << 20, scratch: 1 << 20))) { e in
            XCTAssertEqual(e as? BackendError, .unavailable(
                "cannot load b (about 61 MiB (weights 50 MiB, KV cache 10 MiB, scratch 1 MiB)): 60 MiB of the 100 MiB memory budget is held by models serving requests (a 60 MiB); retry when they finish, or restart owl serve with a larger --max-memory or --max-loaded"))
        }
        XCTAssertGreaterThanOrEqual(Date().timeIntervalSince(t0), 0.2, "it waited for the busy model")
        XCTAssertEqual(m.budget.residentNames, ["a"])

        // The busy model finishes while the load waits: the load then proceeds.
        let fifty = mib(50)
        let waiter = Thread.detached { try? m.budget.admit("b", fifty) }
        Thread.sleep(forTimeInterval: 0.05)
        m.busy.withLock { $0 = [] }
        XCTAssertTrue(waiter.join(timeout: 2))
        XCTAssertEqual(m.budget.residentNames, ["b"])

        let count = Models(MemoryLimits(maxBytes: 1 << 40, maxLoaded: 1, loadWait: 0))
        try count.budget.admit("a", mib(1))
        count.busy.withLock { $0 = ["a"] }
        XCTAssertThrowsError(try count.budget.admit("b", mib(1))) { e in
            XCTAssertEqual(e as? BackendError, .unavailable(
                "cannot load b (about 1 MiB (weights 1 MiB, KV cache 0 B, scratch 0 B)): 1 models are loaded (--max-loaded 1) and all are serving requests (a 1 MiB); retry when they finish, or restart owl serve with a larger --max-memory or --max-loaded"))
        }
    }

    func testAModelLargerThanTheBudgetIsRefusedAtOnce() {
        let m = Models(MemoryLimits(maxBytes: 64 << 20, loadWait: 5))
        let t0 = Date()
        XCTAssertThrowsError(try m.budget.admit("huge", ModelFootprint(weights: 40 << 20, kvCache: 30 << 20, scratch: 0))) { e in
            XCTAssertEqual(e as? BackendError, .unavailable(
                "huge needs about 70 MiB (weights 40 MiB, KV cache 30 MiB, scratch 0 B), more than the whole memory budget of 64 MiB; restart owl serve with a larger --max-memory, or a smaller --ctx or --parallel"))
        }
        XCTAssertLessThan(Date().timeIntervalSince(t0), 1, "no wait can help")
    }

    /// The decoder estimate against the caches the engine really allocates: one KV cache per slot, F16 in
    /// fast mode (what the server loads), F32 in reference mode.
    func testDecoderFootprintMatchesTheAllocatedCaches() throws {
        let path = owlHome + "/models/smollm2-135m-instruct/SmolLM2-135M-Instruct.Q4_1.gguf"
        guard FileManager.default.fileExists(atPath: path) else { throw XCTSkip("catalog models not installed; run `make models`") }
        let gguf = try GGUFFile(path: path)
        let config = try ModelConfig(gguf: gguf)
        let f = ModelFootprint.decoder(config, fileBytes: Int64(gguf.file.count), context: 512, slots: 3, mode: .fast)
        let fast = try ModelRegistry.standard.load(gguf: gguf, mode: .fast).makeCache(maxTokens: 512)
        XCTAssertEqual(fast.precision, .f16)
        XCTAssertEqual(f.kvCache, 3 * Int64(fast.byteCount))
        // SmolLM2-135M: 30 layers × 512 positions × (192 + 192) × 2 bytes.
        XCTAssertEqual(f.kvCache, 3 * 30 * 512 * 384 * 2)
        let reference = KVCache(layers: config.layerCount, capacity: 512, keyWidth: config.keyWidth,
                                valueWidth: config.valueWidth, precision: KVCache.Precision(mode: .reference))
        XCTAssertEqual(ModelFootprint.decoder(config, fileBytes: 0, context: 512, slots: 3, mode: .reference).kvCache,
                       3 * Int64(reference.byteCount))
        XCTAssertEqual(reference.byteCount, 2 * fast.byteCount)
        XCTAssertEqual(f.weights, Int64(gguf.file.count))
        XCTAssertGreaterThan(f.scratch, 0)
        XCTAssertLessThan(f.scratch, f.weights, "scratch is small next to the weights")
        // Past the trained context the cache is clamped, as the engine clamps it.
        XCTAssertEqual(ModelFootprint.decoder(config, fileBytes: 0, context: 1 << 30, slots: 1).kvCache,
                       ModelFootprint.decoder(config, fileBytes: 0, context: config.contextLength, slots: 1).kvCache)
    }
}

/// The budget inside the real backend: SmolLM2 and Gemma 3 do not fit together, so loading one unloads the
/// other when it is idle, and a load waits for (then gives up on) a busy one.
final class EngineMemoryBudgetTests: XCTestCase {
    func request(_ model: String, tokens: Int) -> GenerationRequest {
        var p = SamplingParameters()
        p.maxTokens = tokens
        p.temperature = 0
        return GenerationRequest(model: model, input: .text("Once upon a time", system: nil, raw: true), parameters: p, requestID: "t")
    }

    func testLoadingEvictsTheIdleModelAndWaitsForABusyOne() async throws {
        for m in ["smollm2-135m-instruct", "gemma3-270m"] where !FileManager.default.fileExists(atPath: owlHome + "/models/\(m)/manifest.json") {
            throw XCTSkip("catalog models not installed; run `make models`")
        }
        let (smol, gemma) = ("smollm2-135m-instruct", "gemma3-270m")
        func memory(_ b: EngineBackend) -> [String: Int64] {
            Dictionary(uniqueKeysWithValues: b.loadedModels().map { ($0.model.name, $0.memoryBytes) })
        }
        // Each model's footprint, both loaded under an ample budget.
        let probe = EngineBackend(locator: ModelLocator(home: owlHome), threads: 2, contextLength: 256, keepAlive: nil, parallel: 1,
                                  memory: MemoryLimits(maxBytes: 1 << 40))
        _ = try await probe.generate(request(smol, tokens: 1), stream: ResponseStream { _ in true }, cancel: CancellationToken())
        _ = try await probe.generate(request(gemma, tokens: 1), stream: ResponseStream { _ in true }, cancel: CancellationToken())
        let sizes = memory(probe)
        let (a, b) = (try XCTUnwrap(sizes[smol]), try XCTUnwrap(sizes[gemma]))
        XCTAssertEqual(probe.memory.usedBytes, a + b)
        probe.unloadIdle(0)
        XCTAssertEqual(probe.memory.usedBytes, 0, "unloading gives the memory back")

        // A budget that holds either model but not both.
        let backend = EngineBackend(locator: ModelLocator(home: owlHome), threads: 2, contextLength: 256, keepAlive: nil, parallel: 1,
                                    memory: MemoryLimits(maxBytes: max(a, b) + min(a, b) / 2, loadWait: 0.3))
        _ = try await backend.generate(request(smol, tokens: 1), stream: ResponseStream { _ in true }, cancel: CancellationToken())
        XCTAssertEqual(memory(backend), [smol: a])
        _ = try await backend.generate(request(gemma, tokens: 1), stream: ResponseStream { _ in true }, cancel: CancellationToken())
        XCTAssertEqual(memory(backend), [gemma: b], "the idle SmolLM2 made room")

        // SmolLM2 returns (Gemma is idle, so it goes) and stays busy: Gemma's load waits, then gets a 503 naming it.
        let started = DispatchSemaphore(value: 0)
        let cancel = CancellationToken()
        let longRequest = request(smol, tokens: 400)
        let long = Task {
            try await backend.generate(longRequest, stream: ResponseStream { _ in started.signal(); return true }, cancel: cancel)
        }
        XCTAssertEqual(started.wait(timeout: .now() + 60), .success)
        XCTAssertEqual(memory(backend), [smol: a])
        do {
            _ = try await backend.generate(request(gemma, tokens: 1), stream: ResponseStream { _ in true }, cancel: CancellationToken())
            XCTFail("Gemma cannot fit while SmolLM2 is busy")
        } catch let e as BackendError {
            guard case .unavailable(let message) = e else { return XCTFail("\(e)") }
            XCTAssertTrue(message.hasPrefix("cannot load gemma3-270m (about "), message)
            XCTAssertTrue(message.contains("is held by models serving requests (smollm2-135m-instruct "), message)
        }
        cancel.cancel()
        _ = try? await long.value
        _ = try await backend.generate(request(gemma, tokens: 1), stream: ResponseStream { _ in true }, cancel: CancellationToken())
        XCTAssertEqual(memory(backend), [gemma: b], "once SmolLM2 is idle again, Gemma loads")
    }
}

extension Thread {
    /// Runs `body` on a new thread; `join` waits for it.
    static func detached(_ body: @escaping @Sendable () -> Void) -> Joinable {
        let j = Joinable()
        Thread { body(); j.done.signal() }.start()
        return j
    }
    final class Joinable: Sendable {
        let done = DispatchSemaphore(value: 0)
        func join(timeout: Double) -> Bool { done.wait(timeout: .now() + timeout) == .success }
    }
}
