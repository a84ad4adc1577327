import Autograd
import Foundation
import TensorCore

/// A task whose objective depends on the model only through per-example outputs (summed response log-probs,
/// log-ratios), so a batch can run as micro-batches (`--grad-accum`) with exactly the gradients of the whole.
///
/// Every objective of the DPO family is a function of all of a batch's outputs at once — the robust weighting
/// updates α from the whole batch's group losses, SFT divides by the whole batch's token count — so it cannot be
/// split into per-micro-batch losses. `GradientAccumulation` instead evaluates the outputs micro-batch by
/// micro-batch without a graph, builds the objective once on them as leaves, and then back-propagates each
/// micro-batch's share of the gradient through that micro-batch alone.
public protocol MicroBatchedTask: TrainingTask {
    /// The differentiable per-example values of the examples `batch`, as one flat vector. Must not change the
    /// task's state (it runs twice per micro-batch).
    func outputs(batch: [Int]) throws -> Variable

    /// The objective of the step's batch — `microBatches` concatenated — from `outputs`, one per micro-batch as
    /// `outputs(batch:)` returned it (or its value as a leaf). Updates the task's per-step state (α, metrics).
    func objective(microBatches: [[Int]], outputs: [Variable], rng: inout SeededGenerator) throws -> Variable
}

extension MicroBatchedTask {
    /// The whole batch as one micro-batch.
    public func objective(batch: [Int], rng: inout SeededGenerator) throws -> Variable {
        try objective(microBatches: [batch], outputs: [outputs(batch: batch)], rng: &rng)
    }
}

/// The objective and gradients of one step run as `count` micro-batches.
public enum GradientAccumulation {
    /// Micro-batch outputs joined in order along axis 0 (the one output itself when there is one).
    public static func joined(_ outputs: [Variable]) throws -> Variable {
        outputs.count == 1 ? outputs[0] : try Variable.concat(outputs, axis: 0)
    }

    /// `batch` cut into `count` contiguous parts of equal size (the caller checked that `count` divides it).
    public static func microBatches(_ batch: [Int], count: Int) -> [[Int]] {
        let size = batch.count / max(count, 1)
        return (0..<count).map { Array(batch[($0 * size)..<(($0 + 1) * size)]) }
    }

    /// The step's objective value and the closure that fills the parameters' gradients with those of the whole
    /// batch: pass 1 runs each micro-batch's outputs without a graph; the objective is built once on them as
    /// leaves and differentiated to d(objective)/d(outputs); pass 2 re-runs each micro-batch with a graph and
    /// back-propagates its slice of that gradient, so only one micro-batch's activations are alive at a time.
    /// One micro-batch is the plain objective and backward.
    public static func objective(task: MicroBatchedTask, batch: [Int], count: Int,
                                 rng: inout SeededGenerator) throws -> (Float, () throws -> Void) {
        if count <= 1 {
            let l = try task.objective(batch: batch, rng: &rng)
            return (l.value.item, { l.backward() })
        }
        let parts = microBatches(batch, count: count)
        let leaves = try withNoGrad { try parts.map { Variable(try task.outputs(batch: $0).value, requiresGrad: true) } }
        let objective = try task.objective(microBatches: parts, outputs: leaves, rng: &rng)
        return (objective.value.item, {
            objective.backward()
            for (part, leaf) in zip(parts, leaves) {
                guard let seed = leaf.grad else { continue }
                let out = try task.outputs(batch: part)
                if out.requiresGrad { out.backward(seed: seed) }
            }
        })
    }
}
