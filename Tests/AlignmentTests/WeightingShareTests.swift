import Alignment
import Autograd
import Foundation
import TensorCore
import TestSupport
import XCTest

/// The data-parallel form of every group weighting, with two "ranks" simulated in one process: the shares of
/// two slices of a minibatch add up to the objective of the whole minibatch, their gradients to its gradient,
/// and the robust weighting's α moves on both ranks exactly as on one (its group losses are summed first).
final class WeightingShareTests: XCTestCase {
    let sizes = [4, 7, 3]
    let groups = [0, 1, 1, 2, 0, 1, 2, 1]
    let losses: [Float] = [0.9, 0.2, 1.4, 0.6, 0.3, 1.1, 0.8, 0.5]
    let split = 3   // rank 0 takes pairs 0..<3, rank 1 the rest (an uneven split on purpose)

    /// Whole-batch objective and ∂/∂ℓ, then each slice's share and ∂/∂ℓ, given `sum` as the ranks' all-reduce.
    func shares<W: GroupWeighting>(_ make: () -> W) throws -> (whole: Float, wholeGrad: [Float], parts: [Float], partGrad: [Float], after: [W]) {
        var one = make()
        let l = Variable(Tensor(shape: [groups.count], losses), requiresGrad: true)
        let whole = try one.objective(losses: l, groups: groups)
        whole.backward()
        let slices = [0..<split, split..<groups.count]
        // First pass: what each rank contributes to the sum (recorded from a copy that is then discarded).
        var contributions: [[Double]] = [[], []]
        for (r, s) in slices.enumerated() {
            var probe = make()
            _ = try probe.shareOfObjective(losses: Variable(Tensor(shape: [s.count], Array(losses[s]))), groups: Array(groups[s]),
                                           batchGroups: groups) { contributions[r] = $0; return $0 }
        }
        var parts: [Float] = [], partGrad: [Float] = [], after: [W] = []
        for (r, s) in slices.enumerated() {
            var w = make()
            let piece = Variable(Tensor(shape: [s.count], Array(losses[s])), requiresGrad: true)
            let share = try w.shareOfObjective(losses: piece, groups: Array(groups[s]), batchGroups: groups) { mine in
                XCTAssertEqual(mine, contributions[r])
                return zip(contributions[0], contributions[1]).map { $0 + $1 }
            }
            share.backward()
            parts.append(share.value.item)
            partGrad += piece.grad!.scalars
            after.append(w)
        }
        return (whole.value.item, l.grad!.scalars, parts, partGrad, after + [one])
    }

    func testUniformSharesAddUpToTheMean() throws {
        let r = try shares { UniformWeighting(groupSizes: sizes) }
        assertClose(r.parts.reduce(0, +), r.whole, rtol: 1e-6)
        assertClose(r.partGrad, r.wholeGrad, rtol: 1e-6)
        assertClose(r.wholeGrad, [Float](repeating: 1.0 / 8, count: 8), rtol: 1e-6)
    }

    func testImportanceSharesAddUpToTheEqualWeightAverage() throws {
        let r = try shares { ImportanceWeighting(groupSizes: sizes) }
        assertClose(r.parts.reduce(0, +), r.whole, rtol: 1e-6)
        assertClose(r.partGrad, r.wholeGrad, rtol: 1e-6)
        // w_i = N / (K · N_g · |B|) with the whole |B| = 8, not the slice's.
        assertClose(r.partGrad[0], 14 / (3 * 4 * 8), rtol: 1e-6)
    }

    func testRobustSharesMoveAlphaAsOneProcessAndAddUp() throws {
        for scaling in [false, true] {
            let r = try shares { RobustWeighting(groupSizes: sizes, etaAlpha: 0.7, chi: 0.8, adjustment: 0.5, referenceCodeScaling: scaling) }
            assertClose(r.parts.reduce(0, +), r.whole, rtol: 1e-6)
            assertClose(r.partGrad, r.wholeGrad, rtol: 1e-6)
            let (rank0, rank1, one) = (r.after[0], r.after[1], r.after[2])
            XCTAssertEqual(rank0.alpha, rank1.alpha)
            assertClose(rank0.alpha, one.alpha, rtol: 1e-6)
            assertClose(rank0.lastGroupLosses, one.lastGroupLosses, rtol: 1e-6)
            // α left its start, so the equality is not that of two untouched weightings.
            XCTAssertGreaterThan(one.alpha.max()! - one.alpha.min()!, 1e-2)
        }
    }
}
