import Foundation

/// The Owl home folder: `$OWL_HOME`, default `~/.owl`. Keys live in `owl.db`, the audit log in
/// `audit.db` with its head in `audit.head`.
struct OwlHome {
    let path: String

    init(_ environment: [String: String]) {
        path = environment["OWL_HOME"] ?? (NSHomeDirectory() + "/.owl")
    }

    /// Creates the folder when missing.
    func ensure() throws -> String {
        do { try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true) }
        catch { throw CLIError.failed("cannot create the Owl home folder \(path): \(error.localizedDescription); set OWL_HOME to a writable folder") }
        return path
    }

    var keysDatabase: String { path + "/owl.db" }
}
