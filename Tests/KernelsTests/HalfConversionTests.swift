import Kernels
import TestSupport
import XCTest

/// F32 → F16 for the KV cache: `floatToHalfBits` (the scalar routine) against hand-checked bit patterns and
/// compiler-rt's `Float16(x)`, and `Elementwise.toHalf` on every path bit for bit against it.
final class HalfConversionTests: XCTestCase {
    /// Inputs and their half bits (round to nearest even; checked with numpy's float32 → float16).
    static let table: [(Float, UInt16, String)] = [
        (0, 0x0000, "+0"), (-0.0, 0x8000, "−0"), (1, 0x3C00, "1"), (-2, 0xC000, "−2"),
        (1.0 / 3, 0x3555, "1/3"), (0.1, 0x2E66, "0.1"), (-123.456, 0xD7B7, "−123.456"),
        (1 + 0x1p-11, 0x3C00, "tie to even, down"), (1 + 3 * 0x1p-11, 0x3C02, "tie to even, up"),
        (65504, 0x7BFF, "largest half"), (65519, 0x7BFF, "just below the overflow threshold"),
        (65520, 0x7C00, "overflow threshold (tie) → inf"), (1e10, 0x7C00, "large → inf"),
        (-.greatestFiniteMagnitude, 0xFC00, "−max float → −inf"),
        (.infinity, 0x7C00, "inf"), (-.infinity, 0xFC00, "−inf"),
        (0x1p-14, 0x0400, "smallest normal half"), (0x1p-14 - 0x1p-25, 0x0400, "subnormal rounding up to normal (tie)"),
        (0x1p-24, 0x0001, "smallest subnormal half"), (0x1p-25, 0x0000, "half the smallest subnormal (tie) → 0"),
        (Float(0x1p-25).nextUp, 0x0001, "just above 2⁻²⁵"), (1.5 * 0x1p-24, 0x0002, "subnormal tie up"),
        (2.5 * 0x1p-24, 0x0002, "subnormal tie down"), (3.5 * 0x1p-24, 0x0004, "3.5 units"),
        (-0x1p-20, 0x8010, "negative subnormal"), (.leastNonzeroMagnitude, 0x0000, "F32 subnormal → 0"),
        (-.leastNormalMagnitude, 0x8000, "−smallest F32 normal → −0"),
        (Float(bitPattern: 0x7FC0_0000), 0x7E00, "quiet NaN"),
        (Float(bitPattern: 0x7F80_0001), 0x7E00, "signaling NaN, low payload: made quiet"),
        (Float(bitPattern: 0x7FA0_0001), 0x7F00, "signaling NaN, top payload bits kept"),
        (Float(bitPattern: 0xFFC1_2345), 0xFE09, "negative NaN with payload"),
    ]

    func testScalarConversionTable() {
        for (x, want, name) in Self.table {
            XCTAssertEqual(floatToHalfBits(x), want, "\(name): \(x)")
        }
    }

    /// Every half survives half → float → half, and every float in steps through the whole range rounds as
    /// compiler-rt's conversion does (NaN aside: its payload rule is checked against the hardware below).
    func testScalarConversionMatchesFloat16() {
        for h in 0...UInt16.max where !Float16(bitPattern: h).isNaN {
            XCTAssertEqual(floatToHalfBits(halfBitsToFloat(h)), h, "half \(h)")
        }
        var bits: UInt32 = 0
        var mismatches = 0
        while bits < 0xFFFF_0000 {
            let x = Float(bitPattern: bits)
            if !x.isNaN, floatToHalfBits(x) != Float16(x).bitPattern { mismatches += 1 }
            bits &+= 997  // odd step: every exponent, both signs, all mantissa residues over the run
        }
        XCTAssertEqual(mismatches, 0)
    }

    /// The SIMD conversion (VCVTPS2PH) gives the scalar routine's bits on the table, on random bit patterns
    /// (NaNs included), and on a length with a tail.
    func testEveryPathMatchesScalarBits() {
        var rng = SplitMix64(seed: 0xF16)
        var xs = Self.table.map(\.0)
        for _ in 0..<(1 << 18) { xs.append(Float(bitPattern: UInt32(truncatingIfNeeded: rng.next()))) }
        for _ in 0..<(1 << 16) { xs.append(Float.random(in: -70000...70000, using: &rng)) }
        for _ in 0..<(1 << 16) { xs.append(Float.random(in: -0x1p-13...0x1p-13, using: &rng)) }
        xs.append(contentsOf: [1, 2, 3])  // count not a multiple of 8 or 16
        let want = xs.map(floatToHalfBits)
        for path in KernelPath.supported {
            var got = [UInt16](repeating: 0xDEAD, count: xs.count + 1)
            got.withUnsafeMutableBufferPointer { g in Elementwise.toHalf(xs, g.baseAddress!, count: xs.count, path: path) }
            XCTAssertEqual(got.last, 0xDEAD, "\(path) wrote past the end")
            let bad = (0..<xs.count).filter { got[$0] != want[$0] }
            XCTAssertEqual(bad.count, 0, "\(path): first mismatch \(bad.first.map { "\(xs[$0].bitPattern) → \(got[$0]) not \(want[$0])" } ?? "")")
        }
    }
}
