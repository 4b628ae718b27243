import Foundation
import Models

// The worker thread: admit waiting requests into free slots, drop cancelled sequences, run one batched
// step, deliver tokens, release finished slots.
extension BatchScheduler {
    func work() {
        while true {
            wake.lock()
            while running.isEmpty && shared.withLock({ $0.waiting.isEmpty && !$0.stopped }) { wake.wait() }
            wake.unlock()
            if shared.withLock({ $0.stopped }) {
                for r in running { finish(r, .cancelled) }
                for p in shared.withLock({ s -> [Pending] in defer { s.waiting = [] }; return s.waiting }) { refuse(p) }
                return
            }
            for r in running where r.handle.isCancelled { finish(r, .cancelled) }
            admit()
            if !running.isEmpty { step() }
        }
    }

    /// Ends cancelled waiting requests, then moves waiting requests into free slots, in arrival order;
    /// each takes the free slot whose cached tokens share the longest prefix with its prompt (ties: the
    /// slot holding the least).
    private func admit() {
        let free = slots.filter { !$0.busy }.count
        var cancelled: [Pending] = []
        let taken = shared.withLock { s -> [Pending] in
            if s.waiting.contains(where: { $0.handle.isCancelled }) {
                cancelled = s.waiting.filter { $0.handle.isCancelled }
                s.waiting.removeAll { $0.handle.isCancelled }
            }
            let taken = Array(s.waiting.prefix(free))
            s.waiting.removeFirst(taken.count)
            s.running += taken.count
            return taken
        }
        for p in cancelled { refuse(p) }
        for p in taken {
            var best: Slot?
            var bestCommon = -1
            for slot in slots where !slot.busy {
                let common = GenerationSession.commonPrefix(slot.tokens, p.prompt)
                if common > bestCommon || (common == bestCommon && slot.tokens.count < (best?.tokens.count ?? .max)) {
                    best = slot
                    bestCommon = common
                }
            }
            guard let slot = best else { continue }
            slot.busy = true
            slot.cache.truncate(to: bestCommon)
            slot.tokens.removeSubrange(bestCommon...)
            running.append(Running(p, slot: slot, cached: bestCommon))
        }
    }

    /// Ends a request that never got a slot (cancelled while waiting, or the scheduler stopped).
    private func refuse(_ p: Pending) {
        var stepper = p.stepper
        stepper.finish(.cancelled) { p.onEvent(.token($0)) }
        p.onEvent(.finished(stepper.result))
    }

    /// One batched forward: the next token of every decoding sequence, then prompt chunks (in admission
    /// order) up to `prefillChunk` tokens; then sampling for every sequence whose prompt is done.
    private func step() {
        var inputs: [SequenceInput] = []
        var members: [(Running, [Int32])] = []
        var budget = prefillChunk
        for r in running {
            if let t = r.next {
                inputs.append(SequenceInput(tokens: [t], cache: r.slot.cache, isPrompt: false))
                members.append((r, [t]))
            } else if budget > 0 {
                let n = min(budget, r.prompt.count - r.prefilled)
                let chunk = Array(r.prompt[r.prefilled..<(r.prefilled + n)])
                budget -= n
                // Logits only when the chunk ends the prompt (the output head is a vocabulary-sized product).
                inputs.append(SequenceInput(tokens: chunk, cache: r.slot.cache, isPrompt: true,
                                            wantLogits: r.prefilled + n == r.prompt.count))
                members.append((r, chunk))
            }
        }
        let logits: [Logits]
        do {
            logits = try model.forward(batch: inputs)
        } catch {
            // Checked before anything was written: every cache is as it was.
            for (r, _) in members { fail(r, error) }
            return
        }
        for ((r, fed), out) in zip(members, logits) {
            r.slot.tokens += fed
            if r.next == nil {
                r.prefilled += fed.count
                if r.prefilled < r.prompt.count { continue }
                r.promptMilliseconds = r.clock.milliseconds
                r.clock.restart()
                if r.stepper.isExhausted { finish(r, nil); continue }
            }
            do {
                let next = try r.stepper.step(logits: Array(out.last), contextFull: r.slot.tokens.count >= contextLength, emit: r.emit)
                switch next {
                case .feed(let t): r.next = t
                case .done: finish(r, nil)
                }
            } catch {
                fail(r, error)
            }
        }
    }

    /// Ends a sequence: flushes held-back text, delivers the result, frees its slot (its cache stays for
    /// prefix reuse).
    private func finish(_ r: Running, _ reason: FinishReason?) {
        r.stepper.finish(reason, emit: r.emit)
        let generation = r.promptMilliseconds > 0 || r.prefilled == r.prompt.count ? r.clock.milliseconds : 0
        r.stepper.setTimings(cached: r.cached, promptMilliseconds: r.promptMilliseconds, generationMilliseconds: generation)
        release(r)
        r.onEvent(.finished(r.stepper.result))
    }

    private func fail(_ r: Running, _ error: any Error) {
        release(r)
        r.onEvent(.failed(error))
    }

    private func release(_ r: Running) {
        r.slot.busy = false
        running.removeAll { $0 === r }
        shared.withLock { $0.running -= 1 }
    }
}
