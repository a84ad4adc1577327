import ArgumentParser
import Foundation
import Models
import Training

/// The options every training command shares. Unset options keep the command's own defaults (listed in each
/// command's help), so one declaration serves sft and align. Numbers are parsed `.unconditional`ly, so a
/// negative value needs no `=` (`--lr -1e-4` reaches the range check and is refused as negative, instead of
/// being mistaken for an option).
struct TrainingOptions: ParsableArguments {
    @Option(parsing: .unconditional, help: "Optimizer steps.") var steps: Int?
    @Option(parsing: .unconditional, help: "Passes over the training data (overrides --steps).") var epochs: Double?
    @Option(parsing: .unconditional, help: "Examples (sequences, pairs or rankings) per step.") var batchSize: Int?
    @Option(parsing: .unconditional, help: "Peak learning rate (cosine decay to --min-lr, by default a tenth of it).") var lr: Float?
    @Option(parsing: .unconditional, help: "Seed of the data split and order.") var seed: UInt64?
    @Option(parsing: .unconditional, help: "Steps between validation evaluations (0 = end only).") var evalEvery: Int?
    @Option(parsing: .unconditional, help: "Steps between resumable checkpoints (0 = end only).") var checkpointEvery: Int?
    @Option(parsing: .unconditional, help: "Linear warmup steps before the cosine decay (clamped to --steps).") var warmupSteps: Int?
    @Option(parsing: .unconditional, help: "AdamW weight decay, on 2-D weights only.") var weightDecay: Float?
    @Option(parsing: .unconditional, help: "Global gradient-norm clip (0 = none).") var gradClip: Float?
    @Option(parsing: .unconditional, help: "Learning rate at the end of the cosine decay (default: a tenth of --lr).") var minLr: Float?
    @Option(help: "AdamW's β₁,β₂, comma-separated (e.g. 0.9,0.95).") var adamBetas: String?
    @Option(parsing: .unconditional, help: "Steps between training lines in metrics.jsonl (the last step always logs).") var logEvery: Int?

    /// β₁ and β₂ of `--adam-betas`, nil when it is not given.
    func betas() throws -> (Double, Double)? {
        guard let adamBetas else { return nil }
        let parts = adamBetas.split(separator: ",", omittingEmptySubsequences: false)
            .map { Double($0.trimmingCharacters(in: .whitespaces)) }
        guard parts.count == 2, let b1 = parts[0], let b2 = parts[1] else {
            throw ValidationError("--adam-betas must be two numbers separated by a comma (e.g. 0.9,0.95), got \"\(adamBetas)\"")
        }
        for (name, b) in [("β₁", b1), ("β₂", b2)] where !(b >= 0 && b < 1) {
            throw ValidationError("--adam-betas: \(name) must lie in [0, 1), got \(b)")
        }
        return (b1, b2)
    }

    /// The range checks ArgumentParser runs after parsing, before the command touches any file.
    func validate() throws {
        try UsageCheck.positive("--steps", steps)
        if let epochs, !(epochs.isFinite && epochs > 0) { throw ValidationError("--epochs must be a positive number, got \(epochs)") }
        try UsageCheck.positive("--batch-size", batchSize)
        try UsageCheck.positive("--lr", lr)
        try UsageCheck.nonNegative("--eval-every", evalEvery)
        try UsageCheck.nonNegative("--checkpoint-every", checkpointEvery)
        try UsageCheck.nonNegative("--warmup-steps", warmupSteps)
        try UsageCheck.nonNegative("--weight-decay", weightDecay)
        try UsageCheck.nonNegative("--grad-clip", gradClip)
        try UsageCheck.nonNegative("--min-lr", minLr)
        try UsageCheck.positive("--log-every", logEvery)
        _ = try betas()
    }

    /// Overrides the given settings with the options the user set, and checks what only the combination can
    /// tell (`--min-lr` above the peak learning rate).
    func apply(to s: inout TrainingSettings) throws {
        if let steps { s.steps = steps }
        if let batchSize { s.batchSize = batchSize }
        if let lr { s.lr = lr; s.minLR = lr / 10 }
        if let seed { s.seed = seed }
        if let evalEvery { s.evalEvery = evalEvery }
        if let checkpointEvery { s.checkpointEvery = checkpointEvery }
        if let warmupSteps { s.warmupSteps = warmupSteps }
        if let weightDecay { s.weightDecay = weightDecay }
        if let gradClip { s.gradClip = gradClip }
        if let minLr { s.minLR = minLr }
        if let (b1, b2) = try betas() { s.adamBeta1 = b1; s.adamBeta2 = b2 }
        if let logEvery { s.logEvery = logEvery }
        guard s.minLR <= s.lr else { throw ValidationError("--min-lr \(s.minLR) must not exceed the peak --lr \(s.lr)") }
    }

    /// The defaults line for a command's help: every shared setting, as the code has it.
    static func defaults(_ s: TrainingSettings) -> String {
        "Defaults: --steps \(s.steps), --batch-size \(s.batchSize), --lr \(s.lr), --min-lr \(s.minLR), --warmup-steps \(s.warmupSteps), "
            + "--weight-decay \(s.weightDecay), --grad-clip \(s.gradClip), --adam-betas \(s.adamBeta1),\(s.adamBeta2), --seed \(s.seed), "
            + "--eval-every \(s.evalEvery), --checkpoint-every \(s.checkpointEvery), --log-every \(s.logEvery ?? 1)."
    }
}
