import Foundation
import TestSupport
import XCTest

/// Locations and readers shared by the BERT tests.
enum BERTTestFiles {
    /// The installed all-MiniLM-L6-v2 folder; skips the test when it is not installed.
    static func miniLM() throws -> String {
        let home = owlHome
        let path = home + "/models/all-minilm-l6-v2"
        guard FileManager.default.fileExists(atPath: path + "/model.safetensors") else {
            throw XCTSkip("all-minilm-l6-v2 is not installed under \(home)/models (run `make models`)")
        }
        return path
    }

    /// `shared/goldens/minilm/minilm_goldens.json` (the folder from `TestSupport.goldensDirectory`).
    static func goldens() throws -> [String: Any] {
        let file = try goldensDirectory() + "/minilm/minilm_goldens.json"
        guard let data = FileManager.default.contents(atPath: file) else {
            XCTFail("\(file) is missing; set OWL_GOLDENS to the shared/goldens folder")
            throw XCTSkip("goldens missing")
        }
        return try XCTUnwrap(JSONSerialization.jsonObject(with: data) as? [String: Any])
    }

    /// Token ids the goldens do not carry (scripts/minilm_fixture_ids.py).
    static func fixtureIDs() throws -> [String: Any] {
        let file = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
            .appendingPathComponent("Fixtures/minilm_ids.json").path
        let data = try XCTUnwrap(FileManager.default.contents(atPath: file), "missing \(file)")
        return try XCTUnwrap(JSONSerialization.jsonObject(with: data) as? [String: Any])
    }

    static func ids(_ any: Any?) throws -> [[Int32]] {
        let rows = try XCTUnwrap(any as? [[Any]])
        return try rows.map { try $0.map { try XCTUnwrap(($0 as? Int).map(Int32.init)) } }
    }

    static func floats(_ any: Any?) throws -> [Float] {
        try XCTUnwrap(any as? [Any]).map { Float(try XCTUnwrap(($0 as? Double) ?? ($0 as? Int).map(Double.init))) }
    }

    static func doubles(_ any: Any?) throws -> [Double] {
        try XCTUnwrap(any as? [Any]).map { try XCTUnwrap(($0 as? Double) ?? ($0 as? Int).map(Double.init)) }
    }

    static func dot(_ a: [Float], _ b: [Float]) -> Double {
        zip(a, b).reduce(0) { $0 + Double($1.0) * Double($1.1) }
    }

    static func cosine(_ a: [Float], _ b: [Float]) -> Double {
        dot(a, b) / (dot(a, a).squareRoot() * dot(b, b).squareRoot())
    }

    static func maxAbsDiff(_ a: [Float], _ b: [Float]) -> Float {
        zip(a, b).reduce(0) { max($0, abs($1.0 - $1.1)) }
    }
}
