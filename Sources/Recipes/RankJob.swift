import Foundation
import Models
import Training
import Datasets
import Alignment
import Report

/// `tinyalign rank`: Plackett–Luce alignment of an SFT checkpoint on rankings (and pairs, which are rankings of
/// two), evaluated like the DPO family: TRL metrics per group on the held-out split's implied pairs, where the
/// PL loss on a pair is DPO's.
public struct RankJob {
    /// The SFT checkpoint: starting policy and reference model.
    public var model: URL
    /// Rankings / pairs JSONL, split 80/10/10 per group (train / unused / test).
    public var data: URL
    /// The run folder.
    public var out: URL
    /// Training settings; `method` is pl, is-pl or gr-pl.
    public var config: AlignConfig
    /// How the group enters the prompt.
    public var prompt = GroupPrompt()
    /// Cut too-long prompts (true) or drop those rankings.
    public var truncate = true
    /// Progress bar on stderr.
    public var showProgress = true
    /// Continue from `<out>/checkpoint`.
    public var resume = false
    /// Stop after this step with a checkpoint (simulates an interrupted run; resume with `resume`).
    public var stopAfter: Int?
    /// The length budget of prompt + response and which end of a too-long prompt is kept.
    public var truncation = Truncation()

    /// A job with default settings.
    public init(model: URL, data: URL, out: URL, config: AlignConfig) {
        self.model = model
        self.data = data
        self.out = out
        self.config = config
    }

    /// Train LoRA adapters on the frozen model instead of the whole model (nil: full fine-tuning); the
    /// reference is then the same model with its adapters off.
    public var lora: LoRAConfig?
    /// A LoRA adapter folder merged into `model` before training (nil: none).
    public var adapter: URL?

    /// Trains, evaluates on the test split and writes `<out>/eval.json`; returns the held-out metrics.
    @discardableResult
    public func run(log: (String) -> Void = RunFiles.logToStandardError) throws -> AlignResult {
        let bundle = try LoRASetup.startingBundle(model, lora: lora, adapter: adapter)
        let all = try RankingExample.load(data)
        let (train, validation, test) = GroupSplit.split(all, group: \.group, seed: config.seed)
        let groups = Array(Set(all.map(\.group))).sorted()
        if groups == [""], config.method.hasPrefix("is-") || config.method.hasPrefix("gr-") {
            throw AlignmentError.invalidInput("--method \(config.method) weights groups, but \(data.path) has no \"group\" field (every ranking is in one group); use --method \(GroupWeightings.baseName(of: config.method)) or add a group to each line")
        }
        if groups.count == 1, config.method.hasPrefix("is-") || config.method.hasPrefix("gr-") {
            log("note: the data has one group, so \(config.method) weights every ranking alike and reduces to \(GroupWeightings.baseName(of: config.method))")
        }
        let encoder = bundle.encoder(truncate: truncate, truncation: truncation)
        let trainSet = try RankingSet(examples: train, groups: groups, encoder: encoder, prompt: prompt, file: data.path)
        let heldOut = test.isEmpty ? validation : test
        let testPairs = try PreferenceSet(examples: heldOut.flatMap(\.impliedPairs), groups: groups, encoder: encoder,
                                          prompt: prompt, file: data.path)
        log("data: \(trainSet.lists.count) training rankings (\(trainSet.truncated) truncated, \(trainSet.dropped) dropped), \(testPairs.pairs.count) held-out implied pairs, \(groups.count) groups")
        let reference = try trainSet.referenceLogProbs(model: bundle.model, padId: bundle.eos)
        // The held-out reference too, before any step (and before adapters are attached): then a full fine-tune
        // trains the bundle's own weights (one copy of the model in memory, not two).
        let testReference = testPairs.pairs.isEmpty ? nil
            : try ReferenceLogProbs.compute(model: bundle.model, pairs: testPairs.pairs, padId: bundle.eos)
        var manifest = RunManifest(task: "rank", method: config.method, training: config.training,
                                   settings: AlignRunSettings(align: config, prompt: prompt, truncate: truncate, truncation: truncation),
                                   model: try FileFingerprint(of: model), data: [try FileFingerprint(of: data)],
                                   groups: groups.map(PreferenceSet.displayName))
        manifest.lora = lora
        if let adapter { manifest.data.append(try FileFingerprint(of: adapter.appendingPathComponent(PEFTAdapterFolder.weightsFile))) }
        let policy = bundle.model
        let trainable = try LoRASetup.trainable(policy, base: model, lora: lora, seed: config.seed, extraFiles: bundle.extraFiles, log: log)
        let task = try RankingTask(policy: policy, config: config, train: trainSet, reference: reference, padId: bundle.eos)
        let driver = try TrainingDriver(model: trainable, task: task, manifest: manifest, out: out, resume: resume)
        let outcome = try driver.run(progressLabel: showProgress ? config.method : nil, stopAfter: stopAfter)
        let shown = groups.map(PreferenceSet.displayName)
        guard outcome.finished else { return AlignResult(metrics: [:], groups: shown, alpha: task.weighting.groupWeights, folder: out, split: "validation") }
        var metrics: [String: Double] = [:]
        if let ref = testReference {
            metrics = try PreferenceEvaluator.evaluate(model: policy, set: testPairs, reference: ref,
                                                       loss: PlackettLuceLoss(beta: config.beta), beta: config.beta, padId: bundle.eos)
        }
        var record = metrics.reduce(into: [String: Any]()) { $0[$1.key] = $1.value }
        record["step"] = config.steps
        record["split"] = test.isEmpty ? "validation" : "test"
        try RunFiles.writeJSON(record, to: out.appendingPathComponent("eval.json"))
        return AlignResult(metrics: metrics, groups: shown, alpha: task.weighting.groupWeights, folder: out,
                           split: test.isEmpty ? "validation" : "test")
    }
}
