import Alignment
@testable import Datasets
@testable import Recipes
@testable import Report
import Training
import Autograd
import Foundation
import TensorCore
import XCTest

/// ALGORITHMS.md §5: the GRPO paper's synthetic two-group bandit (uneven comparisons, 60/240 imbalance).
/// Over 5 seeds, GR-DPO must end with a lower mean worst-group validation loss than DPO.
final class GroupBanditTests: XCTestCase {
    struct Pair { var delta: [Float]; var group: Int }

    static func features(x: (Double, Double), action: Int, group: Int) -> [Double] {
        let u = Double(action) / 8 + 1
        let (c1, s1) = (cos(Double.pi * x.0), sin(Double.pi * x.0))
        let (c2, s2) = (cos(Double.pi * x.1), sin(Double.pi * x.1))
        return group == 0 ? [u * c1, s1 / u, u * c2, s2 / u] : [s1 / u, u * c1, s2 / u, u * c2]
    }

    /// Pairs of one group: group 0 compares adjacent actions (reflected at the ends), group 1 opposite ones;
    /// the action with the higher true reward is chosen.
    static func pairs(group: Int, count: Int, rng: inout SeededGenerator) -> [Pair] {
        let trueTheta: [Double] = group == 0 ? [1, 3, 1, 3] : [3, 1, 3, 1]
        return (0..<count).map { _ in
            let x = (rng.nextUniformDouble(), rng.nextUniformDouble())
            let a1 = rng.nextInt(below: 8)
            var a2: Int
            if group == 0 {
                a2 = a1 + (rng.nextInt(below: 2) == 0 ? -1 : 1)
                if a2 < 0 { a2 = 1 }
                if a2 > 7 { a2 = 6 }
            } else {
                a2 = (a1 + 4) % 8
            }
            let f1 = features(x: x, action: a1, group: group), f2 = features(x: x, action: a2, group: group)
            let r1 = zip(trueTheta, f1).map(*).reduce(0, +), r2 = zip(trueTheta, f2).map(*).reduce(0, +)
            let (w, l) = r1 >= r2 ? (f1, f2) : (f2, f1)
            return Pair(delta: zip(w, l).map { Float($0 - $1) }, group: group)
        }
    }

    /// Full-batch training for `steps`, then the max over groups of the mean validation DPO loss.
    static func worstValidationLoss(robust: Bool, seed: UInt64, steps: Int = 300) throws -> Float {
        var rng = SeededGenerator(seed: seed)
        let train = pairs(group: 0, count: 60, rng: &rng) + pairs(group: 1, count: 240, rng: &rng)
        let valid = pairs(group: 0, count: 500, rng: &rng) + pairs(group: 1, count: 500, rng: &rng)
        var policy = LogLinearPolicy((0..<4).map { _ in 5 * rng.nextUniform() })
        var weighting: GroupWeighting = robust ? RobustWeighting(groupSizes: [60, 240], etaAlpha: 0.5)
                                               : UniformWeighting(groupSizes: [60, 240])
        let loss = DPOLoss(beta: 1)
        for _ in 0..<steps {
            let losses = try loss.perPairLoss(policy.pairs(train.map(\.delta)))
            policy.step(try weighting.objective(losses: losses, groups: train.map(\.group)), lr: 0.9)
        }
        let v = try withNoGrad { try loss.perPairLoss(policy.pairs(valid.map(\.delta))) }.value.scalars
        let g0 = v[0..<500].reduce(0, +) / 500, g1 = v[500...].reduce(0, +) / 500
        return max(g0, g1)
    }

    func testGRDPOBeatsDPOOnWorstGroup() throws {
        var dpo: [Float] = [], grdpo: [Float] = []
        for seed in UInt64(1)...5 {
            dpo.append(try Self.worstValidationLoss(robust: false, seed: seed))
            grdpo.append(try Self.worstValidationLoss(robust: true, seed: seed))
        }
        let meanDPO = dpo.reduce(0, +) / 5, meanGR = grdpo.reduce(0, +) / 5
        XCTAssertLessThan(meanGR, meanDPO, "GR-DPO \(grdpo) vs DPO \(dpo)")
        print("bandit worst-group validation loss: DPO \(meanDPO), GR-DPO \(meanGR)")
    }
}
