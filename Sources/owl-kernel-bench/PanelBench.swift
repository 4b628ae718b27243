// The prefill panels (QuantGEMM): checked against exact math on the same quantized inputs under `--check`, and
// timed as matrix × 512 tokens.
import Checkpoint
import Foundation
import Kernels

/// Random activation rows in `format`, `tokens` rows of `cols` values.
func quantizedActivations(_ format: ActivationFormat, cols: Int, tokens: Int, _ rng: inout Random) -> [UInt8] {
    let x = (0..<(cols * tokens)).map { _ in rng.float(-3...3) }
    let xBytes = format.rowBytes(cols)
    var xq = [UInt8](repeating: 0, count: xBytes * tokens)
    x.withUnsafeBufferPointer { xp in
        xq.withUnsafeMutableBytes { q in
            for t in 0..<tokens { format.quantize(xp.baseAddress! + t * cols, count: cols, into: q.baseAddress! + t * xBytes) }
        }
    }
    return xq
}

/// `QuantGEMM.multiply` on one thread into a fresh NaN-filled output.
func gemm(_ k: PrefillKernel, _ w: [UInt8], rows: Int, cols: Int, _ xq: [UInt8], tokens: Int) -> [Float] {
    var y = [Float](repeating: .nan, count: rows * tokens)
    w.withUnsafeBytes { wp in
        xq.withUnsafeBytes { xp in
            y.withUnsafeMutableBufferPointer { yp in
                QuantGEMM.multiply(k, weights: wp.baseAddress!, rows: rows, cols: cols, x: xp.baseAddress!, tokens: tokens, y: yp.baseAddress!)
            }
        }
    }
    return y
}

/// Every panel kernel on `path` against exact math on the same quantized inputs (dequantized
/// weights · dequantized activations in Double), partial panels included (7 and 21 rows × 6 tokens).
/// Returns the number of types that disagree.
func checkPanels(path: KernelPath, _ rng: inout Random) -> Int {
    var failures = 0
    for type in DotKernel.supported {
        guard let dot = try? DotKernel(weights: type, path: path) else { continue }
        let tile = PrefillKernel(dot)
        guard tile.isPanel else { continue }
        var worst = 0.0
        for rows in [7, 21] {
            let cols = 512, tokens = 6
            let w = randomWeights(type, count: rows * cols, &rng)
            let xq = quantizedActivations(tile.activations, cols: cols, tokens: tokens, &rng)
            let got = gemm(tile, w, rows: rows, cols: cols, xq, tokens: tokens)
            var wf = [Float](repeating: 0, count: rows * cols), xf = [Float](repeating: 0, count: tokens * cols)
            w.withUnsafeBytes { wp in
                wf.withUnsafeMutableBufferPointer { try? Dequantize.toF32(type, src: wp, dst: $0, count: rows * cols) }
            }
            xq.withUnsafeBytes { xp in
                xf.withUnsafeMutableBufferPointer { xd in
                    for t in 0..<tokens {
                        tile.activations.dequantize(xp.baseAddress! + t * tile.activations.rowBytes(cols), count: cols,
                                                    into: xd.baseAddress! + t * cols)
                    }
                }
            }
            for t in 0..<tokens {
                for r in 0..<rows {
                    var exact = 0.0, magnitude = 0.0
                    for k in 0..<cols {
                        let p = Double(wf[r * cols + k]) * Double(xf[t * cols + k])
                        exact += p
                        magnitude += abs(p)
                    }
                    worst = max(worst, abs(Double(got[t * rows + r]) - exact) / max(magnitude, 1e-6))
                }
            }
        }
        let ok = worst <= 1e-5
        if !ok { failures += 1 }
        print("\(type.name.padding(toLength: 5, withPad: " ", startingAt: 0)) \(path) panel \(tile.panelRows) rows: max error / Σ|w·x| \(worst) \(ok ? "ok" : "MISMATCH")")
    }
    return failures
}

/// GFLOP/s (2 flops per multiply-add) of a prefill-shaped product, one and two threads, per path.
func benchPanels(pools: [Int: ThreadPool]) {
    let shapes: [(GGMLType, Int, Int)] = [(.q4_1, 1536, 576), (.q4_1, 576, 1536), (.q5_0, 2048, 640), (.q8_0, 1536, 576),
                                          (.q4_K, 640, 2048), (.q6_K, 640, 2048)]
    let tokens = 512
    var rng = Random()
    print("prefill: rows×cols × \(tokens) tokens, ms per product (median of 5) and GFLOP/s; 'dot' = one-row kernel per (row, token)")
    print("cpu: this thread's CPU time (1 thread, unaffected by other processes' load); wall: elapsed")
    print("type  rows×cols   path    kernel  1 cpu ms  GFLOP/s 1 wall ms  GFLOP/s 2 wall ms  GFLOP/s")
    for (type, rows, cols) in shapes {
        let w = randomWeights(type, count: rows * cols, &rng)
        for path in KernelPath.supported where path != .scalar {
            guard let dot = try? DotKernel(weights: type, path: path) else { continue }
            let tile = PrefillKernel(dot)
            var y = [Float](repeating: 0, count: rows * tokens)
            for variant in tile.isPanel ? ["panel", "dot"] : ["dot"] {
                let xq = quantizedActivations(variant == "dot" ? dot.activations : tile.activations, cols: cols, tokens: tokens, &rng)
                var cells: [String] = []
                for threads in [1, 2] {
                    guard let pool = pools[threads] else { continue }
                    var samples: [Double] = [], cpu: [Double] = []
                    w.withUnsafeBytes { wp in
                        xq.withUnsafeBytes { xp in
                            y.withUnsafeMutableBufferPointer { yp in
                                let wb = wp.baseAddress!, xb = xp.baseAddress!, yb = yp.baseAddress!
                                for _ in 0..<5 {
                                    let start = DispatchTime.now().uptimeNanoseconds, cpuStart = threadCPUNanoseconds()
                                    pool.run { t, n in
                                        if variant != "dot" {
                                            QuantGEMM.multiply(tile, weights: wb, rows: rows, cols: cols, x: xb, tokens: tokens, y: yb, thread: t, threads: n)
                                        } else {
                                            MatVec.matmul(dot, weights: wb, rows: rows, cols: cols, x: xb, tokens: tokens, y: yb, thread: t, threads: n)
                                        }
                                    }
                                    samples.append(Double(DispatchTime.now().uptimeNanoseconds - start) / 1e6)
                                    cpu.append(Double(threadCPUNanoseconds() - cpuStart) / 1e6)
                                }
                            }
                        }
                    }
                    samples.sort(); cpu.sort()
                    let flop = 2 * Double(rows * cols * tokens)
                    if threads == 1 { cells.append(String(format: "%9.2f %8.1f", cpu[2], flop / cpu[2] / 1e6)) }
                    let ms = samples[2]
                    cells.append(String(format: "%9.2f %8.1f", ms, flop / ms / 1e6))
                }
                print("\(type.name.padding(toLength: 5, withPad: " ", startingAt: 0)) \("\(rows)×\(cols)".padding(toLength: 11, withPad: " ", startingAt: 0)) \(path.name.padding(toLength: 7, withPad: " ", startingAt: 0)) \(variant.padding(toLength: 6, withPad: " ", startingAt: 0)) \(cells.joined(separator: " "))")
            }
        }
    }
}
