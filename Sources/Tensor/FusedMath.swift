/// Branch-free float math for the fused kernels' inner loops. glibc's `expf` is a call per element that blocks
/// vectorisation; these are plain arithmetic and selects that LLVM turns into SIMD code.
enum FusedMath {
    /// eˣ to about 2 ulp: x = n·ln2 + r with |r| ≤ ln2/2, eʳ by its degree-6 Taylor polynomial (remainder below
    /// 2⁻²³), 2ⁿ built in the exponent bits. Exact 0 below −87.5 and +∞ above 88.3; NaN stays NaN.
    @inline(__always)
    static func exp(_ x: Float) -> Float {
        let c = x < -87.5 ? -87.5 : (x > 88.3 ? 88.3 : x)
        // Adding 1.5·2²³ rounds to an integer and leaves it in the low mantissa bits.
        let shifted = c * 1.442695041 + 12_582_912
        let n = shifted - 12_582_912
        let r = (c - n * 0.693359375) - n * -2.12194440e-4
        var p: Float = 1.0 / 720
        p = p * r + 1.0 / 120
        p = p * r + 1.0 / 24
        p = p * r + 1.0 / 6
        p = p * r + 0.5
        p = p * r + 1
        p = p * r + 1
        let twoToN = Float(bitPattern: (shifted.bitPattern &- 0x4B40_0000 &+ 127) << 23)
        let e = p * twoToN
        return x < -87.5 ? 0 : (x > 88.3 ? .infinity : e)
    }

    /// Σ p[0..<n], in eight interleaved partial sums (vectorisable, and more accurate than one running sum).
    @inline(__always)
    static func sum(_ p: UnsafePointer<Float>, _ n: Int) -> Float {
        var acc = SIMD8<Float>()
        var j = 0
        let raw = UnsafeRawPointer(p)
        while j + 8 <= n { acc += raw.loadUnaligned(fromByteOffset: j * 4, as: SIMD8<Float>.self); j += 8 }
        var s = acc.sum()
        while j < n { s += p[j]; j += 1 }
        return s
    }

    /// Σ a[j]·b[j] over j < n, in eight interleaved partial sums.
    @inline(__always)
    static func dot(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, _ n: Int) -> Float {
        var acc = SIMD8<Float>()
        var j = 0
        let ra = UnsafeRawPointer(a), rb = UnsafeRawPointer(b)
        while j + 8 <= n {
            acc += ra.loadUnaligned(fromByteOffset: j * 4, as: SIMD8<Float>.self)
                 * rb.loadUnaligned(fromByteOffset: j * 4, as: SIMD8<Float>.self)
            j += 8
        }
        var s = acc.sum()
        while j < n { s += a[j] * b[j]; j += 1 }
        return s
    }

    /// max p[0..<n] (−∞ for n = 0). Eight scalar running maxima (the stdlib's generic SIMD `max` is an
    /// out-of-line call here), which LLVM packs into vector max instructions.
    @inline(__always)
    static func max(_ p: UnsafePointer<Float>, _ n: Int) -> Float {
        var m0 = -Float.infinity, m1 = m0, m2 = m0, m3 = m0, m4 = m0, m5 = m0, m6 = m0, m7 = m0
        var j = 0
        while j + 8 <= n {
            let q = p + j
            m0 = q[0] > m0 ? q[0] : m0; m1 = q[1] > m1 ? q[1] : m1
            m2 = q[2] > m2 ? q[2] : m2; m3 = q[3] > m3 ? q[3] : m3
            m4 = q[4] > m4 ? q[4] : m4; m5 = q[5] > m5 ? q[5] : m5
            m6 = q[6] > m6 ? q[6] : m6; m7 = q[7] > m7 ? q[7] : m7
            j += 8
        }
        var m = Swift.max(Swift.max(Swift.max(m0, m1), Swift.max(m2, m3)), Swift.max(Swift.max(m4, m5), Swift.max(m6, m7)))
        while j < n { m = Swift.max(m, p[j]); j += 1 }
        return m
    }

    /// (Σ (p[j] − center), Σ (p[j] − center)²) over j < n, in eight interleaved partial sums each.
    @inline(__always)
    static func centeredSums(_ p: UnsafePointer<Float>, _ n: Int, center: Float) -> (sum: Float, sumSquares: Float) {
        var acc = SIMD8<Float>(), acc2 = SIMD8<Float>()
        let c8 = SIMD8<Float>(repeating: center)
        var j = 0
        let raw = UnsafeRawPointer(p)
        while j + 8 <= n {
            let d = raw.loadUnaligned(fromByteOffset: j * 4, as: SIMD8<Float>.self) - c8
            acc += d
            acc2 += d * d
            j += 8
        }
        var s = acc.sum(), s2 = acc2.sum()
        while j < n { let d = p[j] - center; s += d; s2 += d * d; j += 1 }
        return (s, s2)
    }
}
