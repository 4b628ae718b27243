import AccessControl
import Foundation
import Server
import XCTest

/// Keys, model visibility, admin routes, rate limits, against the real server.
final class ServerAuthTests: XCTestCase {
    func testHealthNeedsNoKeyAndOtherRoutesDo() throws {
        let f = try ServerFixture(self)
        let health = try RawHTTP.request(f.port, "GET", "/health")
        XCTAssertEqual(health.status, 200)
        XCTAssertEqual(try health.json()["status"] as? String, "ok")
        XCTAssertEqual(try health.json()["backend"] as? String, "ready")

        let cases: [(String?, Int, String)] = [
            (nil, 401, "missing_api_key"),
            ("owl_" + String(repeating: "0", count: 64), 401, "invalid_api_key"),
            ("", 401, "missing_api_key"),
        ]
        for (key, status, code) in cases {
            let r = try RawHTTP.request(f.port, "GET", "/v1/models", headers: key.map { ["Authorization": "Bearer \($0)"] } ?? [:])
            XCTAssertEqual(r.status, status, "key \(key ?? "nil")")
            XCTAssertEqual((try r.json()["error"] as? [String: Any])?["code"] as? String, code)
            XCTAssertEqual((try r.json()["error"] as? [String: Any])?["type"] as? String, "authentication_error")
        }
        let ok = try RawHTTP.request(f.port, "GET", "/v1/models", key: f.userKey)
        XCTAssertEqual(ok.status, 200)
        XCTAssertEqual((try ok.json()["data"] as? [[String: Any]])?.map { $0["id"] as? String }, ["tiny-chat", "other-model", "tiny-embed"])
    }

    func testRevokedKeyIsRefused() throws {
        let f = try ServerFixture(self)
        let key = try f.keys.create(name: "temp", models: nil, requestsPerMinute: nil, tokensPerMinute: nil, isAdmin: false)
        XCTAssertEqual(try RawHTTP.request(f.port, "GET", "/v1/models", key: key).status, 200)
        try f.keys.revoke(name: "temp")
        let r = try RawHTTP.request(f.port, "GET", "/v1/models", key: key)
        XCTAssertEqual(r.status, 401)
        XCTAssertEqual((try r.json()["error"] as? [String: Any])?["message"] as? String, "invalid API key")
    }

    func testRevocationByAnotherProcessIsSeenWithinASecond() throws {
        let f = try ServerFixture(self)
        let key = try f.keys.create(name: "elsewhere", models: nil, requestsPerMinute: nil, tokensPerMinute: nil, isAdmin: false)
        XCTAssertEqual(try RawHTTP.request(f.port, "GET", "/v1/models", key: key).status, 200)
        // A second connection to the same database, as `owl keys revoke` in another process would be.
        try KeyStore(path: f.dir + "/owl.db").revoke(name: "elsewhere")
        XCTAssertTrue(ServerFixture.wait(3) { (try? RawHTTP.request(f.port, "GET", "/v1/models", key: key).status) == 401 })
    }

    func testKeyRestrictedToModelsSeesOnlyThem() throws {
        let f = try ServerFixture(self)
        let key = try f.keys.create(name: "narrow", models: ["tiny-chat"], requestsPerMinute: nil, tokensPerMinute: nil, isAdmin: false)
        let list = try RawHTTP.request(f.port, "GET", "/v1/models", key: key)
        XCTAssertEqual((try list.json()["data"] as? [[String: Any]])?.map { $0["id"] as? String }, ["tiny-chat"])
        let tags = try RawHTTP.request(f.port, "GET", "/api/tags", key: key)
        XCTAssertEqual((try tags.json()["models"] as? [[String: Any]])?.count, 1)

        let other = try RawHTTP.request(f.port, "POST", "/v1/chat/completions", key: key,
                                        json: #"{"model":"other-model","messages":[{"role":"user","content":"hi"}]}"#)
        XCTAssertEqual(other.status, 404)
        let err = try XCTUnwrap(try other.json()["error"] as? [String: Any])
        XCTAssertEqual(err["code"] as? String, "model_not_found")
        XCTAssertEqual(err["message"] as? String, "model 'other-model' not found; GET /v1/models lists the models you can use")
        // Exactly what an absent model answers.
        let absent = try RawHTTP.request(f.port, "POST", "/v1/chat/completions", key: key,
                                         json: #"{"model":"no-such","messages":[{"role":"user","content":"hi"}]}"#)
        XCTAssertEqual(absent.status, 404)
        XCTAssertEqual(try RawHTTP.request(f.port, "GET", "/v1/models/other-model", key: key).status, 404)
        XCTAssertEqual(try RawHTTP.request(f.port, "GET", "/v1/models/tiny-chat", key: key).status, 200)
        let allowed = try RawHTTP.request(f.port, "POST", "/v1/chat/completions", key: key,
                                          json: #"{"model":"tiny-chat","messages":[{"role":"user","content":"hi"}]}"#)
        XCTAssertEqual(allowed.status, 200)
    }

    func testAdminRoutesNeedAdminKey() throws {
        let f = try ServerFixture(self)
        for (method, path) in [("GET", "/metrics"), ("GET", "/api/ps"), ("GET", "/admin/keys"), ("DELETE", "/admin/keys/user")] {
            let r = try RawHTTP.request(f.port, method, path, key: f.userKey)
            XCTAssertEqual(r.status, 403, path)
            XCTAssertTrue(r.text.contains("needs an admin key (create one with `owl keys create --name NAME --admin`)"), r.text)
            XCTAssertEqual(try RawHTTP.request(f.port, method == "DELETE" ? "GET" : method, method == "DELETE" ? "/admin/keys" : path,
                                               key: f.adminKey).status, 200, path)
        }
    }

    func testKeyManagementOverHTTP() throws {
        let f = try ServerFixture(self)
        let created = try RawHTTP.request(f.port, "POST", "/admin/keys", key: f.adminKey, json: #"{"name":"web","models":["tiny-chat"],"rpm":5}"#)
        XCTAssertEqual(created.status, 201)
        let secret = try XCTUnwrap(try created.json()["key"] as? String)
        XCTAssertTrue(secret.hasPrefix("owl_") && secret.count == 68)
        XCTAssertEqual(try RawHTTP.request(f.port, "GET", "/v1/models", key: secret).status, 200)
        let list = try RawHTTP.request(f.port, "GET", "/admin/keys", key: f.adminKey)
        XCTAssertFalse(list.text.contains(secret))
        XCTAssertFalse(list.text.contains(APIKey.hash(secret: secret)), "hashes are not listed")
        XCTAssertEqual(try RawHTTP.request(f.port, "DELETE", "/admin/keys/web", key: f.adminKey).status, 200)
        XCTAssertEqual(try RawHTTP.request(f.port, "GET", "/v1/models", key: secret).status, 401)
        XCTAssertEqual(try RawHTTP.request(f.port, "DELETE", "/admin/keys/web", key: f.adminKey).status, 404)
        // Neither the secret nor its hash reaches the audit log.
        for r in try f.records() { XCTAssertFalse(r.jsonLine.contains(secret)) }
    }

    func testRequestsPerMinuteLimit() throws {
        let f = try ServerFixture(self)
        let key = try f.keys.create(name: "slow", models: nil, requestsPerMinute: 2, tokensPerMinute: nil, isAdmin: false)
        XCTAssertEqual(try RawHTTP.request(f.port, "GET", "/v1/models", key: key).status, 200)
        XCTAssertEqual(try RawHTTP.request(f.port, "GET", "/v1/models", key: key).status, 200)
        let limited = try RawHTTP.request(f.port, "GET", "/v1/models", key: key)
        XCTAssertEqual(limited.status, 429)
        let retry = try XCTUnwrap(Int(limited.headers["retry-after"] ?? ""))
        XCTAssertTrue((1...30).contains(retry), "Retry-After \(retry)")
        XCTAssertEqual((try limited.json()["error"] as? [String: Any])?["type"] as? String, "rate_limit_error")
        // Other keys are not affected.
        XCTAssertEqual(try RawHTTP.request(f.port, "GET", "/v1/models", key: f.userKey).status, 200)
    }

    func testTokensPerMinuteLimit() throws {
        let f = try ServerFixture(self)
        let key = try f.keys.create(name: "tok", models: nil, requestsPerMinute: nil, tokensPerMinute: 6, isAdmin: false)
        let body = #"{"model":"tiny-chat","messages":[{"role":"user","content":"hi"}]}"#
        // 3 prompt + 5 completion tokens: the bucket of 6 goes to -2.
        XCTAssertEqual(try RawHTTP.request(f.port, "POST", "/v1/chat/completions", key: key, json: body).status, 200)
        let limited = try RawHTTP.request(f.port, "POST", "/v1/chat/completions", key: key, json: body)
        XCTAssertEqual(limited.status, 429)
        // (1 - (-2)) tokens at 6 per minute = 30 s.
        XCTAssertEqual(limited.headers["retry-after"], "30")
    }

    func testNoAuthModeServesWithoutKey() throws {
        let f = try ServerFixture(self, requireKeys: false)
        XCTAssertEqual(try RawHTTP.request(f.port, "GET", "/v1/models").status, 200)
        XCTAssertEqual(try RawHTTP.request(f.port, "GET", "/metrics").status, 200)
    }
}
