import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// Downloads a URL into a `.partial` file with HTTP Range resume: a partial file left by an interrupted
/// download is continued from its length when the server answers 206, restarted when it answers 200.
public struct HTTPDownloader: Sendable {
    /// Attempts per download; each continues where the previous one stopped.
    public var attempts: Int
    /// Seconds without data before an attempt is given up.
    public var idleTimeout: TimeInterval

    public init(attempts: Int = 3, idleTimeout: TimeInterval = 60) {
        self.attempts = max(1, attempts)
        self.idleTimeout = idleTimeout
    }

    /// Downloads `url` to `partial` (appending when it exists). Returns the final size.
    /// - Throws: `StoreError.download`; the partial file is kept so the next call resumes.
    public func download(_ url: URL, to partial: String, progress: ((Int64, Int64) -> Void)? = nil) throws -> Int64 {
        var lastError = "no attempt made"
        for attempt in 1...attempts {
            do {
                return try once(url, partial: partial, progress: progress)
            } catch let e as StoreError {
                lastError = "\(e)"
                if case .download(_, let m) = e, m.hasPrefix("HTTP ") { throw e }  // a server refusal will not change on retry
                if attempt < attempts { Thread.sleep(forTimeInterval: min(2, 0.2 * Double(attempt))) }
            }
        }
        let have = (try? FileManager.default.attributesOfItem(atPath: partial)[.size] as? Int64) ?? 0
        throw StoreError.download(url: url.absoluteString, message: "\(lastError); \(have) bytes are kept in \(partial) and the next pull resumes from there")
    }

    func once(_ url: URL, partial: String, progress: ((Int64, Int64) -> Void)?) throws -> Int64 {
        let fm = FileManager.default
        if !fm.fileExists(atPath: partial) { _ = fm.createFile(atPath: partial, contents: nil) }
        guard let handle = FileHandle(forUpdatingAtPath: partial) else {
            throw StoreError.io(path: partial, message: "cannot open the partial download")
        }
        defer { try? handle.close() }
        let have = Int64((try? handle.seekToEnd()) ?? 0)
        var request = URLRequest(url: url, cachePolicy: .reloadIgnoringLocalCacheData, timeoutInterval: idleTimeout)
        if have > 0 { request.setValue("bytes=\(have)-", forHTTPHeaderField: "Range") }
        request.setValue("identity", forHTTPHeaderField: "Accept-Encoding")
        let delegate = DownloadDelegate(handle: handle, offset: have, url: url.absoluteString, progress: progress)
        let config = URLSessionConfiguration.ephemeral
        config.timeoutIntervalForRequest = idleTimeout
        let session = URLSession(configuration: config, delegate: delegate, delegateQueue: nil)
        defer { session.finishTasksAndInvalidate() }
        session.dataTask(with: request).resume()
        delegate.done.wait()
        return try delegate.result()
    }
}

/// Receives one response: checks status and Content-Range, writes data as it arrives.
final class DownloadDelegate: NSObject, URLSessionDataDelegate, @unchecked Sendable {
    let done = DispatchSemaphore(value: 0)
    private let lock = NSLock()
    private let handle: FileHandle
    private let url: String
    private let progress: ((Int64, Int64) -> Void)?
    private var offset: Int64
    private var written: Int64 = 0
    private var total: Int64 = -1
    private var failure: StoreError?

    init(handle: FileHandle, offset: Int64, url: String, progress: ((Int64, Int64) -> Void)?) {
        self.handle = handle; self.offset = offset; self.url = url; self.progress = progress
    }

    func result() throws -> Int64 {
        lock.lock(); defer { lock.unlock() }
        if let failure { throw failure }
        let size = offset + written
        if total >= 0 && size != total {
            throw StoreError.download(url: url, message: "the connection closed after \(size) of \(total) bytes")
        }
        return size
    }

    func urlSession(_ session: URLSession, dataTask: URLSessionDataTask, didReceive response: URLResponse,
                    completionHandler: @escaping (URLSession.ResponseDisposition) -> Void) {
        lock.lock(); defer { lock.unlock() }
        guard let http = response as? HTTPURLResponse else {
            failure = .download(url: url, message: "not an HTTP response"); completionHandler(.cancel); return
        }
        let length = response.expectedContentLength
        switch http.statusCode {
        case 206:
            // Content-Range: bytes START-END/TOTAL must start where the partial file ends.
            let range = http.value(forHTTPHeaderField: "Content-Range") ?? ""
            let parts = range.replacingOccurrences(of: "bytes ", with: "").split(whereSeparator: { $0 == "-" || $0 == "/" })
            guard parts.count == 3, let start = Int64(parts[0]), start == offset else {
                failure = .download(url: url, message: "the server resumed at the wrong place (Content-Range '\(range)', have \(offset) bytes)")
                completionHandler(.cancel); return
            }
            total = Int64(parts[2]) ?? (length >= 0 ? offset + length : -1)
        case 200:
            if offset > 0 {  // the server ignored Range: start over
                do { try handle.truncate(atOffset: 0) } catch {
                    failure = .io(path: url, message: "cannot restart the partial download"); completionHandler(.cancel); return
                }
                offset = 0
            }
            total = length >= 0 ? length : -1
        case 416 where offset > 0:
            // Nothing left to send: the partial file is already complete (the hash check decides).
            total = offset
        default:
            failure = .download(url: url, message: "HTTP \(http.statusCode) from the server; check the URL")
            completionHandler(.cancel); return
        }
        completionHandler(.allow)
    }

    func urlSession(_ session: URLSession, dataTask: URLSessionDataTask, didReceive data: Data) {
        lock.lock(); defer { lock.unlock() }
        guard failure == nil, total != offset || written == 0 else { return }
        do {
            try handle.write(contentsOf: data)
            written += Int64(data.count)
            progress?(offset + written, total)
        } catch {
            failure = .io(path: url, message: "cannot write the download: \(error.localizedDescription)")
            dataTask.cancel()
        }
    }

    func urlSession(_ session: URLSession, task: URLSessionTask, didCompleteWithError error: Error?) {
        lock.lock()
        if let error, failure == nil {
            failure = .download(url: url, message: "\(error.localizedDescription) after \(offset + written) bytes")
        }
        lock.unlock()
        done.signal()
    }
}
