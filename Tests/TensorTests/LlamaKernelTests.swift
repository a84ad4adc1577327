import Foundation
import TensorCore
import TestSupport
import XCTest

/// The Llama-family fused kernels against the same math composed from primitive tensor ops (or, for attention
/// with KV = H, against the GPT-2 kernel), including sizes that take the parallel and blocked paths.
final class LlamaKernelTests: XCTestCase {
    func random(_ shape: [Int], seed: UInt64, std: Float = 1) -> Tensor {
        var rng = SeededGenerator(seed: seed)
        return Tensor.normal(shape, std: std, using: &rng)
    }

    // MARK: Dense ([out, in] weights)

    /// x·Wᵀ + b against matmul(transposeB) plus a broadcast add, for many rows (GEMM) and one row (GEMV).
    func testDenseMatchesMatmulPlusBias() throws {
        let w = random([7, 5], seed: 30), b = random([7], seed: 31)
        for x in [random([3, 4, 5], seed: 32), random([1, 5], seed: 33)] {
            let fused = try DenseKernel.forward(x, weight: w, bias: b)
            let composed = try Tensor.add(Tensor.matmul(x, w, transposeB: true), b)
            assertClose(fused.scalars, composed.scalars, rtol: 1e-5, atol: 1e-6)
            XCTAssertEqual(fused.shape, composed.shape)
        }
        XCTAssertThrowsError(try DenseKernel.forward(random([2, 4], seed: 1), weight: w, bias: nil))
    }

    // MARK: RMSNorm

    /// Composed: x · (mean(x²) + eps)^(-1/2) · w with broadcasting primitives; 400 rows take the parallel path.
    func testRMSNormMatchesComposedOps() throws {
        for unitOffset in [false, true] {
            let x = random([400, 48], seed: 1), w = random([48], seed: 2, std: 0.3)
            let fused = try x.rmsNorm(weight: w, eps: 1e-6, unitOffset: unitOffset)
            let meanSquare = Tensor.mul(try Tensor.mul(x, x).sum(axis: -1, keepDims: true), 1 / 48)
            let rstd = Tensor(shape: [400, 1], meanSquare.scalars.map { 1 / ($0 + 1e-6).squareRoot() })
            let scale = unitOffset ? Tensor.add(w, 1) : w
            let composed = try Tensor.mul(try Tensor.mul(x, rstd), scale)
            assertClose(fused.output.scalars, composed.scalars, rtol: 1e-5, atol: 1e-6, "unitOffset \(unitOffset)")
            assertClose(fused.rstd.scalars, rstd.scalars, rtol: 1e-6, atol: 0)
        }
    }

    /// The chunked parallel backward (2000 × 48 rows) against a per-row Double reference of the same formula.
    func testRMSNormBackwardOfManyRowsMatchesDoubleReference() throws {
        let rows = 2000, c = 48
        let x = random([rows, c], seed: 3), w = random([c], seed: 4), dy = random([rows, c], seed: 5)
        let r = try x.rmsNorm(weight: w, eps: 1e-5)
        let g = Tensor.rmsNormBackward(gradOutput: dy, input: x, weight: w, rstd: r.rstd)
        let xs = x.scalars.map(Double.init), ws = w.scalars.map(Double.init), gs = dy.scalars.map(Double.init)
        var dx = [Float](repeating: 0, count: rows * c), dw = [Double](repeating: 0, count: c)
        for i in 0..<rows {
            let row = i * c
            let ms = (0..<c).reduce(0.0) { $0 + xs[row + $1] * xs[row + $1] } / Double(c)
            let s = 1 / (ms + 1e-5).squareRoot()
            let meanGN = (0..<c).reduce(0.0) { $0 + ws[$1] * gs[row + $1] * xs[row + $1] * s } / Double(c)
            for j in 0..<c {
                dx[row + j] = Float(s * (ws[j] * gs[row + j] - xs[row + j] * s * meanGN))
                dw[j] += gs[row + j] * xs[row + j] * s
            }
        }
        assertClose(g.input.scalars, dx, rtol: 1e-4, atol: 1e-5, "dx")
        assertClose(g.weight.scalars, dw.map(Float.init), rtol: 1e-4, atol: 1e-4, "dweight")
    }

    // MARK: RoPE

    /// Composed as transformers writes it: x · cos + rotate_half(x) · sin, rotate_half(x) = [−x₂, x₁], with cos and
    /// sin repeated over both halves.
    func testRotaryEmbeddingMatchesRotateHalf() throws {
        let (t, heads, d) = (7, 3, 8)
        let x = random([2, t, heads * d], seed: 6)
        let angles = random([t, d / 2], seed: 7, std: 3).scalars
        let cos = Tensor(shape: [t, d / 2], angles.map { Foundation.cos($0) }), sin = Tensor(shape: [t, d / 2], angles.map { Foundation.sin($0) })
        let fused = try RotaryEmbeddingKernel.forward(x, cos: cos, sin: sin, headDim: d)
        let x4 = try x.reshaped([2, t, heads, d])
        let x1 = try x4.sliced(axis: 3, range: 0..<(d / 2)), x2 = try x4.sliced(axis: 3, range: (d / 2)..<d)
        let rotated = try Tensor.concat([x2.neg(), x1], axis: 3)
        let cosFull = try Tensor.concat([cos, cos], axis: 1).reshaped([t, 1, d])
        let sinFull = try Tensor.concat([sin, sin], axis: 1).reshaped([t, 1, d])
        let composed = try Tensor.add(Tensor.mul(x4, cosFull), Tensor.mul(rotated, sinFull))
        assertClose(fused.scalars, composed.scalars, rtol: 1e-5, atol: 1e-6)
        // The backward is the inverse rotation: applying it to the output gives the input back.
        let back = try RotaryEmbeddingKernel.backward(fused, cos: cos, sin: sin, headDim: d)
        assertClose(back.scalars, x.scalars, rtol: 1e-5, atol: 1e-5)
    }

    func testRotaryEmbeddingRejectsMismatchedTables() {
        XCTAssertThrowsError(try RotaryEmbeddingKernel.forward(.zeros([1, 4, 8]), cos: .zeros([3, 4]), sin: .zeros([3, 4]), headDim: 8))
        XCTAssertThrowsError(try RotaryEmbeddingKernel.forward(.zeros([1, 4, 9]), cos: .zeros([4, 4]), sin: .zeros([4, 4]), headDim: 9))
    }

    // MARK: Gated activations

    func testGatedActivationsMatchComposedOps() throws {
        let gate = random([3, 50], seed: 8, std: 2), up = random([3, 50], seed: 9)
        let swiglu = try GatedActivationKernel.forward(gate: gate, up: up, activation: .silu)
        let sig = Tensor(shape: gate.shape, gate.scalars.map { 1 / (1 + Foundation.exp(-$0)) })
        assertClose(swiglu.scalars, try Tensor.mul(Tensor.mul(gate, sig), up).scalars, rtol: 1e-5, atol: 1e-6, "swiglu")
        assertClose(gate.silu().scalars, try Tensor.mul(gate, sig).scalars, rtol: 1e-5, atol: 1e-6, "silu")
        let geglu = try GatedActivationKernel.forward(gate: gate, up: up, activation: .geluTanh)
        assertClose(geglu.scalars, try Tensor.mul(gate.gelu(), up).scalars, rtol: 1e-5, atol: 1e-6, "geglu")
        let dy = random([3, 50], seed: 10)
        let g = GatedActivationKernel.backward(dy, gate: gate, up: up, activation: .geluTanh)
        assertClose(g.gate.scalars, try Tensor.geluBackward(input: gate, gradOutput: Tensor.mul(dy, up)).scalars, rtol: 1e-5, atol: 1e-6)
        assertClose(g.up.scalars, try Tensor.mul(dy, gate.gelu()).scalars, rtol: 1e-5, atol: 1e-6)
    }

    // MARK: Grouped-query attention

    /// Packs q with k/v repeated for every query head as GPT-2's (B, T, 3C) activation.
    func packed(q: Tensor, k: Tensor, v: Tensor, heads: GroupedQueryAttentionKernel.Heads) throws -> Tensor {
        let group = heads.query / heads.keyValue, d = heads.size
        func expand(_ x: Tensor) throws -> Tensor {
            try Tensor.concat((0..<heads.query).map { h in try x.sliced(axis: 2, range: (h / group * d)..<(h / group * d + d)) }, axis: 2)
        }
        return try Tensor.concat([q, expand(k), expand(v)], axis: 2)
    }

    /// GQA and MQA equal GPT-2's fused attention on k/v repeated per query head, forward and backward (dk, dv
    /// summed over each group); T = 45 spans two row blocks.
    func testGroupedAttentionMatchesRepeatedMultiHeadKernel() throws {
        for heads in [GroupedQueryAttentionKernel.Heads(query: 4, keyValue: 2, size: 8), .init(query: 3, keyValue: 1, size: 4),
                      .init(query: 2, keyValue: 2, size: 6)] {
            let (b, t) = (2, 45), group = heads.query / heads.keyValue, d = heads.size
            let q = random([b, t, heads.query * d], seed: 11), k = random([b, t, heads.keyValue * d], seed: 12)
            let v = random([b, t, heads.keyValue * d], seed: 13), dy = random([b, t, heads.query * d], seed: 14)
            let (out, saved) = try GroupedQueryAttentionKernel.forward(q: q, k: k, v: v, heads: heads)
            let qkv = try packed(q: q, k: k, v: v, heads: heads)
            let (ref, refSaved) = try CausalAttentionKernel.forward(qkv: qkv, heads: heads.query)
            assertClose(out.scalars, ref.scalars, rtol: 1e-5, atol: 1e-6, "forward \(heads)")
            let grads = try GroupedQueryAttentionKernel.backward(dOut: dy, q: q, k: k, v: v, saved: saved, heads: heads)
            let dqkv = try CausalAttentionKernel.backward(dOut: dy, qkv: qkv, saved: refSaved, heads: heads.query)
            let c = heads.query * d
            assertClose(grads.q.scalars, try dqkv.sliced(axis: 2, range: 0..<c).scalars, rtol: 1e-4, atol: 1e-5, "dq \(heads)")
            for (which, ours) in [(1, grads.k), (2, grads.v)] {
                let full = try dqkv.sliced(axis: 2, range: (which * c)..<((which + 1) * c))
                var summed = Tensor.zeros(k.shape)
                for h in 0..<heads.query {
                    let part = try full.sliced(axis: 2, range: (h * d)..<(h * d + d))
                    var placed = Tensor.zeros(k.shape)
                    try placed.assignSlice(axis: 2, start: h / group * d, part)
                    summed = try Tensor.add(summed, placed)
                }
                assertClose(ours.scalars, summed.scalars, rtol: 1e-4, atol: 1e-5, "d\(which == 1 ? "k" : "v") \(heads)")
            }
        }
    }

    /// Decoding one position at a time through the cache gives the rows of the full causal attention.
    func testCachedGroupedAttentionMatchesFullAttention() throws {
        let heads = GroupedQueryAttentionKernel.Heads(query: 4, keyValue: 2, size: 8), t = 9
        let q = random([1, t, 32], seed: 15), k = random([1, t, 16], seed: 16), v = random([1, t, 16], seed: 17)
        let (full, _) = try GroupedQueryAttentionKernel.forward(q: q, k: k, v: v, heads: heads)
        var keys = Tensor.zeros([16, 16]), values = Tensor.zeros([16, 16])
        let first = try CachedGroupedAttentionKernel.forward(
            q: q.reshaped([t, 32]).sliced(axis: 0, range: 0..<5), k: k.reshaped([t, 16]).sliced(axis: 0, range: 0..<5),
            v: v.reshaped([t, 16]).sliced(axis: 0, range: 0..<5), heads: heads, start: 0, keys: &keys, values: &values)
        var rows = first.scalars
        for p in 5..<t {
            let step = try CachedGroupedAttentionKernel.forward(
                q: q.reshaped([t, 32]).sliced(axis: 0, range: p..<(p + 1)), k: k.reshaped([t, 16]).sliced(axis: 0, range: p..<(p + 1)),
                v: v.reshaped([t, 16]).sliced(axis: 0, range: p..<(p + 1)), heads: heads, start: p, keys: &keys, values: &values)
            rows += step.scalars
        }
        assertClose(rows, full.scalars, rtol: 1e-5, atol: 1e-6)
        XCTAssertThrowsError(try CachedGroupedAttentionKernel.forward(
            q: .zeros([1, 32]), k: .zeros([1, 16]), v: .zeros([1, 16]), heads: heads, start: 16, keys: &keys, values: &values))
    }

    func testAttentionRejectsNonDividingHeads() {
        XCTAssertThrowsError(try GroupedQueryAttentionKernel.forward(
            q: .zeros([1, 2, 12]), k: .zeros([1, 2, 8]), v: .zeros([1, 2, 8]), heads: .init(query: 3, keyValue: 2, size: 4)))
    }
}
