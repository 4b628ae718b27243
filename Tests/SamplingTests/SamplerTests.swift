import Foundation
import Sampling
import XCTest

final class SamplerTests: XCTestCase {
    /// Published reference output of xoshiro256** from state {1, 2, 3, 4}, and SplitMix64's first output
    /// for seed 0 (0xe220a8397b1dcdaf), reached through `init(seed:)`'s first state word.
    func testGeneratorReferenceValues() {
        var g = Xoshiro256(state: (1, 2, 3, 4))
        XCTAssertEqual((0..<4).map { _ in g.next() }, [11520, 0, 1_509_978_240, 1_215_971_899_390_074_240])
        XCTAssertEqual(Xoshiro256(seed: 0).state.0, 0xE220_A839_7B1D_CDAF)
        var a = Xoshiro256(seed: 1), b = Xoshiro256(seed: 1), c = Xoshiro256(seed: 2)
        let sa = (0..<8).map { _ in a.next() }
        XCTAssertEqual(sa, (0..<8).map { _ in b.next() })
        XCTAssertNotEqual(sa, (0..<8).map { _ in c.next() })
        for _ in 0..<1000 { let u = a.nextUnitFloat(); XCTAssert(u >= 0 && u < 1) }
    }

    /// A fixed pseudo-model: logits depend on the previous token, so sampled sequences diverge.
    func logits(after token: Int32, vocab: Int) -> [Float] {
        (0..<vocab).map { i in sin(Float(i) * 0.37 + Float(token) * 1.3) * 3 + Float(i % 7) * 0.2 }
    }

    func generate(_ config: SamplerConfig, steps: Int = 40, vocab: Int = 300) throws -> [Int32] {
        let s = try Sampler(config: config, vocabSize: vocab)
        var history: [Int32] = [0]
        for _ in 0..<steps { history.append(try s.sample(logits: logits(after: history.last ?? 0, vocab: vocab), history: history)) }
        return Array(history.dropFirst())
    }

    func testSameSeedSameSequenceDifferentSeedsDiffer() throws {
        let config = SamplerConfig(temperature: 1.2, topK: nil, topP: nil, minP: nil, seed: 1234)
        let a = try generate(config), b = try generate(config)
        XCTAssertEqual(a, b)
        var other = config
        other.seed = 1235
        XCTAssertNotEqual(a, try generate(other))
        // With no seed a fresh one is drawn and reported, and reproduces the run.
        var unseeded = config
        unseeded.seed = nil
        let s = try Sampler(config: unseeded, vocabSize: 300)
        var replay = config
        replay.seed = s.seed
        let first = try s.sample(logits: logits(after: 0, vocab: 300))
        XCTAssertEqual(first, try Sampler(config: replay, vocabSize: 300).sample(logits: logits(after: 0, vocab: 300)))
    }

    func testTemperatureZeroAndTopKOneAreGreedy() throws {
        let vocab = 300
        var greedy: [Int32] = []
        var prev: Int32 = 0
        for _ in 0..<30 {
            let l = logits(after: prev, vocab: vocab)
            prev = Int32(l.indices.max { l[$0] < l[$1] } ?? 0)
            greedy.append(prev)
        }
        XCTAssertEqual(try generate(.greedy, steps: 30), greedy)
        XCTAssertEqual(try generate(SamplerConfig(temperature: 0, seed: 5), steps: 30), greedy)
        for seed: UInt64 in [1, 2, 3] {
            XCTAssertEqual(try generate(SamplerConfig(temperature: 1.5, topK: 1, topP: nil, minP: nil, seed: seed), steps: 30), greedy)
        }
        // Penalties still apply at temperature 0: the repeated best token loses to the runner-up.
        let s = try Sampler(config: SamplerConfig(temperature: 0, repeatPenalty: 2), vocabSize: 3)
        XCTAssertEqual(try s.sample(logits: [1, 3, 2], history: []), 1)
        XCTAssertEqual(try s.sample(logits: [1, 3, 2], history: [1]), 2)
        // A banned token is never chosen.
        let banned = try Sampler(config: SamplerConfig(temperature: 0, logitBias: [1: -.infinity]), vocabSize: 3)
        XCTAssertEqual(try banned.sample(logits: [1, 3, 2]), 2)
    }

    /// Frequencies of draws follow the softmax (chi-square-free check with a generous bound), and a
    /// top-p filter keeps only the nucleus.
    func testDrawFrequenciesFollowDistribution() throws {
        let probs: [Double] = [0.5, 0.25, 0.15, 0.07, 0.03]
        let logits = probs.map { Float(log($0)) }
        let n = 20_000
        func frequencies(_ config: SamplerConfig) throws -> [Double] {
            let s = try Sampler(config: config, vocabSize: probs.count)
            var counts = [Int](repeating: 0, count: probs.count)
            for _ in 0..<n { counts[Int(try s.sample(logits: logits))] += 1 }
            return counts.map { Double($0) / Double(n) }
        }
        let plain = try frequencies(SamplerConfig(temperature: 1, topK: nil, topP: nil, minP: nil, seed: 11))
        for (f, p) in zip(plain, probs) { XCTAssertEqual(f, p, accuracy: 0.015) }
        // top-p 0.8 keeps {0, 1, 2} (0.9 of the mass), renormalized.
        let nucleus = try frequencies(SamplerConfig(temperature: 1, topK: nil, topP: 0.8, minP: nil, seed: 12))
        XCTAssertEqual(nucleus[3] + nucleus[4], 0)
        for i in 0..<3 { XCTAssertEqual(nucleus[i], probs[i] / 0.9, accuracy: 0.015) }
        // Temperature 0.5 squares the probabilities (renormalized).
        let sharp = try frequencies(SamplerConfig(temperature: 0.5, topK: nil, topP: nil, minP: nil, seed: 13))
        let sq = probs.map { $0 * $0 }, z = sq.reduce(0, +)
        for (f, p) in zip(sharp, sq) { XCTAssertEqual(f, p / z, accuracy: 0.015) }
    }

    func testLogprobs() throws {
        let logits: [Float] = [2, 0, 1, -1]
        let z = log(logits.reduce(0.0) { $0 + exp(Double($1)) })
        let s = try Sampler(config: SamplerConfig(temperature: 0.5, topK: 2, topP: nil, minP: nil, seed: 1), vocabSize: 4)
        let token = try s.sample(logits: logits)
        XCTAssert(token == 0 || token == 2)
        // Model distribution: raw logits, whole vocabulary.
        let model = try s.logprobs(of: 2, logits: logits, top: 3)
        XCTAssertEqual(Double(model.logprob), 1 - z, accuracy: 1e-5)
        XCTAssertEqual(model.top.map(\.token), [0, 2, 1])
        for a in model.top { XCTAssertEqual(Double(a.logprob), Double(logits[Int(a.token)]) - z, accuracy: 1e-5) }
        // Sampler distribution: top-2 then temperature 0.5 → softmax([4, 2]).
        let final = try s.logprobs(of: 2, logits: logits, top: 5, source: .sampler)
        let zf = log(exp(4.0) + exp(2.0))
        XCTAssertEqual(Double(final.logprob), 2 - zf, accuracy: 1e-5)
        XCTAssertEqual(final.top.map(\.token), [0, 2])
        XCTAssertEqual(try s.logprobs(of: 3, logits: logits, top: 0, source: .sampler).logprob, -.infinity)
        // Greedy: the chosen token has probability 1.
        let g = try Sampler(config: .greedy, vocabSize: 4)
        XCTAssertEqual(try g.sample(logits: logits), 0)
        XCTAssertEqual(try g.logprobs(of: 0, logits: logits, top: 1, source: .sampler),
                       TokenLogprob(token: 0, logprob: 0, top: [.init(token: 0, logprob: 0)]))
        XCTAssertThrowsError(try s.logprobs(of: 0, logits: [1, 2], top: 1)) {
            XCTAssertEqual(String(describing: $0), "logits count must be the vocabulary size 4, got 2")
        }
    }

    /// Gemma's 262,144-token vocabulary: a step must cost far less than one full sort of the logits,
    /// timed in the same run (so a loaded machine slows both alike). Logits are bell-shaped like a
    /// model's (sum of four uniforms, σ ≈ 3.5); a flat spread, where the top-p nucleus holds ~10% of
    /// the vocabulary, must still beat the sort.
    func testLargeVocabularyStepIsFast() throws {
        let vocab = 262_144
        var rng = Xoshiro256(seed: 77)
        let bell = (0..<vocab).map { _ in (0..<4).reduce(Float(0)) { acc, _ in acc + rng.nextUnitFloat() * 6 - 3 } }
        let flat = (0..<vocab).map { _ in rng.nextUnitFloat() * 30 - 15 }
        func time(_ body: () throws -> Void) rethrows -> Double {
            var best = Double.infinity
            for _ in 0..<5 {
                let start = Date()
                try body()
                best = min(best, Date().timeIntervalSince(start))
            }
            return best
        }
        var sink = 0
        let sortTime = time { sink &+= bell.sorted(by: >).count }
        let history = (0..<64).map { Int32($0 * 17) }
        let cases: [(String, SamplerConfig, [Float], Double)] = [
            ("default chain", SamplerConfig(seed: 1), bell, 0.25),
            ("top-p only", SamplerConfig(topK: nil, minP: nil, seed: 1), bell, 0.25),
            ("no filters", SamplerConfig(topK: nil, topP: nil, minP: nil, seed: 1), bell, 0.25),
            ("greedy", .greedy, bell, 0.25),
            ("top-p only, flat", SamplerConfig(topK: nil, minP: nil, seed: 1), flat, 1),
        ]
        for (name, config, logits, fraction) in cases {
            let s = try Sampler(config: config, vocabSize: vocab)
            let step = try time { sink &+= Int(try s.sample(logits: logits, history: history)) }
            print(String(format: "sampler step, 262144 vocab, %@: %.2f ms (full sort %.2f ms)", name, step * 1000, sortTime * 1000))
            XCTAssertLessThan(step, sortTime * fraction, name)
        }
        XCTAssertNotEqual(sink, 0)
    }
}
