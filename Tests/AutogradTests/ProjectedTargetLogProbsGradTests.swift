import Autograd
import TensorCore
import TestSupport
import XCTest

/// The fused, chunked head + target log-prob against the composed ops it replaces (dense head, then
/// `targetLogProbs`): same values and gradients, and far less tensor memory when few rows are scored.
final class ProjectedTargetLogProbsGradTests: XCTestCase {
    /// Gradients with respect to hidden and head by central differences, over several chunks with ignored rows.
    func testGradcheckOverChunksWithIgnoredRows() throws {
        for chunk in [1, 2, 16] {
            try assertGradientsMatch([gradcheckInput([5, 4], std: 1, seed: 2), gradcheckInput([7, 4], std: 1, seed: 3)]) { v in
                try Variable.projectedTargetLogProbs(hidden: v[0], weight: v[1], targets: [3, -100, 6, 0, -100], chunkRows: chunk)
            }
        }
    }

    /// Values and both gradients equal the composed path to 1e-5 for chunk sizes that do and do not divide the
    /// scored rows; ignored rows give 0 and no hidden gradient.
    func testEqualsComposedHeadAndLogSoftmax() throws {
        let n = 23, c = 8, v = 50
        let targets: [Int32] = (0..<n).map { $0 % 4 == 1 ? -100 : Int32(($0 * 7) % v) }
        let seed = gradcheckInput([n], std: 1, seed: 9)
        func run(_ fused: Int?) throws -> (out: [Float], dh: [Float], dw: [Float]) {
            let h = Variable(gradcheckInput([n, c], seed: 4), requiresGrad: true)
            let w = Variable(gradcheckInput([v, c], seed: 5), requiresGrad: true)
            let out = try fused.map { try Variable.projectedTargetLogProbs(hidden: h, weight: w, targets: targets, chunkRows: $0) }
                ?? Variable.targetLogProbs(logits: Variable.dense(h, weight: w, bias: nil), targets: targets)
            out.backward(seed: seed)
            return (out.value.scalars, h.grad!.scalars, w.grad!.scalars)
        }
        let composed = try run(nil)
        for chunk in [1, 5, 256] {
            let fused = try run(chunk)
            assertClose(fused.out, composed.out, rtol: 1e-5, atol: 1e-5, "log-probs, chunk \(chunk)")
            assertClose(fused.dh, composed.dh, rtol: 1e-5, atol: 1e-5, "d hidden, chunk \(chunk)")
            assertClose(fused.dw, composed.dw, rtol: 1e-5, atol: 1e-5, "d head, chunk \(chunk)")
            for r in 0..<n where targets[r] == -100 {
                XCTAssertEqual(fused.out[r], 0)
                XCTAssertEqual(fused.dh[(r * c)..<(r * c + c)].map(abs).max(), 0)
            }
        }
    }

    /// A frozen head (LoRA, reference) gets no gradient, and the hidden gradient is unchanged.
    func testFrozenHeadGetsNoGradient() throws {
        let h = Variable(gradcheckInput([4, 3], seed: 6), requiresGrad: true)
        let w = Variable(gradcheckInput([9, 3], seed: 7))
        try Variable.projectedTargetLogProbs(hidden: h, weight: w, targets: [1, 2, -100, 8]).sum().backward()
        XCTAssertNil(w.grad)
        XCTAssertNotNil(h.grad)
    }

    /// A target outside the vocabulary and a count mismatch are refused, naming the row.
    func testBadTargetsThrow() throws {
        let h = Variable(gradcheckInput([2, 3], seed: 6)), w = Variable(gradcheckInput([5, 3], seed: 7))
        XCTAssertThrowsError(try Variable.projectedTargetLogProbs(hidden: h, weight: w, targets: [1, 5])) {
            XCTAssertTrue("\($0)".contains("row 1: target 5 outside [0, 5)"), "\($0)")
        }
        XCTAssertThrowsError(try Variable.projectedTargetLogProbs(hidden: h, weight: w, targets: [1]))
    }

    /// Peak tensor memory of forward + backward with 32 of 512 rows scored over a 4000-token vocabulary: the
    /// composed path holds the (512 × 4000) logits and their gradient (8 MB each); the fused one a 32-row chunk.
    /// The fused peak must be below a tenth of the composed one.
    func testPeakMemoryDropsWithFewScoredRows() throws {
        let n = 512, c = 16, v = 4000
        let targets: [Int32] = (0..<n).map { $0 % 16 == 0 ? Int32($0 % v) : -100 }
        func peak(fused: Bool) throws -> (Int, [Float]) {
            let h = Variable(gradcheckInput([n, c], seed: 4), requiresGrad: true)
            let w = Variable(gradcheckInput([v, c], seed: 5), requiresGrad: true)
            let (_, bytes) = try TensorMemory.peakBytes {
                let out = fused ? try Variable.projectedTargetLogProbs(hidden: h, weight: w, targets: targets, chunkRows: 256)
                    : try Variable.targetLogProbs(logits: Variable.dense(h, weight: w, bias: nil), targets: targets)
                out.sum().backward()
            }
            return (bytes, h.grad!.scalars)
        }
        let (composed, gComposed) = try peak(fused: false), (fused, gFused) = try peak(fused: true)
        assertClose(gFused, gComposed, rtol: 1e-5, atol: 1e-6)
        XCTAssertGreaterThan(composed, 2 * n * v * 4, "the composed path holds logits and their gradient")
        XCTAssertLessThan(fused * 10, composed, "fused peak \(fused) B vs composed \(composed) B")
    }
}
