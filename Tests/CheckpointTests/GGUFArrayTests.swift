import Checkpoint
import Foundation
import TestSupport
import XCTest

/// Metadata arrays are packed views of the file; they must read back exactly what was written.
final class GGUFArrayTests: XCTestCase {
    /// One array of every element type, with edge values.
    static let arrays: [(String, GGUFValue)] = [
        ("a.u8", .array(.uint8, [.uint8(0), .uint8(255)])),
        ("a.i8", .array(.int8, [.int8(-128), .int8(127)])),
        ("a.u16", .array(.uint16, [.uint16(0), .uint16(65535)])),
        ("a.i16", .array(.int16, [.int16(-32768), .int16(7)])),
        ("a.u32", .array(.uint32, [.uint32(4_000_000_000)])),
        ("a.i32", .array(.int32, [.int32(-1), .int32(2), .int32(Int32.min)])),
        ("a.u64", .array(.uint64, [.uint64(UInt64.max), .uint64(3)])),
        ("a.i64", .array(.int64, [.int64(Int64.min), .int64(-5)])),
        ("a.f32", .array(.float32, [.float32(-0.5), .float32(1e-30), .float32(.infinity)])),
        ("a.f64", .array(.float64, [.float64(2.5), .float64(-1e300)])),
        ("a.bool", .array(.bool, [.bool(true), .bool(false), .bool(true)])),
        ("a.str", .array(.string, [.string("x"), .string(""), .string("▁the"), .string(String(repeating: "long ", count: 20))])),
        ("a.empty", .array(.float32, [])),
        ("a.nested", .array(.array, [.array(.string, [.string("in")]), .array(.bool, [])])),
    ]

    func open(_ w: GGUFWriter) throws -> GGUFFile {
        let path = try temporaryDirectory(self) + "/a.gguf"
        try w.write(to: path)
        return try GGUFFile(path: path)
    }

    func testEveryElementTypeRoundTrips() throws {
        var w = GGUFWriter()
        for (k, v) in Self.arrays { w.set(k, v) }
        let f = try open(w)
        for (k, v) in Self.arrays {
            guard let got = f.metadata[k]?.array, let want = v.array else { XCTFail(k); continue }
            XCTAssertEqual(got, want, k)
            XCTAssertEqual(got.elementType, want.elementType, k)
            XCTAssertEqual(Array(got), Array(want), k)
            XCTAssertEqual(f.metadata[k]?.summary(), v.summary(), k)
        }
        XCTAssertEqual(f.metadata["a.str"]?.stringArray, ["x", "", "▁the", String(repeating: "long ", count: 20)])
        XCTAssertEqual(f.metadata["a.i32"]?.intArray, [-1, 2, Int(Int32.min)])
        XCTAssertEqual(f.metadata["a.f32"]?.floatArray, [-0.5, 1e-30, .infinity])
        XCTAssertEqual(f.metadata["a.u64"]?.intArray, [3], "values beyond Int are skipped")
        XCTAssertEqual(f.metadata["a.bool"]?.array?.map(\.bool), [true, false, true])
        XCTAssertEqual(f.metadata["a.str"]?.array?.isStringTable, true)
        XCTAssertEqual(Array(f.metadata["a.str"]?.array?.utf8(at: 2) ?? UnsafeRawBufferPointer(start: nil, count: 0)), Array("▁the".utf8))
        // Writing what was read gives the same bytes.
        var again = GGUFWriter()
        for (k, v) in f.metadata.entries { again.set(k, v) }
        XCTAssertEqual(again.encoded(), w.encoded())
    }

    func testViewOutlivesTheFileObject() throws {
        var w = GGUFWriter()
        w.set("s", .array(.string, (0..<1000).map { .string("token \($0)") }))
        var array: GGUFArray?
        do { array = try open(w).metadata["s"]?.array }
        XCTAssertEqual(array?.string(at: 999), "token 999")
        XCTAssertEqual(array?.count, 1000)
    }

    func testInvalidUTF8IsRepairedAsForSingleStrings() throws {
        // Build by hand: a string array whose second element is not UTF-8.
        var w = GGUFWriter()
        w.set("k", .array(.string, [.string("ok"), .string("AB"), .string("é")]))
        var bytes = w.encoded()
        let ab = Array("AB".utf8)
        guard let at = (0..<bytes.count - 1).first(where: { bytes[$0] == ab[0] && bytes[$0 + 1] == ab[1] }) else { return XCTFail() }
        bytes[at + 1] = 0xFF
        let path = try temporaryDirectory(self) + "/bad.gguf"
        FileManager.default.createFile(atPath: path, contents: Data(bytes))
        let f = try GGUFFile(path: path)
        XCTAssertEqual(f.metadata["k"]?.stringArray, ["ok", "A\u{FFFD}", "é"])
        XCTAssertEqual(f.metadata["k"]?.array?.isStringTable, true)
        XCTAssertEqual(Array(f.metadata["k"]?.array?.utf8(at: 1) ?? UnsafeRawBufferPointer(start: nil, count: 0)), Array("A\u{FFFD}".utf8))
    }

    func testMixedValuesKeepTheirOwnTypes() {
        let mixed = GGUFValue.array(.int32, [.int32(1), .string("two")])
        XCTAssertEqual(mixed.array?.count, 2)
        XCTAssertEqual(mixed.intArray, [1])
        XCTAssertEqual(mixed.stringArray, ["two"])
        XCTAssertEqual(mixed.array?.isStringTable, false)
    }

    func testEqualityComparesValues() {
        XCTAssertEqual(GGUFValue.array(.int32, [.int32(1), .int32(2)]), .array(.int32, [.int32(1), .int32(2)]))
        XCTAssertNotEqual(GGUFValue.array(.int32, [.int32(1), .int32(2)]), .array(.int32, [.int32(1), .int32(3)]))
        XCTAssertNotEqual(GGUFValue.array(.int32, [.int32(1)]), .array(.uint32, [.uint32(1)]))
        XCTAssertNotEqual(GGUFValue.array(.string, [.string("a")]), .array(.string, [.string("a"), .string("")]))
        XCTAssertNotEqual(GGUFValue.array(.float32, [.float32(.nan)]), .array(.float32, [.float32(.nan)]), "NaN != NaN, as for scalars")
    }

    func testBadElementsAreRejected() throws {
        func header(_ type: UInt32, _ count: UInt64) -> [UInt8] {
            var b: [UInt8] = []
            func le<T: FixedWidthInteger>(_ v: T) { withUnsafeBytes(of: v.littleEndian) { b.append(contentsOf: $0) } }
            le(GGUFFile.magic); le(UInt32(3)); le(UInt64(0)); le(UInt64(1))
            le(UInt64(1)); b.append(0x6B); le(UInt32(9)); le(type); le(count)
            return b
        }
        let suffix = "; the file is corrupt or truncated, fetch it again"
        let cases: [(String, [UInt8], String)] = [
            ("bool 2", header(7, 3) + [1, 0, 2], "metadata 'k' is a bool with value 2 (at byte 52)"),
            ("string past end", header(8, 2) + [1, 0, 0, 0, 0, 0, 0, 0, 0x61] + [9, 0, 0, 0, 0, 0, 0, 0, 0x61],
             "value of 'k' claims 9 bytes but only 1 remain (at byte 66)"),
            ("truncated length", header(8, 2) + [1, 0, 0, 0, 0, 0, 0, 0, 0x61] + [0, 0, 0, 0, 0, 0, 0],
             "length of value of 'k' needs 8 bytes but only 7 remain (at byte 58)"),
            ("last string cut", header(8, 1) + [1, 0, 0, 0, 0, 0, 0, 0],
             "value of 'k' claims 1 bytes but only 0 remain (at byte 57)"),
            ("huge count", header(4, 1 << 61) + [0, 0, 0, 0],
             "metadata array 'k' claims 2305843009213693952 elements but only 4 bytes remain (at byte 49)"),
            ("huge string count", header(8, 3) + [UInt8](repeating: 0, count: 16),
             "metadata array 'k' claims 3 elements but only 16 bytes remain (at byte 49)"),
        ]
        let dir = try temporaryDirectory(self)
        for (label, bytes, expected) in cases {
            FileManager.default.createFile(atPath: dir + "/x.gguf", contents: Data(bytes))
            XCTAssertThrowsError(try GGUFFile(path: dir + "/x.gguf"), label) {
                XCTAssertEqual("\($0)", "\(dir)/x.gguf: not a valid checkpoint: " + expected + suffix, label)
            }
        }
    }

    func testUTF8ValidationAgreesWithStringDecoding() {
        var rng = SplitMix64(seed: 11)
        let pool: [UInt8] = [0x00, 0x41, 0x7F, 0x80, 0x8F, 0x90, 0x9F, 0xA0, 0xBF, 0xC0, 0xC1, 0xC2, 0xDF, 0xE0, 0xE1, 0xEC,
                             0xED, 0xEE, 0xEF, 0xF0, 0xF1, 0xF3, 0xF4, 0xF5, 0xFF]
        var valid = 0
        for n in 0..<20_000 {
            let length = n % 7
            let bytes = (0..<length).map { _ in pool[Int(rng.next() % UInt64(pool.count))] }
            let expected = String(validating: bytes, as: UTF8.self) != nil
            XCTAssertEqual(bytes.withUnsafeBytes { UTF8Validation.isValid($0) }, expected, "\(bytes)")
            if expected { valid += 1 }
        }
        XCTAssertGreaterThan(valid, 1000)
    }
}
