import Distributed

/// The optimisation settings every trainer shares (pretraining, SFT, preference alignment): budget, batch,
/// AdamW with warmup + cosine decay, clipping, and how often to evaluate and checkpoint.
public struct TrainingSettings: Codable, Equatable, Sendable {
    /// Optimizer steps.
    public var steps: Int
    /// Examples (sequences or pairs) per step.
    public var batchSize: Int
    /// Peak learning rate.
    public var lr: Float
    /// Final learning rate of the cosine decay.
    public var minLR: Float
    /// Linear warmup steps (clamped to `steps`).
    public var warmupSteps: Int
    /// AdamW weight decay, applied to 2-D weights only.
    public var weightDecay: Float
    /// Global gradient-norm clip (0 = none).
    public var gradClip: Float
    /// Steps between evaluations (0 = only at the end).
    public var evalEvery: Int
    /// Steps between resumable checkpoints (0 = only at the end).
    public var checkpointEvery: Int
    /// Seed of the data order.
    public var seed: UInt64
    /// AdamW's β₁ (first-moment decay).
    public var adamBeta1: Double
    /// AdamW's β₂ (second-moment decay); 0.95 as nanoGPT and most LLM recipes use.
    public var adamBeta2: Double
    /// Examples per step over all ranks of a data-parallel run; nil: `batchSize` × ranks (`batchSize` is then
    /// the per-rank batch). Must divide by the rank count.
    public var globalBatchSize: Int? = nil
    /// Ranks of a data-parallel run (nil: one process); recorded by the driver so a resume with another rank
    /// count is refused.
    public var ranks: Int? = nil
    /// Steps between checks that all ranks hold the same parameters (0: only at the end); not part of the
    /// manifest, since it does not shape the run.
    public var syncCheckEvery = 0
    /// Micro-batches per optimizer step (`--grad-accum`; nil = 1): the batch is run in this many equal parts whose
    /// gradients add up to the whole batch's, so only one part's activations are alive at a time.
    public var gradAccum: Int?
    /// Recompute each transformer block in the backward instead of keeping its activations
    /// (`--checkpoint-activations`; nil = off).
    public var checkpointActivations: Bool?
    /// Steps between training lines in `metrics.jsonl` (nil = every step; the last step always logs). Optional so
    /// that manifests and checkpoints written before it existed still decode and resume.
    public var logEvery: Int? = nil

    /// Settings; every value has a default.
    public init(steps: Int = 200, batchSize: Int = 8, lr: Float = 1e-4, minLR: Float = 1e-5, warmupSteps: Int = 10,
                weightDecay: Float = 0, gradClip: Float = 1, evalEvery: Int = 20, checkpointEvery: Int = 0, seed: UInt64 = 0,
                adamBeta1: Double = 0.9, adamBeta2: Double = 0.95) {
        self.steps = steps
        self.batchSize = batchSize
        self.lr = lr
        self.minLR = minLR
        self.warmupSteps = warmupSteps
        self.weightDecay = weightDecay
        self.gradClip = gradClip
        self.evalEvery = evalEvery
        self.checkpointEvery = checkpointEvery
        self.seed = seed
        self.adamBeta1 = adamBeta1
        self.adamBeta2 = adamBeta2
    }

    /// Run manifests and checkpoints spell every setting in snake_case.
    enum CodingKeys: String, CodingKey {
        case steps, batchSize = "batch_size", lr, minLR = "min_lr", warmupSteps = "warmup_steps"
        case weightDecay = "weight_decay", gradClip = "grad_clip", evalEvery = "eval_every"
        case checkpointEvery = "checkpoint_every", seed, adamBeta1 = "adam_beta1", adamBeta2 = "adam_beta2"
        case globalBatchSize = "global_batch_size", ranks
        case gradAccum = "grad_accum", checkpointActivations = "checkpoint_activations"
        case logEvery = "log_every"
    }

    /// Examples per step over all `ranks` ranks.
    public func globalBatch(ranks: Int) -> Int { globalBatchSize ?? batchSize * ranks }

    /// Sets `steps` to cover `epochs` passes over `examples` examples in global batches (at least one step).
    public mutating func setSteps(epochs: Double, examples: Int) {
        let batch = globalBatch(ranks: World.current.size)
        steps = max(1, Int((epochs * Double(examples) / Double(max(batch, 1))).rounded(.up)))
    }

    /// Micro-batches per step (1 unless `gradAccum` is set).
    public var microBatchCount: Int { gradAccum ?? 1 }

    /// Refuses a `gradAccum` that does not split `batchSize` into equal micro-batches of at least one example:
    /// unequal parts would weight examples differently from the whole batch.
    public func validateGradAccum() throws {
        let n = microBatchCount
        guard n >= 1 else { throw TrainingError.invalidInput("--grad-accum must be at least 1, got \(n)") }
        guard n <= batchSize, batchSize % n == 0 else {
            throw TrainingError.invalidInput("--grad-accum \(n) does not divide --batch-size \(batchSize) into equal micro-batches; "
                                             + "choose a divisor of \(batchSize)")
        }
    }

    /// Whether step `step` (1-based) evaluates.
    public func evaluates(at step: Int) -> Bool { (evalEvery > 0 && step % evalEvery == 0) || step == steps }

    /// Whether step `step` (1-based) writes its training line to `metrics.jsonl`.
    public func logs(at step: Int) -> Bool { logEvery.map { $0 <= 1 || step % $0 == 0 } ?? true || step == steps }

    /// Whether step `step` (1-based) writes a checkpoint.
    public func checkpoints(at step: Int) -> Bool { (checkpointEvery > 0 && step % checkpointEvery == 0) || step == steps }
}

/// A run configuration that embeds `TrainingSettings` and exposes its fields directly (`config.steps`).
public protocol HasTrainingSettings {
    /// The shared optimisation settings.
    var training: TrainingSettings { get set }
}
