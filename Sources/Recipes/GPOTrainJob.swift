import Alignment
import Datasets
import Foundation
import Training

/// `tinyalign gpo train` as a library call: embed the survey's (question, option) texts with a checkpoint's
/// last hidden states, then meta-train a GPO transformer over the training groups through the one driver.
public struct GPOTrainJob {
    /// survey.json.
    public var survey: URL
    /// The checkpoint whose hidden states embed the texts.
    public var embeddingModel: URL
    /// The run folder (`run_config.json`, `metrics.jsonl`, `checkpoint/`, `final/`).
    public var out: URL
    /// Training groups (nil: every group of the survey).
    public var trainGroups: [String]?
    /// Which tokens an option's embedding averages.
    public var pooling = GPOPooling.all
    /// Transformer width, blocks and heads.
    public var dModel = 64, layers = 3, heads = 4
    /// Meta-training settings.
    public var options = GPOTrainOptions()
    /// The training likelihood (fixed-variance MSE or learned σ).
    public var likelihood = GPOLikelihood.mse
    /// Steps between resumable checkpoints (0 = end only).
    public var checkpointEvery = 0
    /// Continue from `<out>/checkpoint`.
    public var resume = false
    /// Progress bar on stderr.
    public var showProgress = true

    /// A job with default settings.
    public init(survey: URL, embeddingModel: URL, out: URL) {
        self.survey = survey
        self.embeddingModel = embeddingModel
        self.out = out
    }

    /// Trains; returns the training groups and the losses of the steps this call took.
    @discardableResult
    public func run() throws -> (groups: [String], losses: [Float]) {
        let bundle = try ModelBundle(embeddingModel)
        let dataset = try GPODataset(survey: try Survey.load(survey), model: bundle.model, tokenizer: bundle.tokenizer, pooling: pooling)
        let groups = trainGroups ?? dataset.groups
        let stats = dataset.embeddingStatistics()
        let config = GPOConfig(embeddingDimension: dataset.dimension, dModel: dModel, layers: layers, heads: heads,
                               likelihood: likelihood)
        let model = try GPOModel(config, mean: stats.mean, std: stats.std, seed: options.seed)
        let info = GPOTrainingInfo(trainGroups: groups, steps: options.steps, contextQuestions: options.contextQuestions,
                                   embeddingModel: embeddingModel.path, pooling: pooling.rawValue)
        let losses = try GPOTrainer.train(model, data: dataset, groups: groups, options: options, out: out, info: info,
                                          resume: resume, checkpointEvery: checkpointEvery,
                                          progressLabel: showProgress ? "gpo" : nil)
        return (groups, losses)
    }
}
