import Foundation
@testable import TensorCore
import TestSupport
import XCTest

/// The AVX-512 bandwidth kernels of issue 15 (shared vector exp, attention softmax rows forward and backward,
/// SwiGLU, RMSNorm, RoPE, saxpy/sscal) against the portable Swift paths and Float64 references, on sizes
/// around the 16-lane vector so masked tails are exercised.
final class BandwidthKernelTests: XCTestCase {
    override func setUpWithError() throws {
        try XCTSkipUnless(VectorKernels.avx512Available, "this CPU has no AVX-512")
    }

    override func tearDown() {
        VectorKernels.wantedRowKernels = .avx512
        VectorKernels.avx512Enabled = true
        VectorKernels.enabled = true
    }

    /// Runs `body` on the AVX-512 row kernels, on the AVX2 ones, then on the portable Swift loops
    /// (`swift` is the reference the other two are compared with).
    private func allPaths<R>(_ body: () throws -> R) rethrows -> (avx512: R, avx2: R, swift: R) {
        defer { tearDown() }
        VectorKernels.wantedRowKernels = .avx512
        XCTAssertEqual(VectorKernels.rowKernels, .avx512)
        let wide = try body()
        VectorKernels.wantedRowKernels = .avx2
        XCTAssertEqual(VectorKernels.rowKernels, .avx2)
        let narrow = try body()
        VectorKernels.wantedRowKernels = nil
        XCTAssertNil(VectorKernels.rowKernels)
        return (wide, narrow, try body())
    }

    private func random(_ shape: [Int], std: Float = 1, seed: UInt64) -> Tensor {
        Tensor(shape: shape, FusedReference.values(shape.reduce(1, *), std: std, seed: seed))
    }

    /// Both widths of the vector exp over 400 001 points of [-87, 88] against libm's double exp: worst relative
    /// error below 3 ulp (3 · 2⁻²³ ≈ 3.6e-7), and the same values as the Swift FusedMath.exp to 4 ulp.
    func testVectorExpIsWithinThreeUlpOfLibm() throws {
        let x = (0...400_000).map { -87 + Float($0) * (175.0 / 400_000) }
        for wide in [true, false] {
            guard let y = VectorExp.exp(x, wide: wide) else { continue }
            var worst = 0.0, worstSwift: Float = 0
            for (xi, yi) in zip(x, y) {
                let e = Foundation.exp(Double(xi))
                worst = max(worst, abs(Double(yi) - e) / e)
                let s = FusedMath.exp(xi)
                worstSwift = max(worstSwift, abs(yi - s) / s)
            }
            XCTAssertLessThan(worst, 3 * Double(Float.ulpOfOne), "wide \(wide): worst relative error \(worst)")
            // Both within 3 ulp of libm; the C polynomial's fused multiply-adds round differently from the Swift one.
            XCTAssertLessThan(worstSwift, 4 * Float.ulpOfOne, "wide \(wide) vs FusedMath.exp")
            // 17 values: a full vector (or two) and a masked tail, with the edges.
            let edges: [Float] = [0, -1000, -.infinity, 1000, .infinity, .nan, -87.6, 88.4, 1, -1, 2, 3, 4, 5, 6, 7, 8]
            let e = try XCTUnwrap(VectorExp.exp(edges, wide: wide))
            XCTAssertEqual(Array(e[0..<5]), [1, 0, 0, .infinity, .infinity], "wide \(wide)")
            XCTAssertTrue(e[5].isNaN)
            XCTAssertEqual(e[6], 0); XCTAssertEqual(e[7], .infinity)
            assertClose(Array(e[8...]), edges[8...].map { Float(Foundation.exp(Double($0))) }, rtol: 4e-7, atol: 0)
        }
    }

    /// The fused attention (both kernels, plain causal and segment-masked) gives the Swift path's probabilities,
    /// outputs and gradients to float rounding; T = 45 spans two row blocks and every tail length up to 15.
    func testAttentionSoftmaxRowsMatchTheSwiftPath() throws {
        let (b, t) = (2, 45)
        let heads = GroupedQueryAttentionKernel.Heads(query: 4, keyValue: 2, size: 8)
        let q = random([b, t, 32], seed: 1), k = random([b, t, 16], seed: 2), v = random([b, t, 16], seed: 3)
        let dy = random([b, t, 32], seed: 4)
        // Row 0: prompt of 10 and three responses; row 1: prompt of 20, two responses and padding.
        let row0: [Int32] = (0..<t).map { (i: Int) -> Int32 in i < 10 ? 0 : Int32(1 + (i - 10) / 12) }
        let row1: [Int32] = (0..<t).map { (i: Int) -> Int32 in i < 20 ? 0 : (i < 40 ? Int32(1 + (i - 20) / 10) : 9) }
        let segments = row0 + row1
        for segs in [nil, segments] {
            let (wide, narrow, swift) = try allPaths { () -> [[Float]] in
                let (out, saved) = try GroupedQueryAttentionKernel.forward(q: q, k: k, v: v, heads: heads, segments: segs)
                let g = try GroupedQueryAttentionKernel.backward(dOut: dy, q: q, k: k, v: v, saved: saved, heads: heads)
                let qkv = try Tensor.concat([q, try Tensor.concat([k, k], axis: 2), try Tensor.concat([v, v], axis: 2)], axis: 2)
                let (out2, saved2) = try CausalAttentionKernel.forward(qkv: qkv, heads: 4, segments: segs)
                let dqkv = try CausalAttentionKernel.backward(dOut: dy, qkv: qkv, saved: saved2, heads: 4)
                return [saved.probabilities.scalars, out.scalars, g.q.scalars, g.k.scalars, g.v.scalars,
                        saved2.probabilities.scalars, out2.scalars, dqkv.scalars]
            }
            for (i, ((a, n), s)) in zip(zip(wide, narrow), swift).enumerated() {
                assertClose(a, s, rtol: 2e-5, atol: 2e-6, "avx512 tensor \(i), segments \(segs != nil)")
                assertClose(n, s, rtol: 2e-5, atol: 2e-6, "avx2 tensor \(i), segments \(segs != nil)")
            }
            // Every probability row sums to 1, and the masked upper triangle is exactly 0.
            let p = wide[0]
            for row in 0..<(b * 4 * t) {
                let i = row % t
                let r = p[(row * t)..<(row * t + t)]
                XCTAssertEqual(Double(r.reduce(0, +)), 1, accuracy: 1e-5)
                XCTAssertTrue(r.dropFirst(i + 1).allSatisfy { $0 == 0 }, "row \(row)")
            }
            if segs != nil {
                // Query 30 of batch row 0 (segment 2) sees the prompt and keys 22…30 only.
                let r = Array(p[(30 * t)..<(31 * t)])
                XCTAssertTrue(r[10..<22].allSatisfy { $0 == 0 })
                XCTAssertTrue(r[0..<10].allSatisfy { $0 > 0 } && r[22...30].allSatisfy { $0 > 0 })
            }
        }
    }

    /// The stand-alone causal softmax rows (what `bench ops` times) against Float64, on both paths.
    func testCausalSoftmaxRowsMatchFloat64() throws {
        let t = 37
        let scores = random([3, t, t], std: 3, seed: 21), dP = random([3, t, t], seed: 22)
        let (wide, narrow, swift) = allPaths { () -> [[Float]] in
            let p = CausalAttentionKernel.causalSoftmax(scores)
            return [p.scalars, CausalAttentionKernel.causalSoftmaxBackward(probabilities: p, gradient: dP, scale: 0.5).scalars]
        }
        var expectedP: [Float] = [], expectedD: [Float] = []
        for r in 0..<(3 * t) {
            let i = r % t
            let row = scores.scalars[(r * t)..<(r * t + i + 1)].map(Double.init)
            let lse = FusedReference.logSumExp(row)
            let p = row.map { exp($0 - lse) }
            let g = dP.scalars[(r * t)..<(r * t + i + 1)].map(Double.init)
            let dot = zip(p, g).map { $0 * $1 }.reduce(0, +)
            expectedP += p.map { Float($0) } + [Float](repeating: 0, count: t - i - 1)
            expectedD += zip(p, g).map { Float($0 * ($1 - dot) * 0.5) } + [Float](repeating: 0, count: t - i - 1)
        }
        for (name, got) in [("avx512", wide), ("avx2", narrow), ("swift", swift)] {
            assertClose(got[0], expectedP, rtol: 1e-5, atol: 1e-7, "\(name) forward")
            assertClose(got[1], expectedD, rtol: 1e-4, atol: 1e-6, "\(name) backward")
        }
        assertClose(wide[0], swift[0], rtol: 2e-6, atol: 1e-8, "avx512 vs swift forward")
        assertClose(narrow[0], swift[0], rtol: 2e-6, atol: 1e-8, "avx2 vs swift forward")
    }

    /// SwiGLU forward and backward against the Swift SiLU path and Float64, on lengths with masked tails and a
    /// chunk large enough to be split over the cores.
    func testSwiGLUMatchesSwiftAndFloat64() throws {
        for n in [1, 15, 17, 100, 70_001] {
            let gate = random([n], std: 4, seed: UInt64(n)), up = random([n], seed: 5), dy = random([n], seed: 6)
            let (wide, narrow, swift) = try allPaths { () -> [[Float]] in
                let y = try GatedActivationKernel.forward(gate: gate, up: up, activation: .silu)
                let g = GatedActivationKernel.backward(dy, gate: gate, up: up, activation: .silu)
                return [y.scalars, g.gate.scalars, g.up.scalars]
            }
            for i in 0..<3 {
                assertClose(wide[i], swift[i], rtol: 1e-6, atol: 1e-7, "avx512 n \(n), output \(i)")
                assertClose(narrow[i], swift[i], rtol: 1e-6, atol: 1e-7, "avx2 n \(n), output \(i)")
            }
            for j in Swift.stride(from: 0, to: n, by: max(1, n / 50)) {
                let x = Double(gate.scalars[j]), u = Double(up.scalars[j]), d = Double(dy.scalars[j])
                let s = 1 / (1 + Foundation.exp(-x))
                XCTAssertEqual(Double(wide[0][j]), x * s * u, accuracy: 1e-5 * max(1, abs(x * s * u)))
                XCTAssertEqual(Double(wide[1][j]), d * u * s * (1 + x * (1 - s)), accuracy: 1e-5 * max(1, abs(d * u)))
                XCTAssertEqual(Double(wide[2][j]), x * s * d, accuracy: 1e-5 * max(1, abs(x * d)))
            }
        }
    }

    /// RMSNorm (plain and Gemma's unit offset) forward and backward against the Swift loops, on row widths
    /// with tails and enough rows for several dweight partials.
    func testRMSNormMatchesTheSwiftPath() throws {
        for (rows, c) in [(3, 7), (5, 33), (300, 576)] {
            let x = random([rows, c], std: 2, seed: UInt64(c)), w = random([c], seed: 7), dy = random([rows, c], seed: 8)
            for unit in [false, true] {
                let (wide, narrow, swift) = try allPaths { () -> [[Float]] in
                    let f = try x.rmsNorm(weight: w, eps: 1e-5, unitOffset: unit)
                    let g = Tensor.rmsNormBackward(gradOutput: dy, input: x, weight: w, rstd: f.rstd, unitOffset: unit)
                    return [f.output.scalars, f.rstd.scalars, g.input.scalars, g.weight.scalars]
                }
                for i in 0..<4 {
                    // dweight (output 3) sums `rows` terms of size ~1 that cancel to ~0.1: its error is the sum's, 1e-7 · rows.
                    let atol: Float = i == 3 ? 1e-7 * Float(rows) : 1e-6
                    assertClose(wide[i], swift[i], rtol: 1e-5, atol: atol, "avx512 \(rows)x\(c) unit \(unit) output \(i)")
                    assertClose(narrow[i], swift[i], rtol: 1e-5, atol: atol, "avx2 \(rows)x\(c) unit \(unit) output \(i)")
                }
            }
        }
    }

    /// RoPE forward and backward against the Swift loop (head sizes 8, 64 and 40: tails of 4, none and 4 lanes
    /// past 16), and the backward undoes the forward.
    func testRotaryEmbeddingMatchesTheSwiftPath() throws {
        for (heads, d) in [(3, 8), (2, 64), (2, 40)] {
            let t = 11
            let x = random([2, t, heads * d], seed: UInt64(d))
            let angles = (0..<(t * d / 2)).map { Float($0 / (d / 2)) * Float($0 % (d / 2) + 1) * 0.1 }
            let cos = Tensor(shape: [t, d / 2], angles.map { Foundation.cos($0) })
            let sin = Tensor(shape: [t, d / 2], angles.map { Foundation.sin($0) })
            let (wide, narrow, swift) = try allPaths { () -> [[Float]] in
                let y = try RotaryEmbeddingKernel.forward(x, cos: cos, sin: sin, headDim: d)
                return [y.scalars, try RotaryEmbeddingKernel.backward(y, cos: cos, sin: sin, headDim: d).scalars]
            }
            for (name, got) in [("avx512", wide), ("avx2", narrow)] {
                assertClose(got[0], swift[0], rtol: 1e-6, atol: 1e-6, "\(name) forward d \(d)")
                assertClose(got[1], swift[1], rtol: 1e-6, atol: 1e-6, "\(name) backward d \(d)")
            }
            assertClose(wide[1], x.scalars, rtol: 1e-5, atol: 1e-5, "round trip d \(d)")
        }
    }

    /// Tensor.add(_:scale:) and scale(by:) on our loops give what cblas_saxpy / cblas_sscal give (a single
    /// rounding after one fused multiply-add vs two roundings: within an ulp).
    func testAxpyAndScaleMatchTheReference() {
        for n in [1, 16, 31, 33, 100_003] {
            let a = random([n], seed: UInt64(n)), b = random([n], seed: 99)
            var y = a
            y.add(b, scale: 0.37)
            let expected = zip(a.scalars, b.scalars).map { Float(Double($0) + 0.37 * Double($1)) }
            assertClose(y.scalars, expected, rtol: 2e-7, atol: 1e-7, "axpy n \(n)")
            y.scale(by: -3)
            assertClose(y.scalars, expected.map { Float(Double($0) * -3) }, rtol: 2e-7, atol: 1e-7, "scal n \(n)")
        }
    }

    /// The linear layer's bias gradient (column sums of dy) on both widths equals the Swift loop bit for bit, on
    /// widths with whole 4-vector blocks, a masked tail and fewer columns than one vector, and rows split over the
    /// cores; and matches a Float64 sum.
    func testColumnSumsMatchTheSwiftLoopBitForBit() throws {
        for (rows, columns) in [(1, 1), (3, 7), (5, 16), (33, 65), (1024, 128), (1024, 512), (257, 200)] {
            let m = random([rows, columns], seed: UInt64(rows * 1000 + columns))
            let sums = allPaths { () -> [Float] in
                var out = [Float](repeating: .nan, count: columns)
                m.withUnsafeBufferPointer { pm in out.withUnsafeMutableBufferPointer { po in
                    LinearKernel.columnSums(pm.baseAddress!, rows: rows, columns: columns, into: po.baseAddress!)
                } }
                return out
            }
            XCTAssertEqual(sums.avx512, sums.swift, "avx512 \(rows)x\(columns)")
            XCTAssertEqual(sums.avx2, sums.swift, "avx2 \(rows)x\(columns)")
            let values = m.scalars
            for j in 0..<columns {
                let exact = (0..<rows).reduce(0.0) { $0 + Double(values[$1 * columns + j]) }
                XCTAssertEqual(Double(sums.avx512[j]), exact, accuracy: 1e-5 * Double(rows), "column \(j) of \(rows)x\(columns)")
            }
        }
    }
}
