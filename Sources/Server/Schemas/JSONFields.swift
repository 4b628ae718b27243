import Foundation
import Support

/// Typed, validating access to a JSON request object. Unknown fields are ignored; a field of the wrong
/// type is a 400 naming it; `null` counts as absent.
public struct JSONFields: Sendable {
    public let value: [String: JSONValue]
    /// The path of this object in the request, for messages (`messages[0]`); empty at the top.
    let path: String

    init(_ pairs: [(String, JSONValue)], path: String = "") {
        var v: [String: JSONValue] = [:]
        for (k, x) in pairs where v[k] == nil { v[k] = x }
        value = v
        self.path = path
    }

    /// Parses a request body: valid UTF-8, valid JSON, an object.
    public static func parse(_ body: [UInt8]) throws(APIError) -> JSONFields {
        guard !body.isEmpty else { throw .invalid("the request body is empty; send a JSON object") }
        guard String(validating: body, as: UTF8.self) != nil else {
            throw .invalid("the request body is not valid UTF-8", code: "invalid_utf8")
        }
        let any: Any
        do { any = try JSONSerialization.jsonObject(with: Data(body), options: [.fragmentsAllowed]) }
        catch { throw .invalid("the request body is not valid JSON", code: "invalid_json") }
        guard case .object(let pairs) = JSONValue(foundation: any) else {
            throw .invalid("the request body must be a JSON object", code: "invalid_json")
        }
        return JSONFields(pairs)
    }

    func name(_ key: String) -> String { path.isEmpty ? key : path + "." + key }

    func present(_ key: String) -> JSONValue? {
        guard let v = value[key], v != .null else { return nil }
        return v
    }

    func typeError(_ key: String, _ expected: String, _ got: JSONValue) -> APIError {
        .invalid("'\(name(key))' must be \(expected), got \(JSONFields.kind(got))", param: name(key))
    }

    static func kind(_ v: JSONValue) -> String {
        switch v {
        case .null: return "null"
        case .bool: return "a boolean"
        case .int, .double: return "a number"
        case .string: return "a string"
        case .array: return "an array"
        case .object: return "an object"
        }
    }

    /// Fails with 400 naming the first of `keys` that is in use: present and not null, `false`, `""`,
    /// `[]` or `{}` (clients such as Ollama's send empty `tools: []` on every request).
    func rejectUnsupported(_ keys: [String], why: String = "") throws(APIError) {
        for k in keys where JSONFields.inUse(present(k)) { throw .unsupported(name(k), why) }
    }

    static func inUse(_ v: JSONValue?) -> Bool {
        switch v {
        case nil, .null, .bool(false), .string(""), .array([]): return false
        case .object(let pairs): return !pairs.isEmpty
        default: return true
        }
    }

    func string(_ key: String) throws(APIError) -> String? {
        guard let v = present(key) else { return nil }
        guard case .string(let s) = v else { throw typeError(key, "a string", v) }
        return s
    }

    func requiredString(_ key: String) throws(APIError) -> String {
        guard let s = try string(key) else { throw .invalid("'\(name(key))' is required", param: name(key)) }
        guard !s.isEmpty else { throw .invalid("'\(name(key))' must not be empty", param: name(key)) }
        return s
    }

    func bool(_ key: String) throws(APIError) -> Bool? {
        guard let v = present(key) else { return nil }
        guard case .bool(let b) = v else { throw typeError(key, "a boolean", v) }
        return b
    }

    func int(_ key: String, _ range: ClosedRange<Int>) throws(APIError) -> Int? {
        guard let v = present(key) else { return nil }
        let n: Int
        switch v {
        case .int(let i): n = i
        case .double(let d) where d == d.rounded() && abs(d) < 9e15: n = Int(d)
        default: throw typeError(key, "an integer", v)
        }
        guard range.contains(n) else {
            throw .invalid("'\(name(key))' must be in \(range.lowerBound)...\(range.upperBound), got \(n)", param: name(key))
        }
        return n
    }

    func double(_ key: String, _ range: ClosedRange<Double>) throws(APIError) -> Double? {
        guard let v = present(key) else { return nil }
        let d: Double
        switch v {
        case .int(let i): d = Double(i)
        case .double(let x): d = x
        default: throw typeError(key, "a number", v)
        }
        guard range.contains(d) else {
            throw .invalid("'\(name(key))' must be in \(range.lowerBound)...\(range.upperBound), got \(d)", param: name(key))
        }
        return d
    }

    func object(_ key: String) throws(APIError) -> JSONFields? {
        guard let v = present(key) else { return nil }
        guard case .object(let pairs) = v else { throw typeError(key, "an object", v) }
        return JSONFields(pairs, path: name(key))
    }

    func array(_ key: String) throws(APIError) -> [JSONValue]? {
        guard let v = present(key) else { return nil }
        guard case .array(let a) = v else { throw typeError(key, "an array", v) }
        return a
    }

    /// A string or an array of strings (`stop`, `input`).
    func strings(_ key: String) throws(APIError) -> [String]? {
        guard let v = present(key) else { return nil }
        switch v {
        case .string(let s): return [s]
        case .array(let a):
            var out: [String] = []
            for (i, x) in a.enumerated() {
                guard case .string(let s) = x else {
                    throw .invalid("'\(name(key))[\(i)]' must be a string, got \(JSONFields.kind(x))", param: name(key))
                }
                out.append(s)
            }
            return out
        default: throw typeError(key, "a string or an array of strings", v)
        }
    }

    /// An element of an array as an object.
    static func element(_ v: JSONValue, _ path: String) throws(APIError) -> JSONFields {
        guard case .object(let pairs) = v else {
            throw .invalid("'\(path)' must be an object, got \(kind(v))", param: path)
        }
        return JSONFields(pairs, path: path)
    }
}
