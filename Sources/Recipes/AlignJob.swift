import Foundation
import Models
import Training
import Datasets
import Alignment
import Report

/// `tinyalign align`: preference-train a policy from an SFT checkpoint (which is also the reference) and
/// evaluate it per group on held-out data.
public struct AlignJob {
    /// The SFT checkpoint: starting policy and reference model.
    public var model: URL
    /// Preference JSONL. Without `validationData` it is split 80/10/10 per group (train/validation/test).
    public var data: URL
    /// Optional separate validation JSONL (then all of `data` trains).
    public var validationData: URL?
    /// Optional separate test JSONL for the final held-out evaluation (default: the test split, or validation).
    public var testData: URL?
    /// The run folder.
    public var out: URL
    /// Training settings.
    public var config: AlignConfig
    /// How the group enters the prompt.
    public var prompt = GroupPrompt()
    /// Restrict to / order the groups (every one must occur in the data).
    public var groups: [String]?
    /// Cut too-long prompts (true) or drop those pairs.
    public var truncate = true
    /// Train for this many passes over the training pairs instead of `config.steps`.
    public var epochs: Double?
    /// Continue from `<out>/checkpoint`.
    public var resume = false
    /// Where reference log-probabilities are cached (nil: `CacheFolder`'s default, never beside the data).
    public var cacheDirectory: URL?
    /// Show a progress bar / periodic lines on stderr.
    public var showProgress = true
    /// Stop after this step with a checkpoint (simulates an interrupted run; resume with `resume`).
    public var stopAfter: Int?
    /// The length budget of prompt + response and which end of a too-long prompt is kept.
    public var truncation = Truncation()
    /// A reference model other than the starting policy `model` (nil: `model` is both). Its tokenizer files must
    /// be the policy's, byte for byte, or the log-ratios would compare different token sequences.
    public var referenceModel: URL?
    /// Greedy answers to held-out prompts at every evaluation (`samples.jsonl`, `group/<g>/greedy/chosen`).
    public var samplesDuringEval = true

    /// A job with default settings.
    public init(model: URL, data: URL, out: URL, config: AlignConfig) {
        self.model = model
        self.data = data
        self.out = out
        self.config = config
    }

    /// Train LoRA adapters on the frozen model instead of the whole model (nil: full fine-tuning). The policy is
    /// then the reference model itself with adapters attached: no second copy is loaded, and the reference is the
    /// model with its adapters switched off.
    public var lora: LoRAConfig?
    /// A LoRA adapter folder merged into `model` before training (nil: none); the merged model is then both
    /// the starting policy and the reference.
    public var adapter: URL?

    /// Runs the job; returns the final held-out metrics (also written to `<out>/eval.json`), α and the folder.
    @discardableResult
    public func run(log: (String) -> Void = RunFiles.logToStandardError) throws -> AlignResult {
        try LoRASetup.checkStart(lora: lora, adapter: adapter)
        if referenceModel != nil, lora != nil {
            throw AlignmentError.invalidInput("--reference cannot be combined with LoRA: the reference is the base model with its adapters switched off")
        }
        let reference = try ModelBundle(referenceModel ?? model, adapter: referenceModel == nil ? adapter : nil)
        if let referenceModel {
            try ReferenceCheck.compatible(policy: try ModelBundle(model), reference: reference, referencePath: referenceModel.path)
        }
        try LoRASetup.check(lora, against: reference.model)
        // A narrowed base computes the reference in its own dtype, so its log-probs are not cached under the F32 key.
        let loraTrainable = try lora.flatMap { $0.baseDType == "f32" ? nil : try LoRASetup.trainable(
            reference.model, base: model, lora: $0, seed: self.config.seed, extraFiles: reference.extraFiles, log: log) }
        let all = try PreferenceExample.load(data)
        let (train, validation, test): ([PreferenceExample], [PreferenceExample], [PreferenceExample])
        if let validationData {
            (train, validation, test) = (all, try PreferenceExample.load(validationData), try testData.map(PreferenceExample.load) ?? [])
        } else {
            (train, validation, test) = GroupSplit.split(all, seed: config.seed)
        }
        let groupNames = try PreferenceSet.groupNames(of: train, requested: groups, file: data.path)
        if groupNames == [""], config.method.hasPrefix("is-") || config.method.hasPrefix("gr-") {
            throw AlignmentError.invalidInput("--method \(config.method) weights groups, but \(data.path) has no \"group\" field (every pair is in one group); use --method \(GroupWeightings.baseName(of: config.method)) or add a group to each line")
        }
        let keep = Set(groupNames)
        if groupNames.count == 1, config.method.hasPrefix("is-") || config.method.hasPrefix("gr-") {
            log("note: the data has one group, so \(config.method) weights every pair alike and reduces to \(GroupWeightings.baseName(of: config.method))")
        }
        let encoder = reference.encoder(truncate: truncate, truncation: truncation)
        func set(_ xs: [PreferenceExample], _ file: URL) throws -> PreferenceSet {
            try PreferenceSet(examples: xs.filter { groups == nil || keep.contains($0.group) }, groups: groupNames,
                              encoder: encoder, prompt: prompt, file: file.path)
        }
        let trainSet = try set(train, data)
        let validationSet = try set(validation, validationData ?? data)
        let testSet = try set(test, testData ?? data)
        log("data: \(trainSet.pairs.count) train / \(validationSet.pairs.count) validation / \(testSet.pairs.count) test pairs in \(groupNames.count) groups; \(trainSet.truncated + validationSet.truncated + testSet.truncated) truncated, \(trainSet.dropped + validationSet.dropped + testSet.dropped) dropped (too long)")

        // The cache is keyed by the model folder's weights: a narrowed base or a merged adapter computes other values.
        let cache = loraTrainable == nil && adapter == nil ? RunFiles.cacheDirectory(cacheDirectory) : nil
        let pad = reference.eos
        let referenceDirectory = referenceModel ?? model
        // All three splits before any step: after this the reference model is never run again, so a full fine-tune
        // can train the very same weights (one copy of the model in memory, not two).
        func referenceLogProbs(_ set: PreferenceSet) throws -> (values: ReferenceLogProbs, hit: Bool) {
            try withAdaptersDisabled {
                try ReferenceLogProbs.cached(modelDirectory: referenceDirectory, model: reference.model, pairs: set.pairs, padId: pad, cacheDirectory: cache)
            }
        }
        let (trainRef, valRef, testRef) = (try referenceLogProbs(trainSet), try referenceLogProbs(validationSet), try referenceLogProbs(testSet))
        log("reference log-probs: \(trainRef.hit && valRef.hit && testRef.hit ? "read from cache" : "computed and cached") in \(cache?.path ?? "no cache (no writable folder)")")

        var config = self.config
        if let epochs { config.training.setSteps(epochs: epochs, examples: trainSet.pairs.count) }
        var fingerprints = [try FileFingerprint(of: data)]
        if let validationData { fingerprints.append(try FileFingerprint(of: validationData)) }
        var manifest = RunManifest(task: "align", method: config.method, training: config.training,
                                   settings: AlignRunSettings(align: config, prompt: prompt, truncate: truncate, truncation: truncation,
                                                             reference: try referenceModel.map { try FileFingerprint(of: $0) }),
                                   model: try FileFingerprint(of: model), data: fingerprints,
                                   groups: groupNames.map(PreferenceSet.displayName), groupSizes: trainSet.groupSizes)
        manifest.lora = lora
        if let adapter { manifest.data.append(try FileFingerprint(of: adapter.appendingPathComponent(PEFTAdapterFolder.weightsFile))) }
        let trainable: Trainable
        let policy: any CausalLanguageModel
        if let lora {
            policy = reference.model
            trainable = try loraTrainable ?? LoRASetup.trainable(policy, base: model, lora: lora, seed: config.seed,
                                                                 extraFiles: reference.extraFiles, log: log)
        } else {
            // Without a separate --reference the reference bundle is `model` with `adapter` merged: the starting
            // policy itself.
            policy = referenceModel == nil ? reference.model : try LoRASetup.loadPolicy(model, adapter: adapter)
            trainable = TrainableLanguageModel(policy, extraFiles: reference.extraFiles)
        }
        let task = try PreferenceTask(policy: policy, config: config, train: trainSet, trainReference: trainRef.values,
                                      validation: validationSet.pairs.isEmpty ? nil : validationSet,
                                      validationReference: valRef.values, padId: pad)
        let driver = try TrainingDriver(model: trainable, task: task, manifest: manifest, out: out, resume: resume)
        // Every eval line says how many validation pairs each group has (the report labels its charts with them).
        let validationCounts = Self.pairCounts(validationSet)
        let samples = samplesDuringEval && !validationSet.pairs.isEmpty
            ? try EvalSamples(examples: validation.filter { keep.contains($0.group) }, groups: groupNames, prompt: prompt,
                              encoder: encoder, eos: pad, out: out, resumeStep: driver.currentStep)
            : nil
        driver.evaluationExtras = { step in
            (try samples?.evaluate(model: policy, step: step) ?? [:]).merging(validationCounts) { a, _ in a }
        }
        let outcome = try driver.run(progressLabel: showProgress ? config.method : nil, stopAfter: stopAfter)
        var final = outcome.lastEval
        let groupNamesShown = groupNames.map(PreferenceSet.displayName)
        guard outcome.finished else {
            return AlignResult(metrics: final, groups: groupNamesShown, alpha: task.groupWeights, folder: out, split: "validation")
        }
        if !testSet.pairs.isEmpty {
            final = try PreferenceEvaluator.evaluate(model: policy, set: testSet, reference: testRef.values, loss: task.loss,
                                                     beta: config.beta, padId: pad)
        }
        let split = testSet.pairs.isEmpty ? "validation" : "test"
        var evalRecord = final.reduce(into: [String: Any]()) { $0[$1.key] = $1.value }
        evalRecord["step"] = config.steps
        evalRecord["split"] = split
        for (key, n) in Self.pairCounts(testSet.pairs.isEmpty ? validationSet : testSet) { evalRecord[key] = n }
        for (g, a) in zip(groupNamesShown, task.groupWeights) { evalRecord["alpha/\(g)"] = Double(a) }
        try RunFiles.writeJSON(evalRecord, to: out.appendingPathComponent("eval.json"))
        return AlignResult(metrics: final, groups: groupNamesShown, alpha: task.groupWeights, folder: out, split: split)
    }
}

extension AlignJob {
    /// `group/<g>/pairs` and `pairs` of a set: how many pairs its numbers average over.
    static func pairCounts(_ set: PreferenceSet) -> [String: Double] {
        var counts: [String: Double] = ["pairs": Double(set.pairs.count)]
        for (g, n) in zip(set.groups, set.groupSizes) { counts["group/\(PreferenceSet.displayName(g))/pairs"] = Double(n) }
        return counts
    }
}

/// The settings of an `align` run beyond the optimiser's: the method's and how prompts were built.
public struct AlignRunSettings: Codable, Equatable {
    /// Loss, weighting and their parameters.
    public var align: AlignConfig
    /// The group prefix.
    public var prompt: GroupPrompt
    /// Whether too-long prompts were cut (else dropped).
    public var truncate: Bool
    /// The length budget (absent in manifests written before it existed).
    public var truncation: Truncation?
    /// The separate reference model, when one was given.
    public var reference: FileFingerprint?
}

/// What an `align` run produced.
public struct AlignResult {
    /// The final held-out metrics (test split, else validation), TRL names overall and per group.
    public var metrics: [String: Double]
    /// Group names as shown, in index order.
    public var groups: [String]
    /// The final group weights (α for robust methods).
    public var alpha: [Float]
    /// The run folder.
    public var folder: URL
    /// Which split `metrics` scored.
    public var split: String
}
