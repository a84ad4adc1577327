import Alignment
@testable import Datasets
@testable import Recipes
@testable import Report
import Training
import Autograd
import TensorCore
import TestSupport
import XCTest

/// ALGORITHMS.md §4, test vector A: full-batch GR-DPO / GR-IPO / DPO on a log-linear policy, to 1e-6.
final class TestVectorATests: XCTestCase {
    private func groupMeans(_ losses: Variable) -> [Float] {
        let l = losses.value.scalars
        return [(l[0] + l[1]) / 2, (l[2] + l[3] + l[4]) / 3]
    }

    func testGRDPOTwoSteps() throws {
        var policy = LogLinearPolicy(VectorA.theta0)
        var weighting = RobustWeighting(groupSizes: VectorA.groupSizes, etaAlpha: 0.9)
        let loss = DPOLoss(beta: 1)
        let expected: [(losses: [Float], alpha: [Float], theta: [Float])] = [
            ([0.4908606678, 0.4134202295], [0.5174170488, 0.4825829512], [1.0022373292, 0.5328364017, 2.0201545425, 1.5215401857]),
            ([0.4852639646, 0.4113733642], [0.5339969467, 0.4660030533], [1.0034003410, 0.5660199193, 2.0404386217, 1.5428265960]),
        ]
        for step in expected {
            let losses = try loss.perPairLoss(policy.pairs(VectorA.delta))
            assertClose(groupMeans(losses), step.losses, rtol: 0, atol: 1e-6)
            let objective = try weighting.objective(losses: losses, groups: VectorA.groups)
            assertClose(weighting.alpha, step.alpha, rtol: 0, atol: 1e-6)
            policy.step(objective, lr: 0.5)
            assertClose(policy.theta.value.scalars, step.theta, rtol: 0, atol: 1e-6)
        }
    }

    func testGRIPOOneStep() throws {
        var policy = LogLinearPolicy(VectorA.theta0)
        var weighting = RobustWeighting(groupSizes: VectorA.groupSizes, etaAlpha: 0.9)
        let losses = try IPOLoss(beta: 0.1).perPairLoss(policy.pairs(VectorA.delta))
        assertClose(groupMeans(losses), [20.25125, 18.6758333333], rtol: 1e-6, atol: 0)
        let objective = try weighting.objective(losses: losses, groups: VectorA.groups)
        assertClose(weighting.alpha, [0.8050050673, 0.1949949327], rtol: 0, atol: 1e-6)
        policy.step(objective, lr: 0.5)
        assertClose(policy.theta.value.scalars, [0.7175532733, 1.3984548477, 2.6287017229, 2.0682620904], rtol: 0, atol: 1e-5)
    }

    func testDPOMeanGradientStep() throws {
        var policy = LogLinearPolicy(VectorA.theta0)
        var weighting = UniformWeighting(groupSizes: VectorA.groupSizes)
        let losses = try DPOLoss(beta: 1).perPairLoss(policy.pairs(VectorA.delta))
        policy.step(try weighting.objective(losses: losses, groups: VectorA.groups), lr: 0.5)
        assertClose(policy.theta.value.scalars, [1.0127007472, 0.5263055063, 2.0174917326, 1.5232028681], rtol: 0, atol: 1e-6)
    }
}
