import Autograd
import Foundation

/// One optimizer step the same way for every trainer: zero the gradients, compute the loss, refuse a
/// non-finite loss, backward, clip the global norm, set the scheduled learning rate, AdamW step.
public final class TrainingLoop {
    /// The model trained.
    public let model: any CausalLanguageModel
    /// AdamW with weight decay on 2-D weights only.
    public let optimizer: AdamW
    /// Warmup + cosine decay.
    public let schedule: CosineSchedule
    /// Global gradient-norm clip (0 = none).
    public let gradClip: Float

    /// A loop with the optimizer and schedule of `settings`.
    public init(model: any CausalLanguageModel, settings: TrainingSettings) throws {
        self.model = model
        optimizer = try AdamW(parameters: model.parameters, lr: settings.lr, betas: (0.9, 0.95), weightDecay: settings.weightDecay,
                              decayMask: AdamW.decayMatricesOnly)
        let total = max(settings.steps, 1)
        schedule = try CosineSchedule(baseLR: settings.lr, warmupSteps: min(settings.warmupSteps, total), totalSteps: total,
                                      minLR: settings.minLR)
        gradClip = settings.gradClip
    }

    /// Runs step `index` (0-based) on the scalar `loss`; returns the loss value and the gradient norm before clipping.
    public func step(_ index: Int, _ loss: () throws -> Variable) throws -> (loss: Float, gradNorm: Float) {
        optimizer.zeroGrad()
        let l = try loss()
        let value = l.value.item
        guard value.isFinite else {
            throw ModelError.invalidInput("step \(index + 1): the loss is \(value); nothing was updated (lower --lr or check the data)")
        }
        l.backward()
        let norm = gradClip > 0 ? clipGradNorm(model.parameters, maxNorm: gradClip) : Float.nan
        optimizer.lr = schedule(index)
        optimizer.step()
        return (value, norm)
    }
}
