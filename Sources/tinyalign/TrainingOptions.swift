import ArgumentParser
import Models
import Training

/// The options every training command shares. Unset options keep the command's own defaults (listed in each
/// command's help), so one declaration serves sft, align and rank.
struct TrainingOptions: ParsableArguments {
    @Option(help: "Optimizer steps.") var steps: Int?
    @Option(help: "Passes over the training data (overrides --steps).") var epochs: Double?
    @Option(help: "Examples (sequences, pairs or rankings) per step.") var batchSize: Int?
    @Option(help: "Peak learning rate (cosine decay to a tenth of it).") var lr: Float?
    @Option(help: "Seed of the data split and order.") var seed: UInt64?
    @Option(help: "Steps between validation evaluations.") var evalEvery: Int?
    @Option(help: "Steps between resumable checkpoints (0 = end only).") var checkpointEvery: Int?

    /// Overrides the given settings with the options the user set.
    func apply(to s: inout TrainingSettings) {
        if let steps { s.steps = steps }
        if let batchSize { s.batchSize = batchSize }
        if let lr { s.lr = lr; s.minLR = lr / 10 }
        if let seed { s.seed = seed }
        if let evalEvery { s.evalEvery = evalEvery }
        if let checkpointEvery { s.checkpointEvery = checkpointEvery }
    }

    /// The defaults line for a command's help.
    static func defaults(_ s: TrainingSettings) -> String {
        "Defaults: --steps \(s.steps), --batch-size \(s.batchSize), --lr \(s.lr), --seed \(s.seed), --eval-every \(s.evalEvery), --checkpoint-every \(s.checkpointEvery)."
    }
}
