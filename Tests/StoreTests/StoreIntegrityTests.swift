import Digest
import Foundation
import Store
import XCTest

final class StoreIntegrityTests: XCTestCase {
    func testImportLaysOutBlobsLinksAndManifest() throws {
        let home = try TempHome()
        let bytes = try Fixtures.gguf()
        let src = try home.write("src/Tiny-Model.gguf", bytes)
        _ = try home.write("src/LICENSE", Array("Apache License\nVersion 2.0, January 2004".utf8))
        let store = ModelStore(home: home.path + "/owl")
        let m = try store.importModel(from: src)
        XCTAssertEqual(m.name, "tiny-model")
        XCTAssertEqual(m.format, "gguf")
        XCTAssertEqual(m.architecture, "llama")
        XCTAssertEqual(m.license, .init(id: "Apache-2.0", from: "gguf"))
        XCTAssertEqual(m.files.map(\.path), ["Tiny-Model.gguf", "LICENSE"])
        XCTAssertEqual(m.files[0].sha256, Fixtures.sha(bytes))
        XCTAssertEqual(m.installedBy, "owl import")
        let blob = store.blobPath(Fixtures.sha(bytes))
        XCTAssertEqual(try FileManager.default.attributesOfItem(atPath: blob)[.posixPermissions] as? Int, 0o444)
        XCTAssertEqual(try FileManager.default.destinationOfSymbolicLink(atPath: store.modelsDir + "/tiny-model/Tiny-Model.gguf"),
                       "../../blobs/sha256-" + Fixtures.sha(bytes))
        XCTAssertEqual(store.list().map(\.name), ["tiny-model"])
        XCTAssertEqual(try store.checkIntegrity("tiny-model"), m)
        // Nothing is left in the work folder.
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: store.tmpDir), [])
        XCTAssertThrowsError(try store.importModel(from: src)) {
            XCTAssertEqual("\($0)", "a model named 'tiny-model' is already installed; choose another with --name, or `owl rm tiny-model` first")
        }
    }

    func testTamperedBlobIsRefusedByTheFastCheckAndByVerify() throws {
        let home = try TempHome()
        let bytes = try Fixtures.gguf()
        let store = ModelStore(home: home.path + "/owl")
        try store.importModel(from: try home.write("src/tiny.gguf", bytes), name: "tiny")
        XCTAssertTrue(try store.verify("tiny").ok)
        let blob = store.blobPath(Fixtures.sha(bytes))
        chmod(blob, 0o644)
        var changed = bytes
        changed[changed.count - 1] ^= 0xFF  // same size, different content
        try Data(changed).write(to: URL(fileURLWithPath: blob))
        let expected = "model 'tiny': tiny.gguf has changed since it was installed (sha256 \(Fixtures.sha(changed)), expected \(Fixtures.sha(bytes))); refusing to load it. Run `owl rm tiny` and pull or import it again"
        XCTAssertThrowsError(try store.checkIntegrity("tiny")) { XCTAssertEqual("\($0)", expected) }
        let report = try store.verify("tiny")
        XCTAssertFalse(report.ok)
        XCTAssertEqual(report.entries.first?.problem, expected)
    }

    func testVerifyCatchesChangesThatKeepSizeAndTime() throws {
        let home = try TempHome()
        let bytes = try Fixtures.gguf()
        let store = ModelStore(home: home.path + "/owl")
        try store.importModel(from: try home.write("src/tiny.gguf", bytes), name: "tiny")
        try store.checkIntegrity("tiny")
        let blob = store.blobPath(Fixtures.sha(bytes))
        var st = stat()
        stat(blob, &st)
        chmod(blob, 0o644)
        var changed = bytes
        changed[changed.count - 1] ^= 0xFF
        try Data(changed).write(to: URL(fileURLWithPath: blob))
        var times = [st.st_atim, st.st_mtim]
        utimensat(AT_FDCWD, blob, &times, 0)
        XCTAssertFalse(try store.verify("tiny").ok, "verify rehashes and must not trust size + mtime")
    }

    func testBrokenLayoutIsRefused() throws {
        let home = try TempHome()
        let store = ModelStore(home: home.path + "/owl")
        try store.importModel(from: try home.write("src/tiny.gguf", try Fixtures.gguf()), name: "tiny")
        let link = store.modelsDir + "/tiny/tiny.gguf"
        try FileManager.default.removeItem(atPath: link)
        try Data(try Fixtures.gguf()).write(to: URL(fileURLWithPath: link))
        XCTAssertThrowsError(try store.checkIntegrity("tiny")) {
            XCTAssertEqual("\($0)", "model 'tiny': tiny.gguf is not a link into the blob store (it was replaced); run `owl verify tiny`, then `owl rm tiny` and pull or import it again")
        }
    }

    func testNamesCannotLeaveTheStore() throws {
        let home = try TempHome()
        let store = ModelStore(home: home.path + "/owl")
        for name in ["../x", "a/b", ".hidden", "Upper", "", "..", "a..b", String(repeating: "a", count: 129), "x\0y"] {
            XCTAssertThrowsError(try store.manifest(name), name) { XCTAssertTrue("\($0)".hasPrefix("invalid model name"), "\(name): \($0)") }
            XCTAssertThrowsError(try store.remove(name), name)
            XCTAssertThrowsError(try store.checkIntegrity(name), name)
        }
        // A manifest whose file path leaves the model folder is refused.
        let dir = store.modelsDir + "/evil"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        let evil = #"{"name": "evil", "source": "x", "format": "gguf", "files": [{"path": "../../../etc/passwd", "sha256": "\#(String(repeating: "0", count: 64))", "size": 1}], "installed_at": "t", "installed_by": "x"}"#
        try Data(evil.utf8).write(to: URL(fileURLWithPath: dir + "/manifest.json"))
        XCTAssertThrowsError(try store.checkIntegrity("evil")) {
            XCTAssertEqual("\($0)", "model 'evil': its manifest is unreadable (file path '../../../etc/passwd' leaves the model folder); remove it with `owl rm evil` and pull or import it again")
        }
    }

    func testRemoveKeepsSharedBlobs() throws {
        let home = try TempHome()
        let store = ModelStore(home: home.path + "/owl")
        let bytes = try Fixtures.gguf()
        let src = try home.write("src/tiny.gguf", bytes)
        try store.importModel(from: src, name: "one")
        try store.importModel(from: src, name: "two")
        XCTAssertEqual(try store.remove("one"), 0, "the blob is still used by 'two'")
        XCTAssertTrue(FileManager.default.fileExists(atPath: store.blobPath(Fixtures.sha(bytes))))
        XCTAssertEqual(try store.remove("two"), bytes.count)
        XCTAssertFalse(FileManager.default.fileExists(atPath: store.blobPath(Fixtures.sha(bytes))))
        XCTAssertEqual(store.list().count, 0)
    }

    /// Manifests written by scripts/models.sh (before owl is built) read as store manifests.
    func testReadsManifestsOfModelsScript() throws {
        let json = #"{"name": "m", "source": "pypi:p==1", "format": "gguf", "license": {"id": "apache-2.0", "from": "catalog"},"# + "\n" +
            #" "files": [{"path": "m.gguf", "sha256": "\#(String(repeating: "a", count: 64))", "size": 10}], "installed_at": "2026-11-28T12:12:45Z", "installed_by": "make models"}"#
        let m = try Manifest.decode(Data(json.utf8), name: "m")
        XCTAssertEqual(m.license, .init(id: "apache-2.0", from: "catalog"))
        XCTAssertEqual(m.size, 10)
        XCTAssertEqual(m.weights?.path, "m.gguf")
    }
}
