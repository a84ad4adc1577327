// Tour, chapter 5: group-robust DPO. A two-group bandit: group 0 (90 % of the data) is easy, group 1 (10 %) is
// hard. `RobustWeighting` moves α towards the group with the larger loss by mirror ascent,
// α_g ← α_g·exp(η_α·G_g) / Z, while `UniformWeighting` keeps each group at its share of the data.
import Alignment
import Autograd
import Foundation
import TensorCore

let sizes = [90, 10]
var robust = RobustWeighting(groupSizes: sizes, etaAlpha: 0.5)
var uniform = UniformWeighting(groupSizes: sizes)
// Every minibatch of 10 pairs mirrors the data, 9 of group 0 and 1 of group 1, with fixed per-pair losses 0.2
// (easy) and 1.0 (hard); G_g, the group's estimated mean loss, is then exactly 0.2 and 1.0.
let groups = [Int](repeating: 0, count: 9) + [1]
let losses = Tensor(shape: [10], [Float](repeating: 0.2, count: 9) + [1.0])
for step in 1...10 {
    let r = try robust.objective(losses: Variable(losses, requiresGrad: true), groups: groups)
    _ = try uniform.objective(losses: Variable(losses, requiresGrad: true), groups: groups)
    if step == 1 || step == 5 || step == 10 {
        print(String(format: "step %2d  α = (%.4f, %.4f)  robust objective %.4f", step, robust.alpha[0], robust.alpha[1], r.value.scalars[0]))
    }
}
print(String(format: "uniform weights (%.4f, %.4f)", uniform.groupWeights[0], uniform.groupWeights[1]))
// Without a loss gap α does not move: equal losses leave it at its start (1/K each).
var flat = RobustWeighting(groupSizes: sizes, etaAlpha: 0.5)
_ = try flat.objective(losses: Variable(Tensor(shape: [10], [Float](repeating: 0.5, count: 10))), groups: groups)
print(String(format: "equal losses: α = (%.4f, %.4f)", flat.alpha[0], flat.alpha[1]))
