import Foundation
import XCTest

/// A minimal HTTP/1.1 client on POSIX sockets, so tests control every byte and every timing.
struct RawHTTP {
    struct Response {
        var status: Int
        var headers: [String: String]
        var body: [UInt8]
        var text: String { String(decoding: body, as: UTF8.self) }
        func json() throws -> [String: Any] {
            try XCTUnwrap(JSONSerialization.jsonObject(with: Data(body)) as? [String: Any], text)
        }
    }

    enum Failure: Error { case connect(Int32), closed, timeout }

    /// A connected socket to 127.0.0.1:port with a receive timeout.
    static func connect(_ port: UInt16, timeout: Double = 10) throws -> Int32 {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw Failure.connect(errno) }
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_port = port.bigEndian
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        let rc = withUnsafePointer(to: &addr) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { Foundation.connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) } }
        guard rc == 0 else { let e = errno; close(fd); throw Failure.connect(e) }
        var tv = timeval(tv_sec: Int(timeout), tv_usec: Int((timeout - Double(Int(timeout))) * 1e6))
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
        return fd
    }

    static func send(_ fd: Int32, _ bytes: [UInt8]) {
        var off = 0
        while off < bytes.count {
            let n = bytes[off...].withUnsafeBytes { Foundation.send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            if n <= 0 { return }
            off += n
        }
    }

    /// The request bytes.
    static func requestBytes(_ method: String, _ path: String, headers: [String: String] = [:], body: [UInt8] = []) -> [UInt8] {
        var head = "\(method) \(path) HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n"
        for (k, v) in headers { head += "\(k): \(v)\r\n" }
        if !body.isEmpty || method == "POST" { head += "Content-Length: \(body.count)\r\n" }
        head += "\r\n"
        return Array(head.utf8) + body
    }

    /// Sends one request (Connection: close) and reads the whole response.
    static func request(_ port: UInt16, _ method: String, _ path: String, key: String? = nil, headers: [String: String] = [:],
                        body: [UInt8] = [], timeout: Double = 10) throws -> Response {
        let fd = try connect(port, timeout: timeout)
        defer { close(fd) }
        var h = headers
        if let key { h["Authorization"] = "Bearer \(key)" }
        send(fd, requestBytes(method, path, headers: h, body: body))
        var data: [UInt8] = []
        var buf = [UInt8](repeating: 0, count: 65536)
        while true {
            let n = recv(fd, &buf, buf.count, 0)
            if n < 0 { if data.isEmpty { throw Failure.timeout } else { break } }
            if n == 0 { break }
            data.append(contentsOf: buf[0..<n])
        }
        return try parse(data)
    }

    static func request(_ port: UInt16, _ method: String, _ path: String, key: String? = nil, json: String) throws -> Response {
        try request(port, method, path, key: key, headers: ["Content-Type": "application/json"], body: Array(json.utf8))
    }

    /// Parses status line, headers, and a plain or chunked body.
    static func parse(_ data: [UInt8]) throws -> Response {
        guard let end = find(data, Array("\r\n\r\n".utf8)) else { throw Failure.closed }
        let head = String(decoding: data[0..<end], as: UTF8.self).components(separatedBy: "\r\n")
        let status = Int(head[0].split(separator: " ")[1]) ?? 0
        var headers: [String: String] = [:]
        for line in head.dropFirst() {
            if let c = line.firstIndex(of: ":") {
                headers[line[..<c].lowercased()] = line[line.index(after: c)...].trimmingCharacters(in: .whitespaces)
            }
        }
        var body = Array(data[(end + 4)...])
        if headers["transfer-encoding"]?.lowercased() == "chunked" { body = dechunk(body) }
        return Response(status: status, headers: headers, body: body)
    }

    static func dechunk(_ b: [UInt8]) -> [UInt8] {
        var out: [UInt8] = []
        var i = 0
        while i < b.count, let lineEnd = find(Array(b[i...]), Array("\r\n".utf8)) {
            let sizeText = String(decoding: b[i..<(i + lineEnd)], as: UTF8.self).split(separator: ";")[0]
            guard let size = Int(sizeText, radix: 16), size > 0 else { break }
            let start = i + lineEnd + 2
            guard start + size <= b.count else { out += b[start...]; break }
            out += b[start..<(start + size)]
            i = start + size + 2
        }
        return out
    }

    static func find(_ hay: [UInt8], _ needle: [UInt8]) -> Int? {
        guard hay.count >= needle.count else { return nil }
        for i in 0...(hay.count - needle.count) where hay[i] == needle[0] && Array(hay[i..<(i + needle.count)]) == needle { return i }
        return nil
    }
}
