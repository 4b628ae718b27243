import AuditLog
import XCTest

final class RedactorTests: XCTestCase {
    func testCases() {
        let r = Redactor()
        let cases: [(String, String)] = [
            ("write to alice.smith+tag@mail.example.co.uk now", "write to [EMAIL] now"),
            ("card 4111 1111 1111 1111 ok", "card [CARD] ok"),
            ("card 4111-1111-1111-1111", "card [CARD]"),
            ("number 4111 1111 1111 1112 fails Luhn", "number 4111 1111 1111 1112 fails Luhn"),
            ("call +1 (555) 123-4567 today", "call [PHONE] today"),
            ("call 030 1234 5678", "call [PHONE]"),
            ("key sk-proj-abcdefghijklmnop1234 leaked", "key [SECRET] leaked"),
            ("owl_" + String(repeating: "ab", count: 32), "[SECRET]"),
            ("ghp_" + String(repeating: "x", count: 36), "[SECRET]"),
            ("AKIAABCDEFGHIJKLMNOP", "[SECRET]"),
            ("Authorization: Bearer abcdefghijklmnopqrstuvwxyz", "Authorization: [SECRET]"),
            ("the year 2026 and 42 apples", "the year 2026 and 42 apples"),
            ("version 1.2.3", "version 1.2.3"),
        ]
        for (input, expected) in cases { XCTAssertEqual(r.redact(input), expected, input) }
    }

    func testCategoriesCanBeChosen() {
        let onlyEmail = Redactor.parse("email")
        XCTAssertEqual(onlyEmail?.redact("a@b.io 4111 1111 1111 1111"), "[EMAIL] 4111 1111 1111 1111")
        XCTAssertEqual(Redactor.parse("none")?.redact("a@b.io"), "a@b.io")
        XCTAssertNil(Redactor.parse("email,ssn"))
    }

    func testLuhn() {
        XCTAssertTrue(Redactor.luhn([4, 5, 3, 9, 1, 4, 8, 8, 0, 3, 4, 3, 6, 4, 6, 7]))
        XCTAssertFalse(Redactor.luhn([4, 5, 3, 9, 1, 4, 8, 8, 0, 3, 4, 3, 6, 4, 6, 8]))
    }
}
