import Autograd
import TensorCore

/// Meta-training settings.
public struct GPOTrainOptions: Sendable {
    /// Optimizer steps.
    public var steps = 1500
    /// Context questions m per episode.
    public var contextQuestions = 10
    /// Target questions n per episode (fewer when the group answered fewer than m + n).
    public var targetQuestions = 20
    /// Episodes averaged into one step's loss.
    public var episodesPerStep = 4
    /// Peak learning rate (linear warmup over 5 % of the steps, then cosine to a tenth).
    public var lr: Float = 1e-3
    /// AdamW weight decay on matrices.
    public var weightDecay: Float = 0.01
    /// Global gradient-norm clip.
    public var gradClip: Float = 1
    /// Seed of the episode draws.
    public var seed: UInt64 = 0

    /// The defaults.
    public init() {}
}

/// Meta-trains a `GPOModel`: every episode draws a training group and disjoint context and target questions
/// it answered; the loss is the mean of the episodes' MSE (fixed-variance Gaussian) on the target shares.
public enum GPOTrainer {
    /// Runs `options.steps` AdamW steps; `progress(step, loss)` is called after each. Returns the step losses.
    public static func train(_ model: GPOModel, data: GPODataset, groups: [String], options: GPOTrainOptions,
                             progress: (Int, Float) -> Void = { _, _ in }) throws -> [Float] {
        guard !groups.isEmpty, options.steps > 0, options.contextQuestions > 0, options.targetQuestions > 0,
              options.episodesPerStep > 0 else {
            throw AlignmentError.invalidInput("GPO training needs groups and positive steps, context/target questions and episodes")
        }
        try data.checkGroups(groups, minimum: options.contextQuestions + 1)
        guard data.dimension == model.config.embeddingDimension else {
            throw AlignmentError.invalidInput("GPO model expects \(model.config.embeddingDimension)-d embeddings, data has \(data.dimension)")
        }
        let answered = groups.map { data.questionIndices(answeredBy: $0) }
        let parameters = model.parameters
        let optimizer = try AdamW(parameters: parameters, lr: options.lr, weightDecay: options.weightDecay,
                                  decayMask: AdamW.decayMatricesOnly)
        let schedule = try CosineSchedule(baseLR: options.lr, warmupSteps: max(1, options.steps / 20),
                                          totalSteps: options.steps, minLR: options.lr / 10)
        var rng = SeededGenerator(seed: options.seed)
        var losses: [Float] = []
        for step in 0..<options.steps {
            optimizer.zeroGrad()
            var total: Variable?
            for _ in 0..<options.episodesPerStep {
                let g = rng.nextInt(below: groups.count)
                let episode = try sampleEpisode(data, group: groups[g], questions: answered[g], options: options, rng: &rng)
                let l = try model.loss(episode)
                total = try total.map { try $0 + l } ?? l
            }
            let loss = total! * (1 / Float(options.episodesPerStep))
            let value = loss.value.item
            guard value.isFinite else { throw AlignmentError.training("GPO step \(step + 1): the loss is \(value); lower --lr") }
            loss.backward()
            _ = clipGradNorm(parameters, maxNorm: options.gradClip)
            optimizer.lr = schedule(step)
            optimizer.step()
            losses.append(value)
            progress(step, value)
        }
        return losses
    }

    /// m context and up to n target questions drawn without replacement from `questions`.
    static func sampleEpisode(_ data: GPODataset, group: String, questions: [Int], options: GPOTrainOptions,
                              rng: inout SeededGenerator) throws -> GPOEpisode {
        let m = options.contextQuestions, n = min(options.targetQuestions, questions.count - m)
        let picked = sample(questions, count: m + n, rng: &rng)
        return try GPOEpisode(dataset: data, group: group, context: Array(picked[..<m]), targets: Array(picked[m...]))
    }

    /// The first `count` elements of a partial Fisher–Yates shuffle of `items`.
    static func sample(_ items: [Int], count: Int, rng: inout SeededGenerator) -> [Int] {
        var order = items
        for i in 0..<count { order.swapAt(i, i + rng.nextInt(below: order.count - i)) }
        return Array(order[..<count])
    }
}
