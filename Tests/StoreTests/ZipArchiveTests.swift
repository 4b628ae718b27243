import Foundation
import Store
import XCTest

final class ZipArchiveTests: XCTestCase {
    func open(_ bytes: [UInt8], limits: ZipArchive.Limits = .init(), in home: TempHome) throws -> ZipArchive {
        try ZipArchive(path: try home.write("z-\(UUID().uuidString).zip", bytes), limits: limits)
    }

    func extractAll(_ z: ZipArchive) throws -> [String: [UInt8]] {
        var out: [String: [UInt8]] = [:]
        for e in z.entries {
            var data: [UInt8] = []
            try z.extract(e) { data += Array($0) }
            out[e.name] = data
        }
        return out
    }

    func testReadsStoredAndDeflatedEntries() throws {
        let home = try TempHome()
        var b = ZipBuilder()
        let big: [UInt8] = (0..<300_000).map { (i: Int) -> UInt8 in UInt8(truncatingIfNeeded: i * 7 + i / 13) }
        b.add("pkg/model.bin", big)
        b.add("pkg/README.md", Array("hello".utf8), deflate: false)
        b.add("pkg/empty", [])
        let z = try open(b.build(), in: home)
        XCTAssertEqual(z.entries.map(\.name), ["pkg/model.bin", "pkg/README.md", "pkg/empty"])
        let files = try extractAll(z)
        XCTAssertEqual(files["pkg/model.bin"], big)
        XCTAssertEqual(files["pkg/README.md"], Array("hello".utf8))
        XCTAssertEqual(files["pkg/empty"], [])
    }

    /// Hostile archives are rejected with a message saying what is wrong, before or while extracting.
    func testHostileArchivesAreRejected() throws {
        let home = try TempHome()
        var good = ZipBuilder()
        good.add("a.txt", Array(repeating: 65, count: 5000))
        let base = good.build()
        let cd = ZipBuilder.centralDirectory(base)

        var cases: [(String, [UInt8], ZipArchive.Limits, String)] = []
        for name in ["../x", "a/../../x", "/etc/passwd", "C:\\x", "a\\..\\x", "dir//x", "bad\u{1}name"] {
            var b = ZipBuilder(); b.add(name, [1, 2, 3])
            cases.append(("traversal \(name)", b.build(), .init(), "is unsafe"))
        }
        cases.append(("truncated end", Array(base.prefix(base.count - 10)), .init(), "no end-of-central-directory record"))
        cases.append(("empty file", [], .init(), "too short to be a zip file"))
        var truncatedData = base
        truncatedData.removeSubrange(40..<60)  // data shortened; directory offsets now point past it
        cases.append(("truncated data", truncatedData, .init(), "overlaps or passes the end record"))
        var badLocal = base
        ZipBuilder.patch32(&badLocal, at: cd + 42, 0x7FFF_0000)
        cases.append(("local header offset outside", badLocal, .init(), "outside the file data"))
        var badCD = base
        ZipBuilder.patch32(&badCD, at: base.count - 22 + 16, 0x7FFF_FFF0)
        cases.append(("central directory offset outside", badCD, .init(), "overlaps or passes the end record"))
        var huge = base
        ZipBuilder.patch32(&huge, at: cd + 24, 0x7FFF_FFFF)  // declares 2 GiB from a few bytes
        cases.append(("bomb: huge declared size", huge, .init(maxEntrySize: 1 << 30), "more than the limit"))
        cases.append(("bomb: impossible ratio", huge, .init(), "a zip bomb"))
        var twice = ZipBuilder(); twice.add("a", [1]); twice.add("a", [2])
        cases.append(("duplicate names", twice.build(), .init(), "appears twice"))
        var method = base
        method[cd + 10] = 12  // bzip2
        cases.append(("unsupported method", method, .init(), "compression method 12"))
        var encrypted = base
        encrypted[cd + 8] = 1
        cases.append(("encrypted", encrypted, .init(), "is encrypted"))

        for (label, bytes, limits, message) in cases {
            XCTAssertThrowsError(try extractAll(try open(bytes, limits: limits, in: home)), label) { error in
                XCTAssertTrue("\(error)".contains(message), "\(label): \(error)")
                XCTAssertTrue("\(error)".contains("not a usable zip archive"), "\(label): \(error)")
            }
        }
    }

    /// An entry whose declared size is smaller than what it inflates to is stopped at the declared size.
    func testLyingSizesAndCorruptDataAreCaughtWhileExtracting() throws {
        let home = try TempHome()
        var b = ZipBuilder()
        b.add("a.txt", Array(repeating: 65, count: 100_000))
        let base = b.build()
        let cd = ZipBuilder.centralDirectory(base)
        var lying = base
        ZipBuilder.patch32(&lying, at: cd + 24, 1000)
        var shortDeclared: [UInt8] = []
        XCTAssertThrowsError(try open(lying, in: home).extract(try XCTUnwrap(open(lying, in: home).entries.first)) { shortDeclared += Array($0) }) {
            XCTAssertTrue("\($0)".contains("inflates past its declared 1000 bytes (a zip bomb)"), "\($0)")
        }
        XCTAssertLessThanOrEqual(shortDeclared.count, 1 << 20)
        var badCRC = base
        ZipBuilder.patch32(&badCRC, at: cd + 16, 0x1234_5678)
        XCTAssertThrowsError(try extractAll(try open(badCRC, in: home))) { XCTAssertTrue("\($0)".contains("CRC-32"), "\($0)") }
        var garbage = base
        for i in 40..<60 { garbage[i] = 0xFF }
        XCTAssertThrowsError(try extractAll(try open(garbage, in: home))) { XCTAssertTrue("\($0)".contains("not a usable zip archive"), "\($0)") }
    }
}
