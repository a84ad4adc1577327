import Autograd
import Foundation
import Models

/// The one optimizer step every trainer takes, on any list of parameters: zero the gradients, compute the loss,
/// refuse a non-finite loss, backward, clip the global norm, set the scheduled learning rate, AdamW step.
public final class OptimizerStep {
    /// The parameters updated.
    public let parameters: [Variable]
    /// AdamW with weight decay on 2-D weights only, β₁/β₂ from the settings.
    public let optimizer: AdamW
    /// Warmup + cosine decay.
    public let schedule: CosineSchedule
    /// Global gradient-norm clip (0 = none).
    public let gradClip: Float
    /// Factor on the scheduled learning rate (1 unless a plateau schedule cut it).
    public var lrScale: Float = 1

    /// A step over `parameters` with the optimizer and schedule of `settings`.
    public init(parameters: [Variable], settings: TrainingSettings) throws {
        self.parameters = parameters
        optimizer = try AdamW(parameters: parameters, lr: settings.lr, betas: (settings.adamBeta1, settings.adamBeta2),
                              weightDecay: settings.weightDecay, decayMask: AdamW.decayMatricesOnly)
        let total = max(settings.steps, 1)
        schedule = try CosineSchedule(baseLR: settings.lr, warmupSteps: min(settings.warmupSteps, total), totalSteps: total,
                                      minLR: settings.minLR)
        gradClip = settings.gradClip
    }

    /// Sums loss and gradients over the ranks of a data-parallel run between backward and clipping (nil: one
    /// process); set by the driver.
    public var dataParallel: DataParallel?

    /// Runs step `index` (0-based) on the scalar `loss`; returns the loss value and the gradient norm before
    /// clipping (NaN without clipping).
    public func callAsFunction(_ index: Int, _ loss: () throws -> Variable) throws -> (loss: Float, gradNorm: Float) {
        try step(index) {
            let l = try loss()
            return (l.value.item, { l.backward() })
        }
    }

    /// Runs step `index` where `lossAndBackward` returns the loss value and a closure that fills the parameters'
    /// gradients (called only for a finite loss), as gradient accumulation needs; otherwise as `callAsFunction`.
    public func step(_ index: Int, _ lossAndBackward: () throws -> (Float, () throws -> Void)) throws -> (loss: Float, gradNorm: Float) {
        optimizer.zeroGrad()
        let (local, backward) = try lossAndBackward()
        // Each rank holds its share of the objective: the sum is the loss, and every rank refuses it alike.
        let value = try dataParallel?.sumLoss(local) ?? local
        guard value.isFinite else {
            throw TrainingError.invalidInput("step \(index + 1): the loss is \(value); nothing was updated (lower --lr or check the data)")
        }
        try backward()
        try dataParallel?.sumGradients(parameters)
        let norm = gradClip > 0 ? clipGradNorm(parameters, maxNorm: gradClip) : Float.nan
        optimizer.lr = schedule(index) * lrScale
        optimizer.step()
        return (value, norm)
    }
}
