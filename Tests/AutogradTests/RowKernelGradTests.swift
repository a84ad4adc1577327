import Autograd
import Foundation
import TensorCore
import XCTest

/// The session-5 row kernels (attention softmax rows, SwiGLU, RMSNorm, RoPE) under central differences on each
/// C variant, pinned by `VectorKernels.wantedRowKernels` (the other gradcheck classes run whatever the default is),
/// with sizes that leave masked tails in both the 16- and the 8-lane loops.
final class RowKernelGradTests: XCTestCase {
    override func setUpWithError() throws {
        try XCTSkipUnless(VectorKernels.available, "this CPU has no AVX2")
    }

    override func tearDown() { VectorKernels.wantedRowKernels = .avx512 }

    /// Runs `body` once per C variant this CPU has, checking that variant is the one that runs.
    private func eachVariant(_ body: () throws -> Void) throws {
        for variant in VectorKernels.avx512Available ? [VectorKernels.RowKernels.avx512, .avx2] : [.avx2] {
            VectorKernels.wantedRowKernels = variant
            XCTAssertEqual(VectorKernels.rowKernels, variant)
            try body()
        }
    }

    func testAttentionGradcheckWithAndWithoutSegments() throws {
        let heads = GroupedQueryAttentionKernel.Heads(query: 4, keyValue: 2, size: 3)
        // 19 positions: one full 16-lane vector plus a tail, two full 8-lane vectors plus a tail.
        let seg: [Int32] = (0..<19).map { (i: Int) -> Int32 in i < 5 ? 0 : Int32(1 + (i - 5) / 6) }
        let q = gradcheckInput([1, 19, 12], std: 0.7, seed: 41), k = gradcheckInput([1, 19, 6], std: 0.7, seed: 42)
        let v = gradcheckInput([1, 19, 6], seed: 43)
        try eachVariant {
            for segments in [nil, seg] {
                try assertGradientsMatch([q, k, v]) { x in
                    try Variable.groupedQueryAttention(q: x[0], k: x[1], v: x[2], heads: heads, segments: segments)
                }
            }
        }
    }

    func testSwiGLUGradcheck() throws {
        let inputs = [gradcheckInput([3, 19], std: 2, seed: 44), gradcheckInput([3, 19], seed: 45)]
        try eachVariant {
            try assertGradientsMatch(inputs) { v in try Variable.gated(gate: v[0], up: v[1], activation: .silu) }
        }
    }

    func testRMSNormGradcheck() throws {
        let inputs = [gradcheckInput([3, 21], seed: 46), gradcheckInput([21], seed: 47)]
        try eachVariant {
            for unit in [false, true] {
                try assertGradientsMatch(inputs) { v in try v[0].rmsNorm(weight: v[1], eps: 1e-6, unitOffset: unit) }
            }
        }
    }

    func testRotaryEmbeddingGradcheck() throws {
        // Head size 36: 18 pairs, a full 16-lane vector and a tail of 2.
        let angles = gradcheckInput([3, 18], std: 2, seed: 48).scalars
        let cos = Tensor(shape: [3, 18], angles.map { Foundation.cos($0) })
        let sin = Tensor(shape: [3, 18], angles.map { Foundation.sin($0) })
        try eachVariant {
            try assertGradientsMatch([gradcheckInput([1, 3, 72], seed: 49)]) { v in
                try v[0].rotaryEmbedding(cos: cos, sin: sin, headDim: 36)
            }
        }
    }
}
