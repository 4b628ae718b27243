import Checkpoint
import Foundation
import Models
import XCTest

/// all-MiniLM-L6-v2 against sentence-transformers (shared/goldens/minilm): tolerances are the goldens'
/// own, 1e-4 per embedding value and 2e-4 per cosine.
final class BERTGoldenTests: XCTestCase {
    static let valueTolerance: Float = 1e-4
    static let cosineTolerance = 2e-4

    /// One model for the whole class (loading maps 90 MB).
    nonisolated(unsafe) static var cached: BERTModel?
    func model() throws -> BERTModel {
        if let m = Self.cached { return m }
        let m = try BERTModel(path: try BERTTestFiles.miniLM())
        Self.cached = m
        return m
    }

    func testConfigAndPoolingFromFolder() throws {
        let m = try model()
        var expected = BERTConfig(vocabSize: 30522, hiddenSize: 384, intermediateSize: 1536, layerCount: 6,
                                  headCount: 12, maxPositions: 512, typeVocabSize: 2, layerNormEps: 1e-12,
                                  pooling: BERTPooling(mode: .mean, normalize: true))
        expected.maxSequenceLength = 256  // sentence_bert_config.json
        XCTAssertEqual(m.config, expected)
        XCTAssertEqual(m.dimension, 384)
    }

    /// Every golden embedding, each input encoded alone (as the goldens were made).
    func testEmbeddingsMatchGoldensOneByOne() throws {
        let m = try model()
        let cases = try XCTUnwrap(try BERTTestFiles.goldens()["embeddings"] as? [[String: Any]])
        let ids = try XCTUnwrap(try BERTTestFiles.goldens()["tokenization"] as? [[String: Any]]).map {
            try BERTTestFiles.ids([$0["input_ids"] as Any])[0]
        }
        XCTAssertEqual(cases.count, 32)
        var worst: Float = 0
        for (i, c) in cases.enumerated() {
            let expected = try BERTTestFiles.floats(c["embedding"])
            let got = try m.encode(batch: [ids[i]])[0]
            XCTAssertEqual(got.count, 384)
            let diff = BERTTestFiles.maxAbsDiff(got, expected)
            worst = max(worst, diff)
            XCTAssertLessThanOrEqual(diff, Self.valueTolerance, "case \(c["name"] ?? i)")
            XCTAssertGreaterThanOrEqual(BERTTestFiles.cosine(got, expected), 0.9999, "case \(c["name"] ?? i)")
        }
        print("BERT golden max abs embedding error (batch 1): \(worst)")
    }

    /// All 32 inputs (lengths 2 to 256) in one batch on two threads: padding/packing must not leak
    /// between sequences.
    func testBatchedEncodingMatchesGoldens() throws {
        let m = try model()
        let g = try BERTTestFiles.goldens()
        let cases = try XCTUnwrap(g["embeddings"] as? [[String: Any]])
        let ids = try XCTUnwrap(g["tokenization"] as? [[String: Any]]).map { try BERTTestFiles.ids([$0["input_ids"] as Any])[0] }
        for threads in [1, 2] {
            let got = try m.encode(batch: ids, threads: threads)
            for (i, c) in cases.enumerated() {
                let expected = try BERTTestFiles.floats(c["embedding"])
                XCTAssertLessThanOrEqual(BERTTestFiles.maxAbsDiff(got[i], expected), Self.valueTolerance,
                                         "case \(i), threads \(threads)")
            }
        }
        // embed() sorts by length and restores input order.
        let sorted = try m.embed(ids, batchSize: 5, threads: 2)
        for (i, c) in cases.enumerated() {
            XCTAssertLessThanOrEqual(BERTTestFiles.maxAbsDiff(sorted[i], try BERTTestFiles.floats(c["embedding"])),
                                     Self.valueTolerance, "embed case \(i)")
        }
    }

    /// Pooling variants against the goldens' un-normalized mean and raw hidden states.
    func testPoolingModesAndHiddenStates() throws {
        let m = try model()
        let g = try BERTTestFiles.goldens()
        let cases = try XCTUnwrap(g["embeddings"] as? [[String: Any]])
        let ids = try XCTUnwrap(g["tokenization"] as? [[String: Any]]).map { try BERTTestFiles.ids([$0["input_ids"] as Any])[0] }
        let picks = [0, 6, 11, 30]
        let batch = picks.map { ids[$0] }
        let mean = try m.encode(batch: batch, pooling: BERTPooling(mode: .mean, normalize: false))
        let cls = try m.encode(batch: batch, pooling: BERTPooling(mode: .cls, normalize: false))
        let clsNormalized = try m.encode(batch: batch, pooling: BERTPooling(mode: .cls, normalize: true))
        for (k, i) in picks.enumerated() {
            let c = cases[i]
            // Un-normalized values are ~4x larger than normalized ones; scale the tolerance with them.
            XCTAssertLessThanOrEqual(BERTTestFiles.maxAbsDiff(mean[k], try BERTTestFiles.floats(c["mean_pooled"])), 4e-4)
            let clsFirst8 = try BERTTestFiles.floats(c["cls_last_hidden_first8"])
            XCTAssertLessThanOrEqual(BERTTestFiles.maxAbsDiff(Array(cls[k].prefix(8)), clsFirst8), 4e-4, "case \(i)")
            let norm = BERTTestFiles.dot(clsNormalized[k], clsNormalized[k]).squareRoot()
            XCTAssertEqual(norm, 1, accuracy: 1e-5)
            XCTAssertGreaterThan(BERTTestFiles.cosine(clsNormalized[k], cls[k]), 0.99999)
            let states = try m.hiddenStates(ids[i])
            let last = Array(states[((ids[i].count - 1) * 384)..<((ids[i].count - 1) * 384 + 8)])
            XCTAssertLessThanOrEqual(BERTTestFiles.maxAbsDiff(last, try BERTTestFiles.floats(c["last_token_last_hidden_first8"])), 4e-4)
        }
    }

    func testSimilarityMatrix() throws {
        let m = try model()
        let g = try BERTTestFiles.goldens()
        let sim = try XCTUnwrap(g["similarity"] as? [String: Any])
        let matrix = try XCTUnwrap(sim["matrix"] as? [Any]).map { try BERTTestFiles.doubles($0) }
        let ids = try BERTTestFiles.ids(try BERTTestFiles.fixtureIDs()["similarity"])
        XCTAssertEqual(ids.count, matrix.count)
        let v = try m.encode(batch: ids, threads: 2)
        var worst = 0.0
        for i in ids.indices {
            for j in ids.indices {
                let d = abs(BERTTestFiles.dot(v[i], v[j]) - matrix[i][j])
                worst = max(worst, d)
                XCTAssertLessThanOrEqual(d, Self.cosineTolerance, "similarity[\(i)][\(j)]")
            }
        }
        print("BERT similarity matrix max error: \(worst)")
    }

    func testRetrievalRanking() throws {
        let m = try model()
        let g = try BERTTestFiles.goldens()
        let retrieval = try XCTUnwrap(g["retrieval"] as? [String: Any])
        let results = try XCTUnwrap(retrieval["results"] as? [[String: Any]])
        let fixture = try BERTTestFiles.fixtureIDs()
        let queries = try m.encode(batch: try BERTTestFiles.ids(fixture["retrieval_queries"]))
        let passages = try m.encode(batch: try BERTTestFiles.ids(fixture["retrieval_passages"]), threads: 2)
        XCTAssertEqual(queries.count, results.count)
        for (q, r) in results.enumerated() {
            let scores = passages.map { BERTTestFiles.dot(queries[q], $0) }
            let ranked = scores.indices.sorted { scores[$0] > scores[$1] }
            let expected = try XCTUnwrap(r["top3_passage_indices"] as? [Int])
            XCTAssertEqual(Array(ranked.prefix(3)), expected, "query \(q)")
            for (k, s) in try BERTTestFiles.doubles(r["top3_scores"]).enumerated() {
                XCTAssertEqual(scores[expected[k]], s, accuracy: Self.cosineTolerance)
            }
        }
    }

    /// The throughput benchmark of issue 5 (not a pass/fail test): set OWL_BENCH=1 and run with
    /// `swift test -c release --filter BERTGoldenTests/testThroughputBenchmark`.
    func testThroughputBenchmark() throws {
        guard ProcessInfo.processInfo.environment["OWL_BENCH"] == "1" else {
            throw XCTSkip("benchmark: set OWL_BENCH=1")
        }
        let m = try model()
        let ids = try BERTTestFiles.ids(try BERTTestFiles.fixtureIDs()["performance"])
        XCTAssertEqual(ids.count, 1000)
        XCTAssertEqual(ids.reduce(0) { $0 + $1.count }, 14677)
        let g = try BERTTestFiles.goldens()
        let perf = try XCTUnwrap(g["performance"] as? [String: Any])
        let checks = try XCTUnwrap(perf["embedding_checksums"] as? [String: Any])
        // Worker threads (the batch is split over them); OWL_BENCH_THREADS overrides.
        let threads = ProcessInfo.processInfo.environment["OWL_BENCH_THREADS"].flatMap(Int.init) ?? 2
        var times: [Double] = []
        var vectors: [[Float]] = []
        for _ in 0..<5 {
            let start = Date()
            vectors = try m.embed(ids, batchSize: 32, threads: threads)
            times.append(Date().timeIntervalSince(start))
        }
        let sum = vectors.reduce(0.0) { $0 + $1.reduce(0.0) { $0 + Double($1) } }
        XCTAssertEqual(sum, try XCTUnwrap(checks["sum_of_all_values"] as? Double), accuracy: 1e-2)
        XCTAssertLessThanOrEqual(BERTTestFiles.maxAbsDiff(Array(vectors[0].prefix(8)),
                                                          try BERTTestFiles.floats(checks["first_sentence_first8"])), 1e-4)
        let best = times.min() ?? 0
        print(String(format: "BERT throughput: 1000 sentences, batch 32, \(threads) threads: best %.3f s = %.0f sentences/s (runs: %@)",
                     best, 1000 / best, times.map { String(format: "%.3f", $0) }.joined(separator: ", ")))
    }
}
