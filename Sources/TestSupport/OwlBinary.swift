import Foundation
import XCTest

/// The result of running the built `owl` binary.
public struct OwlRun {
    public let status: Int32
    public let stdout: String
    public let stderr: String
}

/// Runs the `owl` executable built next to the test bundle, with `OWL_HOME` set as given.
public func runOwl(_ args: [String], home: String? = nil, stdin: Data? = nil, file: StaticString = #filePath, line: UInt = #line) throws -> OwlRun {
    // The test runner (…/debug/OwlPackageTests.xctest) sits beside the products; OWL_BINARY overrides.
    let env0 = ProcessInfo.processInfo.environment
    let products = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath().deletingLastPathComponent()
    let binary = env0["OWL_BINARY"].map { URL(fileURLWithPath: $0) } ?? products.appendingPathComponent("owl")
    guard FileManager.default.isExecutableFile(atPath: binary.path) else {
        throw XCTSkip("owl binary not found at \(binary.path); build it with `swift build`")
    }
    let p = Process()
    p.executableURL = binary
    p.arguments = args
    var env = ProcessInfo.processInfo.environment
    if let home { env["OWL_HOME"] = home }
    p.environment = env
    let out = Pipe(), err = Pipe(), inp = Pipe()
    p.standardOutput = out
    p.standardError = err
    p.standardInput = inp
    try p.run()
    if let stdin { inp.fileHandleForWriting.write(stdin) }
    try inp.fileHandleForWriting.close()
    // Read both pipes concurrently so a chatty child cannot block on a full pipe.
    nonisolated(unsafe) var errData = Data()
    let group = DispatchGroup()
    group.enter()
    DispatchQueue.global().async { errData = err.fileHandleForReading.readDataToEndOfFile(); group.leave() }
    let outData = out.fileHandleForReading.readDataToEndOfFile()
    group.wait()
    p.waitUntilExit()
    return OwlRun(status: p.terminationStatus, stdout: String(decoding: outData, as: UTF8.self), stderr: String(decoding: errData, as: UTF8.self))
}
