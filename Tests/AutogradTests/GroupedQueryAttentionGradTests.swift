import Autograd
import TensorCore
import TestSupport
import XCTest

final class GroupedQueryAttentionGradTests: XCTestCase {
    func check(heads: GroupedQueryAttentionKernel.Heads, b: Int, t: Int, scale: Float? = nil, seed: UInt64) throws {
        let q = gradcheckInput([b, t, heads.query * heads.size], std: 0.7, seed: seed)
        let k = gradcheckInput([b, t, heads.keyValue * heads.size], std: 0.7, seed: seed + 1)
        let v = gradcheckInput([b, t, heads.keyValue * heads.size], seed: seed + 2)
        try assertGradientsMatch([q, k, v]) { x in
            try Variable.groupedQueryAttention(q: x[0], k: x[1], v: x[2], heads: heads, scale: scale)
        }
    }

    /// Two query heads per key/value head: dk and dv sum over the group.
    func testGroupedQueryGradcheck() throws { try check(heads: .init(query: 4, keyValue: 2, size: 3), b: 2, t: 5, seed: 1) }

    /// One key/value head for all queries (MQA).
    func testMultiQueryGradcheck() throws { try check(heads: .init(query: 3, keyValue: 1, size: 4), b: 1, t: 6, seed: 4) }

    /// KV = H, plain multi-head attention, with an explicit scale.
    func testMultiHeadGradcheck() throws { try check(heads: .init(query: 2, keyValue: 2, size: 4), b: 2, t: 4, scale: 0.3, seed: 7) }

    /// More positions than one row block (32), so the blocked products and the triangle skipping are covered.
    func testLongSequenceGradcheck() throws { try check(heads: .init(query: 2, keyValue: 1, size: 2), b: 1, t: 37, seed: 10) }
}

/// The attention backward under packed rows' segment rule (`SegmentMask`): the kernels' backward is unchanged,
/// the zero probabilities of hidden keys carry it; central differences confirm it.
final class SegmentMaskAttentionGradTests: XCTestCase {
    /// Row 0: a prompt of 3, responses of 2 and 1 tokens; row 1: a prompt of 2, responses of 2 and 1, one pad.
    func testGroupedQueryGradcheck() throws {
        let seg: [Int32] = [0, 0, 0, 1, 1, 2, 0, 0, 1, 1, 2, -1]
        let heads = GroupedQueryAttentionKernel.Heads(query: 4, keyValue: 2, size: 3)
        let q = gradcheckInput([2, 6, 12], std: 0.7, seed: 21)
        let k = gradcheckInput([2, 6, 6], std: 0.7, seed: 22)
        let v = gradcheckInput([2, 6, 6], seed: 23)
        try assertGradientsMatch([q, k, v]) { x in
            try Variable.groupedQueryAttention(q: x[0], k: x[1], v: x[2], heads: heads, segments: seg)
        }
    }

    func testMultiHeadGradcheck() throws {
        let seg: [Int32] = [0, 0, 0, 1, 1, 2, 0, 0, 1, 1, 2, -1]
        var rng = SeededGenerator(seed: 31)
        let qkv = Tensor.normal([2, 6, 3 * 6], std: 0.7, using: &rng)
        let result = try gradcheck(inputs: [qkv]) { v in try Variable.causalSelfAttention(qkv: v[0], heads: 2, segments: seg) }
        XCTAssertTrue(result.passed, result.description)
    }
}

/// The fused kernel under a segment mask against the same attention composed from primitive ops (matmul, an
/// additive −1e9 mask, softmax), forward and backward, one query/key head at a time.
final class SegmentMaskComposedAttentionTests: XCTestCase {
    func testFusedMatchesComposedMaskedAttention() throws {
        let seg: [Int32] = [0, 0, 0, 1, 1, 1, 2, 2, 3, -1]
        let (t, d) = (seg.count, 4)
        let heads = GroupedQueryAttentionKernel.Heads(query: 1, keyValue: 1, size: d)
        var mask = [Float](repeating: 0, count: t * t)
        for i in 0..<t { for j in 0..<t where j > i || !(seg[j] == 0 || seg[j] == seg[i]) { mask[i * t + j] = -1e9 } }
        let inputs = [gradcheckInput([1, t, d], std: 0.8, seed: 41), gradcheckInput([1, t, d], std: 0.8, seed: 42),
                      gradcheckInput([1, t, d], seed: 43)]
        let weights = Variable(gradcheckInput([1, t, d], seed: 44))
        func run(_ f: ([Variable]) throws -> Variable) throws -> (out: [Float], grads: [[Float]]) {
            let v = inputs.map { Variable($0, requiresGrad: true) }
            let out = try f(v)
            try (out * weights).sum().backward()
            return (out.value.scalars, v.map { $0.grad!.scalars })
        }
        let fused = try run { v in try Variable.groupedQueryAttention(q: v[0], k: v[1], v: v[2], heads: heads, segments: seg) }
        let composed = try run { v in
            let q = try v[0].reshaped([t, d]), k = try v[1].reshaped([t, d]), vv = try v[2].reshaped([t, d])
            let scores = try Variable.matmul(q, k, transposeB: true) * (1 / Float(d).squareRoot())
            let p = try (scores + Variable(Tensor(shape: [t, t], mask))).softmax()
            return try Variable.matmul(p, vv).reshaped([1, t, d])
        }
        assertClose(fused.out, composed.out, rtol: 1e-5, atol: 1e-6)
        for (a, b) in zip(fused.grads, composed.grads) { assertClose(a, b, rtol: 1e-4, atol: 1e-5) }
    }
}
