import Autograd
import Distributed
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

    /// The step's objective value and the closure that fills the parameters' gradients with this rank's part of
    /// the whole batch's gradient (summed over ranks by the caller when there are several).
    ///
    /// The batch is cut as data parallelism and accumulation cut it: rank r of `communicator` takes its slice
    /// `DataParallel.shard(of:rank:size:)`, and the slice runs as `count` micro-batches. Pass 1 computes this
    /// rank's outputs (without a graph when there are several micro-batches); every rank's output values are
    /// gathered, so each rank builds the objective of the whole batch once, on the same values as leaves — the
    /// same loss, α update and metrics on every rank as in one process. Differentiating it gives d(objective)/
    /// d(outputs); pass 2 back-propagates this rank's slices of that through its micro-batches (re-run with a
    /// graph, so only one micro-batch's activations are alive at a time). One micro-batch in one process is the
    /// plain objective and backward.
    public static func objective(task: MicroBatchedTask, batch: [Int], count: Int, communicator: Communicator = SingleProcess.shared,
                                 rng: inout SeededGenerator) throws -> (Float, () throws -> Void) {
        let ranks = communicator.size, rank = communicator.rank
        if count <= 1 && ranks == 1 {
            let l = try task.objective(batch: batch, rng: &rng)
            return (l.value.item, { l.backward() })
        }
        let parts = (0..<ranks).flatMap { r in
            microBatches(Array(batch[DataParallel.shard(of: batch.count, rank: r, size: ranks)]), count: max(count, 1))
        }
        let perRank = parts.count / ranks
        let mine = Array(parts[(rank * perRank)..<((rank + 1) * perRank)])
        // One micro-batch keeps its graph for pass 2; several are re-run there.
        let kept = perRank == 1 ? try task.outputs(batch: mine[0]) : nil
        let local = try kept.map { [$0.value] } ?? withNoGrad { try mine.map { try task.outputs(batch: $0).value } }
        let lengths = try communicator.gather(local.map { Float($0.count) }).map { Int($0) }
        let values = try communicator.gather(local.flatMap(\.scalars))
        var leaves: [Variable] = [], at = 0
        for (i, n) in lengths.enumerated() {
            let tensor = Tensor(shape: [n], Array(values[at..<(at + n)]))
            leaves.append(Variable(tensor, requiresGrad: i / perRank == rank))
            at += n
        }
        let objective = try task.objective(microBatches: parts, outputs: leaves, rng: &rng)
        return (objective.value.item, {
            objective.backward()
            for (j, part) in mine.enumerated() {
                guard let seed = leaves[rank * perRank + j].grad else { continue }
                let out = try kept ?? task.outputs(batch: part)
                if out.requiresGrad { out.backward(seed: seed) }
            }
        })
    }
}
