import Alignment
@testable import Datasets
@testable import Recipes
@testable import Report
import Training
import Autograd
import Foundation
import TensorCore
import TestSupport
import XCTest

/// The weightings of ALGORITHMS.md §4 on a full batch, where every estimate equals its group mean.
final class GroupWeightingTests: XCTestCase {
    let sizes = [2, 3]
    let groups = [0, 0, 1, 1, 1]
    let losses: [Float] = [0.2, 0.6, 1.0, 0.5, 1.5]   // group means 0.4 and 1.0

    func testImportanceWeightingIsTheEqualWeightAverageOfGroupMeans() throws {
        var w = ImportanceWeighting(groupSizes: sizes)
        let l = Variable(Tensor(shape: [5], losses), requiresGrad: true)
        let objective = try w.objective(losses: l, groups: groups)
        assertClose(objective.value.item, (0.4 + 1.0) / 2, rtol: 1e-6)
        objective.backward()
        // ∂/∂ℓ_i = N / (K · N_g · |B|) = 1/(2·2) for group 0 and 1/(2·3) for group 1.
        assertClose(l.grad!.scalars, [0.25, 0.25, 1.0 / 6, 1.0 / 6, 1.0 / 6], rtol: 1e-6)
        assertClose(w.groupWeights, [0.5, 0.5])
    }

    func testUniformWeightingIsThePlainMean() throws {
        var w = UniformWeighting(groupSizes: sizes)
        let objective = try w.objective(losses: Variable(Tensor(shape: [5], losses)), groups: groups)
        assertClose(objective.value.item, losses.reduce(0, +) / 5, rtol: 1e-6)
        assertClose(w.groupWeights, [0.4, 0.6])
    }

    /// The adjustment C/√N_g enters the α update only, not the objective.
    func testRobustAdjustmentMovesAlphaNotTheObjective() throws {
        let eta: Float = 0.5, c: Float = 2
        var plain = RobustWeighting(groupSizes: sizes, etaAlpha: eta)
        var adjusted = RobustWeighting(groupSizes: sizes, etaAlpha: eta, adjustment: c)
        let l = Variable(Tensor(shape: [5], losses))
        _ = try plain.objective(losses: l, groups: groups)
        let r = try adjusted.objective(losses: l, groups: groups)
        assertClose(adjusted.lastGroupLosses, [0.4, 1.0], rtol: 1e-6)
        // α ∝ α₀ · exp(η (G + C/√N_g)), α₀ uniform.
        let a0 = exp(Double(eta) * (0.4 + Double(c) / 2.0.squareRoot())), a1 = exp(Double(eta) * (1.0 + Double(c) / 3.0.squareRoot()))
        assertClose(adjusted.alpha, [Float(a0 / (a0 + a1)), Float(a1 / (a0 + a1))], rtol: 1e-6)
        XCTAssertGreaterThan(adjusted.alpha[0], plain.alpha[0], "the smaller group gets the larger bonus")
        assertClose(r.value.item, adjusted.alpha[0] * 0.4 + adjusted.alpha[1] * 1.0, rtol: 1e-6)
    }
}
