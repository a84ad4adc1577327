import Alignment
@testable import Datasets
@testable import Recipes
@testable import Report
import Training
import Autograd
import TensorCore

/// The log-linear policy class of ALGORITHMS.md's test vectors: log π(y) = θ·φ(y) − log Z with a uniform
/// reference, so for a pair h_i = θ·Δ_i with Δ_i = φ(y_w) − φ(y_l).
struct LogLinearPolicy {
    var theta: Variable

    init(_ theta: [Float]) { self.theta = Variable(Tensor(shape: [theta.count], theta), requiresGrad: true) }

    /// The pair batch whose margin h equals Δ·θ: policyChosen = Δθ, policyRejected = 0, reference 0.
    func pairs(_ delta: [[Float]]) throws -> PairLogProbs {
        let d = Variable(Tensor(shape: [delta.count, delta[0].count], delta.flatMap { $0 }))
        let h = try Variable.matmul(d, theta.reshaped([theta.value.count, 1])).reshaped([delta.count])
        let zeros = Tensor.zeros([delta.count])
        return PairLogProbs(policyChosen: h, policyRejected: Variable(zeros), referenceChosen: zeros, referenceRejected: zeros)
    }

    /// One gradient step θ ← θ − η ∇objective.
    mutating func step(_ objective: Variable, lr: Float) {
        theta.zeroGrad()
        objective.backward()
        var t = theta.value
        t.add(theta.grad!, scale: -lr)
        theta = Variable(t, requiresGrad: true)
    }
}

/// ALGORITHMS.md test vector A inputs.
enum VectorA {
    static let theta0: [Float] = [1, 0.5, 2, 1.5]
    static let groups = [0, 0, 1, 1, 1]
    static let delta: [[Float]] = [[0.3, -0.2, 0.1, 0.4], [-0.5, 0.6, 0.2, -0.1], [0.2, 0.2, -0.3, 0.5],
                                   [0.7, -0.4, 0, 0.1], [-0.1, 0.3, 0.6, -0.2]]
    static let groupSizes = [2, 3]
}
