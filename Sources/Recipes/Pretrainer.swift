import Datasets
import Foundation
import Models
import Training
import Datasets
import Alignment
import Report
import Training

/// `tinyalign pretrain` as a library call: next-token training of a model on a tokenised corpus through the
/// one `TrainingDriver` — `metrics.jsonl`, `run_config.json`, resumable `<out>/checkpoint`, and `<out>/final`.
public final class Pretrainer {
    /// The model being trained.
    public let model: any CausalLanguageModel
    /// The settings.
    public let config: PretrainConfig
    /// The run folder.
    public let out: URL
    private let driver: TrainingDriver

    /// A trainer for `model` on `data`; with `resume`, continues from `<out>/checkpoint` (refused when the
    /// settings or the corpus differ). Throws before anything is written when the corpus cannot fill a window.
    public init(model: any CausalLanguageModel, config: PretrainConfig, data: TokenDataset, out: URL,
                tokenizerJSON: Data?, resume: Bool) throws {
        self.model = model
        self.config = config
        self.out = out
        let task = try NextTokenTask(model: model, train: data.train, validation: data.validation, config: config)
        let tokens = (data.train + data.validation).withUnsafeBytes { Data($0) }
        let manifest = RunManifest(task: "pretrain", training: config.training, settings: config,
                                   data: [FileFingerprint(bytes: tokens, path: "corpus tokens")])
        driver = try TrainingDriver(model: TrainableLanguageModel(model, extraFiles: tokenizerJSON.map { ["tokenizer.json": $0] } ?? [:]),
                                    task: task, manifest: manifest, out: out, resume: resume)
    }

    /// The step the next `run` starts from (0, or the resumed checkpoint's step).
    public var currentStep: Int { driver.currentStep }

    /// Trains to `config.steps` and returns the last eval loss. With `stopAt` below that, stops after step
    /// `stopAt` with a checkpoint there (and no `final` folder), so a `resume` continues as if never stopped.
    @discardableResult
    public func run(progressLabel: String? = nil, stopAt: Int? = nil) throws -> Float {
        let outcome = try driver.run(progressLabel: progressLabel, stopAfter: stopAt)
        return Float(outcome.lastEval["loss"] ?? .nan)
    }
}
