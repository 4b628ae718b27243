// Shared by KernelsAVX2 and KernelsAVX512: row-wise norms, softmax, gated activations, residual adds and
// RoPE rotations over F32 rows, written once against the target's lane primitives (`VF`, `vfLoad`, … in
// AVX2Lanes.swift / AVX512Lanes.swift). The scalar references live in Kernels (Elementwise.swift, Rope.swift);
// tests compare every path with them.
import _Builtin_intrinsics.intel

/// Calls `body(i, k)` for each vector of `k` lanes covering 0..<n (k < vfLanes only for the last one).
@inline(__always) func forEachVector(_ n: Int, _ body: (Int, Int) -> Void) {
    var i = 0
    while i + vfLanes <= n { body(i, vfLanes); i += vfLanes }
    if i < n { body(i, n - i) }
}
@inline(__always) func vfLoad(_ p: UnsafePointer<Float>, _ k: Int) -> VF { k == vfLanes ? vfLoad(p) : vfLoadFirst(p, k) }
@inline(__always) func vfStore(_ p: UnsafeMutablePointer<Float>, _ v: VF, _ k: Int) {
    if k == vfLanes { vfStore(p, v) } else { vfStoreFirst(p, v, k) }
}

/// eˣ, relative error ≈ 2e-7 (x clamped to [−87, 88], so never 0 or ∞): eˣ = 2ⁿ·eʳ with n = round(x/ln2),
/// r = x − n·ln2 (ln2 split in two for exactness), eʳ by its degree-6 Taylor polynomial on |r| ≤ ln2/2.
@inline(__always) func vfExp(_ x: VF) -> VF {
    let xc = vfMax(vfMin(x, vfSplat(88)), vfSplat(-87))
    // Round to nearest by adding and removing 1.5·2²³ (no rounding instruction with an immediate needed).
    let magic = vfSplat(12_582_912)
    let n = vfFMA(xc, vfSplat(1.44269504088896341), magic) - magic
    let r = vfFMA(n, vfSplat(-1.428606765330187045e-6), vfFMA(n, vfSplat(-0.693145751953125), xc))
    var p = vfFMA(r, vfSplat(1.0 / 720), vfSplat(1.0 / 120))
    p = vfFMA(p, r, vfSplat(1.0 / 24))
    p = vfFMA(p, r, vfSplat(1.0 / 6))
    p = vfFMA(p, r, vfSplat(0.5))
    p = vfFMA(p, r, vfSplat(1))
    p = vfFMA(p, r, vfSplat(1))
    return p * vfPow2(n)
}

extension Here {
    /// RMSNorm of one row: `y = x / √(mean(x²) + eps) · w` (no `w`: no weight); `y` may alias `x`.
    /// The sum of squares is kept in Double, as in the scalar reference.
    @inline(never) public static func rmsNorm(_ x: UnsafePointer<Float>, _ w: UnsafePointer<Float>?,
                                              _ y: UnsafeMutablePointer<Float>, _ n: Int, _ eps: Float) {
        let l = vdWidenLanes
        var a0 = vdZero(), a1 = vdZero()
        var i = 0
        while i + 2 * l <= n {
            let v0 = vdLoadWiden(x + i), v1 = vdLoadWiden(x + i + l)
            a0 = vdFMA(v0, v0, a0)
            a1 = vdFMA(v1, v1, a1)
            i += 2 * l
        }
        var ss = vdSum(a0 + a1)
        while i < n { let v = Double(x[i]); ss += v * v; i += 1 }
        let s = vfSplat(Float(1.0 / (ss / Double(n) + Double(eps)).squareRoot()))
        if let w {
            forEachVector(n) { i, k in vfStore(y + i, vfLoad(x + i, k) * s * vfLoad(w + i, k), k) }
        } else {
            forEachVector(n) { i, k in vfStore(y + i, vfLoad(x + i, k) * s, k) }
        }
    }

    /// In-place softmax of n values (the denominator summed in Double).
    @inline(never) public static func softmax(_ x: UnsafeMutablePointer<Float>, _ n: Int) {
        guard n > 0 else { return }
        var mv = vfSplat(-.infinity)
        var i = 0
        while i + vfLanes <= n { mv = vfMax(mv, vfLoad(x + i)); i += vfLanes }
        var m = vfMaxAcross(mv)
        while i < n { m = Swift.max(m, x[i]); i += 1 }
        let sum = expSum(x, n, m)
        let inv = vfSplat(Float(1 / sum))
        forEachVector(n) { i, k in vfStore(x + i, vfLoad(x + i, k) * inv, k) }
    }

    /// `x[i] = e^(x[i] − m)` in place; returns Σ x[i] (in Double).
    @inline(__always) static func expSum(_ x: UnsafeMutablePointer<Float>, _ n: Int, _ m: Float) -> Double {
        let mv = vfSplat(m)
        var sum = 0.0
        var i = 0
        while i + vfLanes <= n {
            let e = vfExp(vfLoad(x + i) - mv)
            vfStore(x + i, e)
            sum += Double(vfSum(e))
            i += vfLanes
        }
        if i < n {
            vfStoreFirst(x + i, vfExp(vfLoadFirst(x + i, n - i) - mv), n - i)
            while i < n { sum += Double(x[i]); i += 1 }
        }
        return sum
    }

    /// SwiGLU: `a[i] = a[i] · σ(a[i]) · b[i]` = a / (1 + e^(−a)) · b.
    @inline(never) public static func swiglu(_ a: UnsafeMutablePointer<Float>, _ b: UnsafePointer<Float>, _ n: Int) {
        let one = vfSplat(1)
        forEachVector(n) { i, k in
            let g = vfLoad(a + i, k)
            vfStore(a + i, vfDiv(g, one + vfExp(-g)) * vfLoad(b + i, k), k)
        }
    }

    /// GELU-tanh gate: `a[i] = gelu_tanh(a[i]) · b[i]`, through ½(1 + tanh u) = σ(2u):
    /// gelu_tanh(x) = x / (1 + e^(−2u)), u = √(2/π)(x + 0.044715x³).
    @inline(never) public static func geluTanhGate(_ a: UnsafeMutablePointer<Float>, _ b: UnsafePointer<Float>, _ n: Int) {
        let one = vfSplat(1)
        let c2 = vfSplat(-2 * 0.7978845608028654), c3 = vfSplat(0.044715)
        forEachVector(n) { i, k in
            let x = vfLoad(a + i, k)
            let u = vfFMA(c3 * x * x, x, x) * c2
            vfStore(a + i, vfDiv(x, one + vfExp(u)) * vfLoad(b + i, k), k)
        }
    }

    /// Residual add: `y[i] += x[i]`.
    @inline(never) public static func add(_ y: UnsafeMutablePointer<Float>, _ x: UnsafePointer<Float>, _ n: Int) {
        forEachVector(n) { i, k in vfStore(y + i, vfLoad(y + i, k) + vfLoad(x + i, k), k) }
    }

    /// RoPE, adjacent pairs (2i, 2i+1), on the first `nRot` values of each of `heads` heads:
    /// `v' = v·cosPairs + swap(v)·sinPairs` with cosPairs = (c₀, c₀, c₁, c₁, …), sinPairs = (−s₀, s₀, −s₁, s₁, …).
    @inline(never) public static func ropeNormal(_ x: UnsafeMutablePointer<Float>, _ heads: Int, _ headDim: Int, _ nRot: Int,
                                                 _ cosPairs: UnsafePointer<Float>, _ sinPairs: UnsafePointer<Float>) {
        for h in 0..<heads {
            let v = x + h * headDim
            forEachVector(nRot) { i, k in
                let a = vfLoad(v + i, k)
                vfStore(v + i, vfFMA(vfSwapPairs(a), vfLoad(sinPairs + i, k), a * vfLoad(cosPairs + i, k)), k)
            }
        }
    }

    /// RoPE, NeoX pairs (i, i + nRot/2): a' = a·c − b·s, b' = a·s + b·c with `cos`, `sin` of nRot/2 angles.
    @inline(never) public static func ropeNeox(_ x: UnsafeMutablePointer<Float>, _ heads: Int, _ headDim: Int, _ nRot: Int,
                                               _ cos: UnsafePointer<Float>, _ sin: UnsafePointer<Float>) {
        let half = nRot / 2
        for h in 0..<heads {
            let v = x + h * headDim
            forEachVector(half) { i, k in
                let a = vfLoad(v + i, k), b = vfLoad(v + half + i, k)
                let c = vfLoad(cos + i, k), s = vfLoad(sin + i, k)
                vfStore(v + i, vfFMS(a, c, b * s), k)
                vfStore(v + half + i, vfFMA(a, s, b * c), k)
            }
        }
    }
}
