import Foundation
import Models

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
    /// Show a progress bar / periodic lines on stderr.
    public var showProgress = true
    /// Stop after this step with a checkpoint (simulates an interrupted run; resume with `resume`).
    public var stopAfter: Int?

    /// A job with default settings.
    public init(model: URL, data: URL, out: URL, config: AlignConfig) {
        self.model = model
        self.data = data
        self.out = out
        self.config = config
    }

    /// Runs the job; returns the final held-out metrics (also written to `<out>/eval.json`).
    @discardableResult
    public func run(log: (String) -> Void = RunFiles.logToStandardError) throws -> [String: Double] {
        let reference = try ModelBundle(model)
        let all = try PreferenceExample.load(data)
        let (train, validation, test): ([PreferenceExample], [PreferenceExample], [PreferenceExample])
        if let validationData {
            (train, validation, test) = (all, try PreferenceExample.load(validationData), try testData.map(PreferenceExample.load) ?? [])
        } else {
            (train, validation, test) = GroupSplit.split(all, seed: config.seed)
        }
        let groupNames = try PreferenceSet.groupNames(of: train, requested: groups, file: data.path)
        let keep = Set(groupNames)
        let encoder = reference.encoder(truncate: truncate)
        func set(_ xs: [PreferenceExample], _ file: URL) throws -> PreferenceSet {
            try PreferenceSet(examples: xs.filter { groups == nil || keep.contains($0.group) }, groups: groupNames,
                              encoder: encoder, prompt: prompt, file: file.path)
        }
        let trainSet = try set(train, data)
        let validationSet = try set(validation, validationData ?? data)
        let testSet = try set(test, testData ?? data)
        log("data: \(trainSet.pairs.count) train / \(validationSet.pairs.count) validation / \(testSet.pairs.count) test pairs in \(groupNames.count) groups; \(trainSet.truncated + validationSet.truncated + testSet.truncated) truncated, \(trainSet.dropped + validationSet.dropped + testSet.dropped) dropped (too long)")

        let cache = RunFiles.cacheDirectory(for: data)
        let pad = reference.eos
        let trainRef = try ReferenceLogProbs.cached(modelDirectory: model, model: reference.model, pairs: trainSet.pairs, padId: pad, cacheDirectory: cache)
        let valRef = try ReferenceLogProbs.cached(modelDirectory: model, model: reference.model, pairs: validationSet.pairs, padId: pad, cacheDirectory: cache)
        log("reference log-probs: \(trainRef.hit && valRef.hit ? "read from cache" : "computed and cached") in \(cache.path)")

        let policy = resume ? try Checkpoint.load(from: out.appendingPathComponent("checkpoint")) : try Checkpoint.load(from: model)
        var config = self.config
        if let epochs { config.training.setSteps(epochs: epochs, examples: trainSet.pairs.count) }
        let (loss, weighting) = try PreferenceLosses.resolve(config, groupSizes: trainSet.groupSizes)
        var runConfig: [String: Any] = [
            "method": config.method, "loss": loss.name, "weighting": weighting.name, "beta": config.beta,
            "eta_alpha": config.etaAlpha, "chi": config.chi, "steps": config.steps, "batch_size": config.batchSize,
            "lr": config.lr, "seed": config.seed, "groups": groupNames.map(PreferenceSet.displayName),
            "group_sizes": trainSet.groupSizes, "model": model.path, "data": data.path,
            "group_template": prompt.template ?? NSNull(), "sft_weight": config.sftWeight,
        ]
        if let validationData { runConfig["validation_data"] = validationData.path }
        try RunFiles.writeJSON(runConfig, to: out.appendingPathComponent("run_config.json"))

        let trainer = try PreferenceTrainer(policy: policy, config: config, train: trainSet, trainReference: trainRef.values,
                                            validation: validationSet.pairs.isEmpty ? nil : validationSet,
                                            validationReference: valRef.values, padId: pad, out: out,
                                            tokenizerJSON: reference.tokenizerJSON, resume: resume)
        let bar = showProgress ? ProgressBar(total: config.steps, label: config.method) : nil
        var final = try trainer.run(progress: bar, stopAfter: stopAfter)
        if let stopAfter, stopAfter < config.steps { return final }
        if !testSet.pairs.isEmpty {
            let testRef = try ReferenceLogProbs.cached(modelDirectory: model, model: reference.model, pairs: testSet.pairs, padId: pad, cacheDirectory: cache)
            final = try PreferenceEvaluator.evaluate(model: policy, set: testSet, reference: testRef.values, loss: loss,
                                                     beta: config.beta, padId: pad)
        }
        var evalRecord = final.reduce(into: [String: Any]()) { $0[$1.key] = $1.value }
        evalRecord["step"] = config.steps
        evalRecord["split"] = testSet.pairs.isEmpty ? "validation" : "test"
        for (g, a) in zip(groupNames, trainer.groupWeights) { evalRecord["alpha/\(PreferenceSet.displayName(g))"] = Double(a) }
        try RunFiles.writeJSON(evalRecord, to: out.appendingPathComponent("eval.json"))
        return final
    }
}
