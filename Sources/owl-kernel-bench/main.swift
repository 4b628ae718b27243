// Kernel micro-benchmark and portability self-check.
//   owl-kernel-bench            µs per matvec for model-shaped matrices on every path, 1 and 2 threads
//   owl-kernel-bench --prefill  ms and GFLOP/s of prefill products (rows × cols × 512 tokens), tiles vs dots
//   owl-kernel-bench --check    every dot kernel on the configured path (OWL_KERNELS or the best) against
//                               the scalar reference; exit 1 on a mismatch, 2 on a refused path
import Checkpoint
import Foundation
import Kernels

/// A fixed-seed generator (xorshift64*), so runs are comparable.
struct Random {
    var state: UInt64 = 0x9E37_79B9_7F4A_7C15
    mutating func next() -> UInt64 {
        state ^= state >> 12; state ^= state << 25; state ^= state >> 27
        return state &* 0x2545_F491_4F6C_DD1D
    }
    mutating func float(_ r: ClosedRange<Float>) -> Float {
        r.lowerBound + (r.upperBound - r.lowerBound) * Float(next() >> 40) / Float(1 << 24)
    }
}

/// Random blocks of `type` with small finite f16 scales.
func randomWeights(_ type: GGMLType, count: Int, _ rng: inout Random) -> [UInt8] {
    let halfFields: [GGMLType: [Int]] = [.q4_0: [0], .q4_1: [0, 2], .q5_0: [0], .q5_1: [0, 2], .q8_0: [0],
                                         .q2_K: [80, 82], .q3_K: [108], .q4_K: [0, 2], .q5_K: [0, 2], .q6_K: [208]]
    if type == .f32 { return (0..<count).flatMap { _ in withUnsafeBytes(of: rng.float(-1...1)) { Array($0) } } }
    if type == .f16 { return (0..<count).flatMap { _ in withUnsafeBytes(of: f32ToF16(rng.float(-1...1))) { Array($0) } } }
    let blocks = count / type.blockSize
    var bytes = (0..<(blocks * type.typeSize)).map { _ in UInt8(truncatingIfNeeded: rng.next() >> 32) }
    for b in 0..<blocks {
        for off in halfFields[type] ?? [] {
            let h = f32ToF16(rng.float(-0.05...0.05))
            bytes[b * type.typeSize + off] = UInt8(h & 0xFF)
            bytes[b * type.typeSize + off + 1] = UInt8(h >> 8)
        }
    }
    return bytes
}

func check() -> Int32 {
    let path: KernelPath
    do { path = try KernelPath.configured() } catch {
        FileHandle.standardError.write(Data("owl-kernel-bench: \(error)\n".utf8))
        return 2
    }
    print("best path: \(KernelPath.best), checking: \(path)")
    var rng = Random()
    var failures = 0
    for type in DotKernel.supported {
        let n = 1024
        guard let fast = try? DotKernel(weights: type, path: path), let ref = try? DotKernel(weights: type, path: .scalar) else {
            print("\(type): no kernel"); failures += 1; continue
        }
        var worst: Float = 0
        for _ in 0..<8 {
            let w = randomWeights(type, count: 4 * n, &rng)
            let x = (0..<n).map { _ in rng.float(-3...3) }
            var xq = [UInt8](repeating: 0, count: fast.activations.rowBytes(n))
            x.withUnsafeBufferPointer { xp in xq.withUnsafeMutableBytes { fast.activations.quantize(xp.baseAddress!, count: n, into: $0.baseAddress!) } }
            // Row 0 through the single-row kernel, rows 0‥3 through the four-row form (stride = one row).
            let stride = w.count / 4
            var four = [Float](repeating: .nan, count: 4)
            let (a, b, refs) = w.withUnsafeBytes { wp in
                xq.withUnsafeBytes { xp in
                    four.withUnsafeMutableBufferPointer { fast.rows4(n, wp.baseAddress!, stride: stride, xp.baseAddress!, $0.baseAddress!) }
                    return (fast(n, wp.baseAddress!, xp.baseAddress!), ref(n, wp.baseAddress!, xp.baseAddress!),
                            (0..<4).map { ref(n, wp.baseAddress! + $0 * stride, xp.baseAddress!) })
                }
            }
            worst = max(worst, abs(a - b) / max(1, abs(b)))
            for k in 0..<4 { worst = max(worst, abs(four[k] - refs[k]) / max(1, abs(refs[k]))) }
        }
        let ok = worst <= 1e-4
        if !ok { failures += 1 }
        print("\(type.name.padding(toLength: 5, withPad: " ", startingAt: 0)) \(path): max relative difference \(worst) \(ok ? "ok" : "MISMATCH")")
    }
    // The vectorized activation quantizers must write the scalar quantizer's bytes.
    for format: ActivationFormat in [.q8_0, .q8_1f] {
        var x = (0..<1024).map { _ in rng.float(-3...3) }
        for i in 0..<32 { x[i] = Float(i - 16) / 2 }
        var a = [UInt8](repeating: 0, count: format.rowBytes(x.count)), b = a
        x.withUnsafeBufferPointer { xp in
            a.withUnsafeMutableBytes { format.quantize(xp.baseAddress!, count: x.count, into: $0.baseAddress!, path: path) }
            b.withUnsafeMutableBytes { format.quantize(xp.baseAddress!, count: x.count, into: $0.baseAddress!, path: .scalar) }
        }
        if a != b { failures += 1 }
        print("quantize \(format) \(path): \(a == b ? "ok" : "MISMATCH")")
    }
    failures += checkPanels(path: path, &rng)
    print(failures == 0 ? "all kernels agree with the scalar reference" : "\(failures) kernel(s) disagree")
    return failures == 0 ? 0 : 1
}

/// CPU time of the calling thread.
func threadCPUNanoseconds() -> UInt64 {
    var ts = timespec()
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts)
    return UInt64(ts.tv_sec) * 1_000_000_000 + UInt64(ts.tv_nsec)
}

func bench() {
    let shapes: [(GGMLType, Int, Int)] = [(.q4_1, 1536, 576), (.q4_1, 576, 1536), (.q8_0, 1536, 576), (.q8_0, 576, 1536),
                                          (.q5_0, 2048, 640), (.q4_K, 640, 2048), (.q6_K, 640, 2048),
                                          (.q8_0, 49152, 576), (.q4_1, 49152, 576), (.q5_0, 32768, 640), (.q4_K, 32768, 640),
                                          (.q6_K, 32768, 640)]  // 16-30 MB: DRAM-bound, as in decoding
    var rng = Random()
    print("µs per matvec (rows × cols; median of 9 runs of a timed loop); best path \(KernelPath.best)")
    print("wall: elapsed time; cpu: this thread's CPU time (1 thread), unaffected by other processes' load")
    print("type  rows×cols   path (×4: four-row kernel) 1 thr cpu 1 thr wall 2 thr wall")
    let pools = [1: ThreadPool(threads: 1), 2: ThreadPool(threads: 2)]
    if let pool = pools[2] {
        var samples: [Double] = []
        for _ in 0..<9 {
            let start = DispatchTime.now().uptimeNanoseconds
            for _ in 0..<2_000 { pool.run { _, _ in } }
            samples.append(Double(DispatchTime.now().uptimeNanoseconds - start) / 1000 / 2_000)
        }
        samples.sort()
        print(String(format: "empty 2-thread dispatch: %.2f µs (median)", samples[4]))
    }
    for (type, rows, cols) in shapes {
        let w = randomWeights(type, count: rows * cols, &rng)
        let x = (0..<cols).map { _ in rng.float(-2...2) }
        var y = [Float](repeating: 0, count: rows)
        for path in KernelPath.supported {
            guard let full = try? DotKernel(weights: type, path: path) else { continue }
          for kernel in full.hasFourRowKernel ? [full.singleRowOnly, full] : [full] {
            let label = path.name + (kernel.hasFourRowKernel ? "×4" : "")
            var xq = [UInt8](repeating: 0, count: kernel.activations.rowBytes(cols))
            x.withUnsafeBufferPointer { xp in xq.withUnsafeMutableBytes { kernel.activations.quantize(xp.baseAddress!, count: cols, into: $0.baseAddress!) } }
            var cells: [String] = []
            for threads in [1, 2] {
                guard let pool = pools[threads] else { continue }
                let iterations = max(1, (path == .scalar ? 20 : 400) * 1_000_000 / max(1_000_000, rows * cols))
                var samples: [Double] = [], cpuSamples: [Double] = []
                w.withUnsafeBytes { wp in
                    xq.withUnsafeBytes { xp in
                        y.withUnsafeMutableBufferPointer { yp in
                            let wb = wp.baseAddress!, xb = xp.baseAddress!, yb = yp.baseAddress!
                            for _ in 0..<9 {
                                let start = DispatchTime.now().uptimeNanoseconds, cpuStart = threadCPUNanoseconds()
                                for _ in 0..<iterations {
                                    pool.run { t, n in MatVec.matvec(kernel, weights: wb, rows: rows, cols: cols, x: xb, y: yb, thread: t, threads: n) }
                                }
                                samples.append(Double(DispatchTime.now().uptimeNanoseconds - start) / 1000 / Double(iterations))
                                cpuSamples.append(Double(threadCPUNanoseconds() - cpuStart) / 1000 / Double(iterations))
                            }
                        }
                    }
                }
                samples.sort(); cpuSamples.sort()
                if threads == 1 { cells.append(String(format: "%9.1f", cpuSamples[cpuSamples.count / 2])) }
                cells.append(String(format: "%9.1f", samples[samples.count / 2]))
            }
            print("\(type.name.padding(toLength: 5, withPad: " ", startingAt: 0)) \("\(rows)×\(cols)".padding(toLength: 11, withPad: " ", startingAt: 0)) \(label.padding(toLength: 9, withPad: " ", startingAt: 0)) \(cells.joined(separator: "  "))")
          }
        }
    }
}

if CommandLine.arguments.contains("--check") {
    exit(check())
} else if CommandLine.arguments.contains("--prefill") {
    benchPanels(pools: [1: ThreadPool(threads: 1), 2: ThreadPool(threads: 2)])
} else {
    bench()
    benchPanels(pools: [1: ThreadPool(threads: 1), 2: ThreadPool(threads: 2)])
}
