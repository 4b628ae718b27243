import AccessControl
import Foundation
import Synchronization
import TestSupport
import XCTest

final class AccessControlTests: XCTestCase {
    func testKeysAreHashedAuthenticatedAndRevoked() throws {
        let dir = try temporaryDirectory(self)
        let store = try KeyStore(path: dir + "/owl.db")
        let secret = try store.create(name: "a", models: ["m1"], requestsPerMinute: 5, tokensPerMinute: nil, isAdmin: false)
        XCTAssertTrue(secret.hasPrefix("owl_"))
        XCTAssertEqual(secret.count, 68)
        let listed = try XCTUnwrap(store.list().first)
        XCTAssertEqual(listed.hash, APIKey.hash(secret: secret))
        XCTAssertEqual(listed.models, ["m1"])
        XCTAssertEqual(store.authenticate(secret: secret)?.name, "a")
        XCTAssertNil(store.authenticate(secret: secret + "x"))
        XCTAssertNil(store.authenticate(secret: ""))
        XCTAssertThrowsError(try store.create(name: "a", models: nil, requestsPerMinute: nil, tokensPerMinute: nil, isAdmin: false)) {
            XCTAssertEqual($0 as? AccessError, .duplicateName("a"))
        }
        XCTAssertThrowsError(try store.create(name: "bad name", models: nil, requestsPerMinute: nil, tokensPerMinute: nil, isAdmin: false)) {
            XCTAssertEqual("\($0)", "invalid key name 'bad name': use 1-64 letters, digits, '-', '_' or '.'")
        }
        try store.revoke(name: "a")
        XCTAssertNil(store.authenticate(secret: secret))
        XCTAssertFalse(store.hasActiveKeys)
        // A revoked name can be used again, with a new secret.
        let again = try store.create(name: "a", models: nil, requestsPerMinute: nil, tokensPerMinute: nil, isAdmin: true)
        XCTAssertNotEqual(again, secret)
        XCTAssertEqual(store.authenticate(secret: again)?.isAdmin, true)
    }

    func testConstantTimeEqual() {
        XCTAssertTrue(APIKey.constantTimeEqual("abc", "abc"))
        XCTAssertFalse(APIKey.constantTimeEqual("abc", "abd"))
        XCTAssertFalse(APIKey.constantTimeEqual("abc", "abcd"))
    }

    func testRateLimiterBuckets() {
        let now = Mutex(0.0)
        let limiter = RateLimiter { now.withLock { $0 } }
        let key = APIKey(name: "k", hash: "", models: nil, requestsPerMinute: 3, tokensPerMinute: 100, isAdmin: false, createdAt: 0)
        XCTAssertNil(limiter.admit(key))
        XCTAssertNil(limiter.admit(key))
        XCTAssertNil(limiter.admit(key))
        XCTAssertEqual(limiter.admit(key), 20, "one request refills in 60/3 s")
        now.withLock { $0 = 10 }
        XCTAssertEqual(limiter.admit(key), 10)
        now.withLock { $0 = 20 }
        XCTAssertNil(limiter.admit(key))
        // Tokens: 250 used of 100/min → 151 tokens of debt before the bucket is positive again.
        limiter.charge(key, tokens: 250)
        now.withLock { $0 = 100 }
        // At t=20 the bucket is 100 - 250 = -150; by t=100 it has refilled 80 s × 100/60 to -16.7, and
        // reaching 1 takes 17.7 tokens × 60/100 s = 10.6 s → 11.
        XCTAssertEqual(limiter.admit(key), 11)
    }
}
