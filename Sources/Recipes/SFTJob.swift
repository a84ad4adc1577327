import Foundation
import Models
import Training
import Datasets
import Alignment
import Report

/// `tinyalign sft`: completion-only fine-tuning of a base checkpoint on prompt/completion (or prompt/chosen) data,
/// with the group prefix in the prompt.
public struct SFTJob {
    /// The base checkpoint.
    public var model: URL
    /// SFT or preference JSONL; 10% per group is held out for the validation loss unless `validationData` is given.
    public var data: URL
    /// Optional separate validation JSONL.
    public var validationData: URL?
    /// The run folder.
    public var out: URL
    /// Training settings.
    public var config: SFTConfig
    /// How the group enters the prompt.
    public var prompt = GroupPrompt()
    /// Train for this many passes over the training examples instead of `config.steps`.
    public var epochs: Double?
    /// Continue from `<out>/checkpoint`.
    public var resume = false
    /// Show a progress bar / periodic lines on stderr.
    public var showProgress = true
    /// Stop after this step with a checkpoint (simulates an interrupted run; resume with `resume`).
    public var stopAfter: Int?
    /// The length budget of prompt + completion and which end of a too-long prompt is kept.
    public var truncation = Truncation()

    /// A job with default settings.
    public init(model: URL, data: URL, out: URL, config: SFTConfig) {
        self.model = model
        self.data = data
        self.out = out
        self.config = config
    }

    /// Train LoRA adapters on the frozen model instead of the whole model (nil: full fine-tuning).
    public var lora: LoRAConfig?
    /// A LoRA adapter folder merged into `model` before training (nil: none).
    public var adapter: URL?

    /// Runs the job; returns the final validation loss.
    @discardableResult
    public func run(log: (String) -> Void = RunFiles.logToStandardError) throws -> Float {
        let base = try LoRASetup.startingBundle(model, lora: lora, adapter: adapter)
        let encoder = base.encoder(truncation: truncation)
        var dropped = 0, truncated = 0
        func encode(_ xs: [SFTExample], _ file: URL) throws -> [EncodedSequence] {
            try xs.compactMap { e in
                let s: EncodedSequence?
                switch e.conversation {
                case let .messages(turns)?:
                    let turns = prompt.render(turns: turns, group: e.group)
                    s = try ChatEncodingErrors.located(file: file.path, line: e.line) { try encoder.encode(chat: .messages(turns)) }
                case let .promptCompletion(p, c)?:
                    let p = prompt.render(turns: p, group: e.group)
                    s = try ChatEncodingErrors.located(file: file.path, line: e.line) { try encoder.encode(chat: .promptCompletion(prompt: p, completion: c)) }
                case nil:
                    s = encoder.encode(prompt: prompt.render(prompt: e.prompt, group: e.group), response: e.completion)
                }
                if s == nil { dropped += 1 }
                if s?.promptCut == true { truncated += 1 }
                return s
            }
        }
        let all = try SFTExample.load(data)
        let train: [SFTExample], validation: [SFTExample]
        if let validationData {
            (train, validation) = (all, try SFTExample.load(validationData))
        } else {
            let (tr, va, te) = GroupSplit.split(all, group: \.group, seed: config.seed, fractions: (0.9, 0.1))
            (train, validation) = (tr, va + te)
        }
        let trainSeqs = try encode(train, data), validationSeqs = try encode(validation, validationData ?? data)
        log("data: \(trainSeqs.count) train / \(validationSeqs.count) validation examples; \(truncated) truncated (prompt cut, \(truncation.mode.rawValue)), \(dropped) dropped (too long)")
        var config = self.config
        if let epochs { config.training.setSteps(epochs: epochs, examples: trainSeqs.count) }
        var fingerprints = [try FileFingerprint(of: data)]
        if let validationData { fingerprints.append(try FileFingerprint(of: validationData)) }
        var manifest = RunManifest(task: "sft", method: "sft", training: config.training,
                                   settings: SFTRunSettings(sft: config, prompt: prompt, truncation: truncation), model: try FileFingerprint(of: model),
                                   data: fingerprints)
        manifest.lora = lora
        if let adapter { manifest.data.append(try FileFingerprint(of: adapter.appendingPathComponent(PEFTAdapterFolder.weightsFile))) }
        let trainable = try LoRASetup.trainable(base.model, base: model, lora: lora, seed: config.seed, extraFiles: base.extraFiles, log: log)
        let task = try SFTTask(model: base.model, train: trainSeqs, validation: validationSeqs, padId: base.eos)
        let driver = try TrainingDriver(model: trainable, task: task, manifest: manifest, out: out, resume: resume)
        let outcome = try driver.run(progressLabel: showProgress ? "sft" : nil, stopAfter: stopAfter)
        return Float(outcome.lastEval["loss"] ?? .nan)
    }
}

/// The settings of an `sft` run beyond the optimiser's.
public struct SFTRunSettings: Codable, Equatable {
    /// The SFT settings.
    public var sft: SFTConfig
    /// The group prefix.
    public var prompt: GroupPrompt
    /// The length budget (absent in manifests written before it existed).
    public var truncation: Truncation?
}
