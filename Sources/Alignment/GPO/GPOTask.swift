import Datasets
import Autograd
import Foundation
import TensorCore
import Training

/// Meta-training settings.
public struct GPOTrainOptions: Codable, Equatable, Sendable {
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
    /// With a value, each episode draws its number of context questions uniformly from
    /// `minContextQuestions...contextQuestions`, as the GPO code does; nil keeps m fixed at `contextQuestions`.
    public var minContextQuestions: Int?

    /// The defaults.
    public init() {}

    enum CodingKeys: String, CodingKey {
        case steps, contextQuestions = "context_questions", targetQuestions = "target_questions"
        case episodesPerStep = "episodes_per_step", lr, weightDecay = "weight_decay", gradClip = "grad_clip", seed
        case minContextQuestions = "min_context_questions"
    }
}

/// Meta-trains a `GPOModel` through the one `TrainingDriver`: every step averages the loss of
/// `episodesPerStep` episodes, each a training group with disjoint context and target questions it answered;
/// the loss is the model's likelihood on the target shares (`GPOConfig.likelihood`).
public enum GPOTrainer {
    /// The driver settings of `options`: AdamW (β 0.9/0.999) with linear warmup over 5 % of the steps, then
    /// cosine to a tenth of the peak.
    public static func settings(_ options: GPOTrainOptions) -> TrainingSettings {
        TrainingSettings(steps: options.steps, batchSize: 1, lr: options.lr, minLR: options.lr / 10,
                         warmupSteps: max(1, options.steps / 20), weightDecay: options.weightDecay,
                         gradClip: options.gradClip, evalEvery: 0, checkpointEvery: 0, seed: options.seed,
                         adamBeta1: 0.9, adamBeta2: 0.999)
    }

    /// Runs `options.steps` steps; `progress(step, loss)` is called after each. With `out`, the run writes
    /// `metrics.jsonl`, `run_config.json`, resumable checkpoints and `final/` (a GPO folder with `info`), and
    /// `resume` continues from `<out>/checkpoint`. Returns the losses of the steps this call took.
    @discardableResult
    public static func train(_ model: GPOModel, data: GPODataset, groups: [String], options: GPOTrainOptions,
                             out: URL? = nil, info: GPOTrainingInfo? = nil, resume: Bool = false, checkpointEvery: Int = 0,
                             progressLabel: String? = nil, stopAfter: Int? = nil,
                             progress: @escaping (Int, Float) -> Void = { _, _ in }) throws -> [Float] {
        let task = try GPOTask(model: model, data: data, groups: groups, options: options)
        task.progress = progress
        var training = settings(options)
        training.checkpointEvery = checkpointEvery
        let manifest = RunManifest(task: "gpo", training: training, settings: options, groups: groups)
        let trainable = TrainableGPO(model, info: info ?? GPOTrainingInfo(trainGroups: groups, steps: options.steps,
                                                                           contextQuestions: options.contextQuestions,
                                                                           embeddingModel: "", pooling: GPOPooling.all.rawValue))
        let driver = try TrainingDriver(model: trainable, task: task, manifest: manifest, out: out, resume: resume)
        task.step = driver.currentStep
        try driver.run(progressLabel: progressLabel, stopAfter: stopAfter)
        return task.losses
    }

    /// m context and up to n target questions drawn without replacement from `questions`; m is drawn per episode
    /// from `minContextQuestions...contextQuestions` when a minimum is set.
    static func sampleEpisode(_ data: GPODataset, group: String, questions: [Int], options: GPOTrainOptions,
                              rng: inout SeededGenerator) throws -> GPOEpisode {
        var m = options.contextQuestions
        if let low = options.minContextQuestions { m = low + rng.nextInt(below: options.contextQuestions - low + 1) }
        let n = min(options.targetQuestions, questions.count - m)
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

/// GPO meta-training as a training task: episodes are drawn from the run's generator.
final class GPOTask: TrainingTask {
    let model: GPOModel
    let data: GPODataset
    let groups: [String]
    let options: GPOTrainOptions
    let answered: [[Int]]
    var progress: (Int, Float) -> Void = { _, _ in }
    var losses: [Float] = []
    var step = 0
    private var recent: [Float] = []

    init(model: GPOModel, data: GPODataset, groups: [String], options: GPOTrainOptions) throws {
        guard !groups.isEmpty, options.steps > 0, options.contextQuestions > 0, options.targetQuestions > 0,
              options.episodesPerStep > 0 else {
            throw AlignmentError.invalidInput("GPO training needs groups and positive steps, context/target questions and episodes")
        }
        if let low = options.minContextQuestions, !(1...options.contextQuestions).contains(low) {
            throw AlignmentError.invalidInput("GPO: the smallest context size \(low) must be in 1...\(options.contextQuestions)")
        }
        try data.checkGroups(groups, minimum: options.contextQuestions + 1)
        guard data.dimension == model.config.embeddingDimension else {
            throw AlignmentError.invalidInput("GPO model expects \(model.config.embeddingDimension)-d embeddings, data has \(data.dimension)")
        }
        self.model = model
        self.data = data
        self.groups = groups
        self.options = options
        answered = groups.map { data.questionIndices(answeredBy: $0) }
    }

    var exampleCount: Int? { nil }

    func objective(batch: [Int], rng: inout SeededGenerator) throws -> Variable {
        var total: Variable?
        for _ in 0..<options.episodesPerStep {
            let g = rng.nextInt(below: groups.count)
            let episode = try GPOTrainer.sampleEpisode(data, group: groups[g], questions: answered[g], options: options, rng: &rng)
            let l = try model.loss(episode)
            total = try total.map { try $0 + l } ?? l
        }
        return total! * (1 / Float(options.episodesPerStep))
    }

    func trainMetrics(objective: Float) -> [String: Double] {
        losses.append(objective)
        recent.append(objective)
        if recent.count > 50 { recent.removeFirst() }
        progress(step, objective)
        step += 1
        return ["loss": Double(objective)]
    }

    func evaluate() throws -> [String: Double] { [:] }

    /// The mean loss of the last 50 steps: single episodes are noisy.
    func progressValues(train: [String: Double], eval: [String: Double]) -> [(String, Float)] {
        [("loss", recent.reduce(0, +) / Float(max(recent.count, 1)))]
    }
}

/// A GPO model as the driver trains and saves it: a GPO folder (`gpo_config.json`, `model.safetensors`,
/// `training.json`).
public final class TrainableGPO: Trainable {
    /// The model.
    public let model: GPOModel
    /// Written as `training.json`.
    public let info: GPOTrainingInfo

    /// Wraps `model`.
    public init(_ model: GPOModel, info: GPOTrainingInfo) {
        self.model = model
        self.info = info
    }

    /// Every parameter of the model (the embedding statistics are fixed).
    public var trainableParameters: [Variable] { model.parameters }

    /// The GPO folder's files.
    public func write(to folder: URL) throws { try GPOCheckpoint.write(model, info: info, into: folder) }

    /// The parameters of a GPO folder.
    public func read(from folder: URL) throws {
        let (saved, _) = try GPOCheckpoint.load(from: folder)
        for ((name, p), (_, q)) in zip(model.namedParameters, saved.namedParameters) {
            guard p.shape == q.shape else {
                throw AlignmentError.badData(file: folder.path, line: 0, "tensor \(name) has shape \(q.shape), the model needs \(p.shape)")
            }
            p.assign(q.value)
        }
    }
}
