/// Everything that can go wrong in the model store. Each message names the model or file and says what to do.
public enum StoreError: Error, CustomStringConvertible, Equatable {
    /// A name that is not a valid store name (it could reach outside the store).
    case invalidName(String)
    /// No model of that name is installed.
    case notInstalled(String)
    /// The manifest is missing fields or is not JSON.
    case badManifest(name: String, message: String)
    /// A file differs from what was recorded when the model arrived.
    case tampered(model: String, file: String, expected: String, actual: String)
    /// A file of the model is missing or is not a link into the blob store.
    case brokenLayout(model: String, file: String, message: String)
    /// A downloaded or extracted file does not have the expected hash.
    case hashMismatch(what: String, expected: String, actual: String)
    /// A zip archive is malformed, hostile or unsupported.
    case badArchive(path: String, message: String)
    /// A download failed; the `.partial` file is kept for resuming.
    case download(url: String, message: String)
    /// Fetching a wheel with pip failed.
    case fetch(package: String, message: String)
    /// An I/O operation failed.
    case io(path: String, message: String)
    /// The user asked for something the store does not do.
    case unsupported(String)

    public var description: String {
        switch self {
        case .invalidName(let n):
            return "invalid model name '\(n)': store names use lowercase letters, digits, '.', '_' and '-' (at most 128, no leading dot, no '..')"
        case .notInstalled(let n):
            return "model '\(n)' is not installed; `owl list` shows the installed models; `owl pull NAME|URL` or `owl import PATH` installs one"
        case .badManifest(let name, let message):
            return "model '\(name)': its manifest is unreadable (\(message)); remove it with `owl rm \(name)` and pull or import it again"
        case .tampered(let model, let file, let expected, let actual):
            return "model '\(model)': \(file) has changed since it was installed (sha256 \(actual), expected \(expected)); refusing to load it. Run `owl rm \(model)` and pull or import it again"
        case .brokenLayout(let model, let file, let message):
            return "model '\(model)': \(file) \(message); run `owl verify \(model)`, then `owl rm \(model)` and pull or import it again"
        case .hashMismatch(let what, let expected, let actual):
            return "\(what) has sha256 \(actual), expected \(expected); refusing it (the download is corrupt or not the file you meant)"
        case .badArchive(let path, let message):
            return "\(path): not a usable zip archive: \(message); fetch it again, and do not use archives from untrusted sources"
        case .download(let url, let message):
            return "download of \(url) failed: \(message)"
        case .fetch(let package, let message):
            return "cannot fetch \(package): \(message)"
        case .io(let path, let message):
            return "\(path): \(message)"
        case .unsupported(let message):
            return message
        }
    }
}
