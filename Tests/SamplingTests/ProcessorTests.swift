import Sampling
import XCTest

/// Case tables for each logit processor.
final class ProcessorTests: XCTestCase {
    func run(_ p: LogitProcessor, _ logits: [Float], history: [Int32] = []) -> (tokens: [Int32], logits: [Float]) {
        let c = TokenCandidates(logits: logits)
        p.process(c, history: history[...])
        return (c.tokens, c.logitValues)
    }

    func testTemperature() throws {
        let cases: [(Float, [Float], [Float])] = [
            (1, [1, -2, 3], [1, -2, 3]),
            (0.5, [1, -2, 3], [2, -4, 6]),
            (2, [1, -2, 3, -.infinity], [0.5, -1, 1.5, -.infinity]),
        ]
        for (t, input, expected) in cases {
            XCTAssertEqual(run(try Temperature(t), input).logits, expected, "T=\(t)")
        }
    }

    func testTopK() throws {
        let logits: [Float] = [0.1, 3, -1, 2, 2.5, 0, 5, -7]
        let cases: [(Int, [Int32])] = [
            (1, [6]), (2, [6, 1]), (3, [6, 1, 4]), (5, [6, 1, 4, 3, 0]), (8, [0, 1, 2, 3, 4, 5, 6, 7]), (100, [0, 1, 2, 3, 4, 5, 6, 7]),
        ]
        for (k, expected) in cases {
            let r = run(try TopK(k), logits)
            XCTAssertEqual(r.tokens, expected, "k=\(k)")
            XCTAssertEqual(r.logits, expected.map { logits[Int($0)] })
        }
        // Ties: equal logits prefer the lower id.
        XCTAssertEqual(run(try TopK(2), [1, 2, 2, 2]).tokens, [1, 2])
    }

    /// Top-k by partial selection agrees with a full sort on a Gemma-sized vocabulary.
    func testTopKLargeVocabularyMatchesSort() throws {
        var rng = Xoshiro256(seed: 9)
        let v = 262_144
        let logits = (0..<v).map { _ in rng.nextUnitFloat() * 20 - 10 }
        let expected = logits.indices.sorted { logits[$0] > logits[$1] || (logits[$0] == logits[$1] && $0 < $1) }
        for k in [1, 40, 1000] {
            XCTAssertEqual(run(try TopK(k), logits).tokens, expected.prefix(k).map(Int32.init), "k=\(k)")
        }
    }

    func testTopP() throws {
        // softmax of ln([0.5, 0.3, 0.15, 0.05]) = those probabilities (tokens given out of order).
        let probs: [Float] = [0.15, 0.5, 0.05, 0.3]
        let logits = probs.map { logf($0) }
        let cases: [(Float, [Int32])] = [
            (0.1, [1]), (0.49, [1]), (0.51, [1, 3]), (0.79, [1, 3]), (0.81, [1, 3, 0]), (0.96, [1, 3, 0, 2]), (1, [0, 1, 2, 3]),
        ]
        for (p, expected) in cases {
            XCTAssertEqual(run(try TopP(p), logits).tokens, expected, "p=\(p)")
        }
    }

    /// The kept mass is the smallest that reaches p, on a vocabulary large enough to need several
    /// rounds of partial selection (a flat distribution).
    func testTopPMassOnLargeFlatVocabulary() throws {
        var rng = Xoshiro256(seed: 3)
        let logits = (0..<50_000).map { _ in rng.nextUnitFloat() * 0.5 }
        let z = logits.reduce(0.0) { $0 + exp(Double($1)) }
        let sortedProbs = logits.map { exp(Double($0)) / z }.sorted(by: >)
        for p: Float in [0.01, 0.3, 0.9, 0.999] {
            let kept = run(try TopP(p), logits)
            let mass = kept.logits.reduce(0.0) { $0 + exp(Double($1)) / z }
            XCTAssertGreaterThanOrEqual(mass, Double(p) - 1e-4, "p=\(p)")
            XCTAssertLessThan(mass - sortedProbs[kept.tokens.count - 1], Double(p) + 1e-4, "p=\(p): one token fewer would do")
            // A nucleus: every kept token is at least as likely as every dropped one.
            let keptSet = Set(kept.tokens)
            let dropped = logits.indices.filter { !keptSet.contains(Int32($0)) }.map { logits[$0] }
            XCTAssertGreaterThanOrEqual(kept.logits.min() ?? 0, dropped.max() ?? -.infinity)
        }
    }

    func testMinP() throws {
        let probs: [Float] = [0.4, 0.2, 0.1, 0.25, 0.05]
        let logits = probs.map { logf($0) }
        let cases: [(Float, [Int32])] = [
            (0, [0, 1, 2, 3, 4]), (0.1, [0, 1, 2, 3, 4]), (0.2, [0, 1, 2, 3]), (0.45, [0, 1, 3]), (0.6, [0, 3]), (1, [0]),
        ]
        for (p, expected) in cases {
            XCTAssertEqual(run(try MinP(p), logits).tokens, expected, "minP=\(p)")
        }
    }

    func testLogitBias() throws {
        let bias = try LogitBias([1: 2, 3: -.infinity, 0: -0.5], vocabSize: 4)
        XCTAssertEqual(run(bias, [1, 1, 1, 1]).logits, [0.5, 3, 1, -.infinity])
    }

    /// llama.cpp semantics: repetition divides positive logits and multiplies negative ones, once per
    /// token; frequency subtracts per occurrence; presence once; only the last N tokens count.
    func testPenalties() throws {
        let logits: [Float] = [2, -2, 1, 0, 4]
        let history: [Int32] = [4, 0, 1, 1, 1, 2]
        let cases: [(repeatP: Float, presence: Float, frequency: Float, lastN: Int, expected: [Float])] = [
            (1, 0, 0, 64, [2, -2, 1, 0, 4]),
            (2, 0, 0, 64, [1, -4, 0.5, 0, 2]),
            (2, 0, 0, 4, [2, -4, 0.5, 0, 4]),      // window [1, 1, 1, 2]
            (2, 0, 0, -1, [1, -4, 0.5, 0, 2]),     // whole history
            (2, 0, 0, 0, [2, -2, 1, 0, 4]),        // off
            (1, 0.5, 0, 64, [1.5, -2.5, 0.5, 0, 3.5]),
            (1, 0, 0.5, 64, [1.5, -3.5, 0.5, 0, 3.5]),
            (1.5, 1, 0.25, 64, [2.0 / 1.5 - 1.25, -3 - 1.75, 1 / 1.5 - 1.25, 0, 4 / 1.5 - 1.25]),
        ]
        for c in cases {
            let p = try RepetitionPenalties(repeatPenalty: c.repeatP, presencePenalty: c.presence,
                                            frequencyPenalty: c.frequency, lastN: c.lastN, vocabSize: 5)
            let got = run(p, logits, history: history).logits
            for (g, e) in zip(got, c.expected) { XCTAssertEqual(g, e, accuracy: 1e-6, "\(c)") }
            // The count table is reset: a second step with no history changes nothing.
            XCTAssertEqual(run(p, logits, history: []).logits, logits)
        }
    }

    func testValidationMessages() {
        let cases: [(() throws -> Any, String)] = [
            ({ try TopK(0) }, "topK must be ≥ 1, got 0"),
            ({ try TopP(0) }, "topP must be in (0, 1], got 0.0"),
            ({ try TopP(1.5) }, "topP must be in (0, 1], got 1.5"),
            ({ try MinP(-0.1) }, "minP must be in [0, 1], got -0.1"),
            ({ try Temperature(0) }, "temperature must be > 0 (use greedy for 0), got 0.0"),
            ({ try LogitBias([7: 1], vocabSize: 5) }, "logitBias token must be in 0..<5, got 7"),
            ({ try LogitBias([1: .nan], vocabSize: 5) }, "logitBias[1] must be a finite number or -infinity, got nan"),
            ({ try RepetitionPenalties(repeatPenalty: 0, vocabSize: 5) }, "repeatPenalty must be > 0 (1 disables it), got 0.0"),
            ({ try RepetitionPenalties(lastN: -2, vocabSize: 5) }, "repeatLastN must be ≥ -1 (-1: whole history, 0: off), got -2"),
            ({ try RepetitionPenalties(presencePenalty: .infinity, vocabSize: 5) }, "presencePenalty must be a finite number, got inf"),
            ({ try Sampler(config: SamplerConfig(temperature: -1), vocabSize: 5) }, "temperature must be ≥ 0 and finite, got -1.0"),
            ({ try Sampler(config: SamplerConfig(topK: 0), vocabSize: 5) }, "topK must be ≥ 1, got 0"),
            ({ try Sampler(config: SamplerConfig(temperature: 0, topP: 2), vocabSize: 5) }, "topP must be in (0, 1], got 2.0"),
            ({ try StopConditions(maxTokens: 0) }, "maxTokens must be ≥ 1, got 0"),
        ]
        for (make, expected) in cases {
            XCTAssertThrowsError(try make()) { XCTAssertEqual(String(describing: $0), expected) }
        }
    }

    func testStopConditions() throws {
        let s = try StopConditions(maxTokens: 3, endOfGeneration: [2, 7])
        XCTAssertNil(s.check(token: 5, generated: 1))
        XCTAssertEqual(s.check(token: 7, generated: 1), .endOfGeneration(token: 7))
        XCTAssertEqual(s.check(token: 5, generated: 3), .maxTokens)
        XCTAssertEqual(s.check(token: 2, generated: 3), .endOfGeneration(token: 2))
        XCTAssertNil(try StopConditions().check(token: 2, generated: 1_000_000))
    }
}

#if canImport(Glibc)
import Glibc
#endif
