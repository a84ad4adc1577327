import Alignment
import Foundation
import XCTest
@testable import Datasets
@testable import Recipes
@testable import Report
import Training
import Autograd
import TensorCore

/// A log-linear toy policy for EM-DPO: every response y of every list has a feature vector φ(y) and
/// log π(y|x) − log π_ref(y|x) = θ·φ(y) (up to a per-prompt constant, which no pair or ranking likelihood sees).
/// θ starts at 0 — the "SFT model" equals the reference — and trains with Adam.
final class LogLinearTypePolicy: EMTypePolicy, Trainable {
    let theta: Variable
    let lr: Float
    /// All responses' features, (S_all, D), and where each list's rows start.
    let flat: [Float]
    let offsets: [Int]
    let d: Int

    /// features[list][response] = φ, all of dimension D.
    init(features: [[[Float]]], lr: Float) throws {
        d = features[0][0].count
        flat = features.flatMap { $0.flatMap { $0 } }
        offsets = features.reduce(into: [0]) { $0.append($0.last! + $1.count) }
        theta = Variable(Tensor.zeros([d]), requiresGrad: true)
        self.lr = lr
    }

    func logRatios(_ lists: [Int]) throws -> Variable {
        var rows: [Float] = []
        rows.reserveCapacity(lists.count * 3 * d)
        for i in lists { rows += flat[(offsets[i] * d)..<(offsets[i + 1] * d)] }
        let phi = Variable(Tensor(shape: [rows.count / d, d], rows))
        return try Variable.matmul(phi, theta.reshaped([d, 1])).reshaped([rows.count / d])
    }

    var trainable: Trainable { self }
    var trainableParameters: [Variable] { [theta] }

    /// Adam at a constant rate, no clipping, no decay: the plain optimiser a toy needs.
    func mStepSettings(steps: Int) -> TrainingSettings {
        TrainingSettings(steps: steps, lr: lr, minLR: lr, warmupSteps: 0, weightDecay: 0, gradClip: 0, adamBeta2: 0.999)
    }

    func write(to folder: URL) throws { try SafeTensors.write(["theta": theta.value], to: folder.appendingPathComponent("theta.safetensors")) }

    func read(from folder: URL) throws {
        theta.assign(try XCTUnwrap(try SafeTensors.read(contentsOf: folder.appendingPathComponent("theta.safetensors")).tensors["theta"]))
    }
}
