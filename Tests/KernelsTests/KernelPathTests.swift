import Kernels
import XCTest

final class KernelPathTests: XCTestCase {
    func testConfiguredFromEnvironment() throws {
        XCTAssertEqual(try KernelPath.configured(environment: [:]), KernelPath.best)
        XCTAssertEqual(try KernelPath.configured(environment: ["OWL_KERNELS": ""]), KernelPath.best)
        XCTAssertEqual(try KernelPath.configured(environment: ["OWL_KERNELS": "scalar"]), .scalar)
        XCTAssertEqual(try KernelPath.configured(environment: ["OWL_KERNELS": "SCALAR"]), .scalar)
        for path in KernelPath.allCases {
            if path.isSupported {
                XCTAssertEqual(try KernelPath.configured(environment: ["OWL_KERNELS": path.name]), path)
            } else {
                XCTAssertThrowsError(try KernelPath.configured(environment: ["OWL_KERNELS": path.name])) {
                    XCTAssertEqual($0 as? KernelPathError, .unsupported(path, best: KernelPath.best))
                }
            }
        }
        XCTAssertThrowsError(try KernelPath.configured(environment: ["OWL_KERNELS": "neon"])) {
            XCTAssertEqual("\($0)", "OWL_KERNELS='neon' is not a kernel path; use one of: avx512, avx2, scalar (or unset it to pick the fastest)")
        }
    }

    func testErrorTextAndOrdering() {
        XCTAssertEqual("\(KernelPathError.unsupported(.avx512, best: .avx2))",
                       "OWL_KERNELS=avx512 needs CPU features this machine lacks (its best path is avx2); use OWL_KERNELS=avx2 or unset it")
        XCTAssertEqual(KernelPath.supported.first, .scalar)
        XCTAssertTrue(KernelPath.current.isSupported)
        XCTAssertTrue(KernelPath.supported.contains(KernelPath.best))
        // The machine this runs on says what it expects (CI sets OWL_EXPECT_KERNELS, e.g. under qemu).
        if let expected = ProcessInfo.processInfo.environment["OWL_EXPECT_KERNELS"] {
            XCTAssertEqual(KernelPath.best.name, expected)
        }
    }

    /// A forced path the CPU lacks is refused when a kernel is built for it.
    func testKernelForUnsupportedPathThrows() throws {
        for path in KernelPath.allCases where !path.isSupported {
            XCTAssertThrowsError(try DotKernel(weights: .q8_0, path: path))
        }
    }
}
