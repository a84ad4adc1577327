import Foundation
import Models
import Training
import Datasets
import Alignment
import Report

/// `tinyalign em-dpo`: EM-DPO on annotated pairs or rankings without group labels. Writes `policy-<k>/` (one
/// checkpoint per latent type, k from 0), `posteriors.json` (annotator -> [γ_k]) and `em.json` (settings,
/// priors and log-likelihood per round and, when the data has hidden groups, cluster recovery).
///
/// Prompts are used without any group prefix: the point is to find the types without being told the groups.
/// Without `data` the job runs on the embedded default: the demo's survey (5 groups, 768 questions, lean 0.6)
/// answered by `defaultAnnotators` annotators with rankings of `defaultRankingSize` options (3: the EM-DPO
/// paper shows pairs cannot identify latent types and rankings of three or more can), written to
/// `<out>/data/annotators.jsonl`.
public struct EMDPOJob {
    /// The SFT checkpoint: every type's starting policy and the reference model.
    public var model: URL
    /// Pairs or rankings with an `annotator` on every line (nil = the embedded default survey's annotators).
    public var data: URL?
    /// The run folder.
    public var out: URL
    /// EM settings.
    public var config: EMDPOConfig
    /// Annotators of the embedded default data.
    public var defaultAnnotators = 60
    /// Questions per annotator of the embedded default data.
    public var defaultQuestionsPerAnnotator = 20
    /// Cut too-long prompts (true) or drop those lists.
    public var truncate = true
    /// Continue a killed run from its last finished M-step (and that M-step's checkpoint).
    public var resume = false
    /// Micro-batches per M-step optimizer step (nil = 1).
    public var gradAccum: Int?
    /// Activation checkpointing in the M-steps (nil = off).
    public var checkpointActivations: Bool?

    /// A job with default settings.
    /// Train LoRA adapters on a frozen copy of the model per type instead of the whole copy (nil: full).
    public var lora: LoRAConfig?
    /// A LoRA adapter folder merged into `model` (the starting point and reference of every type's policy).
    public var adapter: URL?
    /// Responses per line of the embedded default data: 2 = pairs, k ≥ 3 = rankings of k options.
    public var defaultRankingSize = 3

    /// A job with default settings.
    public init(model: URL, data: URL?, out: URL, config: EMDPOConfig) {
        self.model = model
        self.data = data
        self.out = out
        self.config = config
    }

    /// What the run found.
    public struct Summary {
        /// Final priors η.
        public var priors: [Double]
        /// Log-likelihood after each round.
        public var logLikelihood: [Double]
        /// Cluster accuracy under the best matching and the adjusted Rand index (nil without hidden groups).
        public var accuracy: Double?, adjustedRandIndex: Double?
    }

    /// Runs EM and writes the outputs.
    @discardableResult
    public func run(log: @escaping (String) -> Void = RunFiles.logToStandardError) throws -> Summary {
        let dataURL = try data ?? writeDefaultData()
        let examples = try RankingExample.load(dataURL)
        let bundle = try LoRASetup.startingBundle(model, lora: lora, adapter: adapter)
        let groups = Array(Set(examples.map(\.group))).sorted()
        let truncation = config.truncation ?? Truncation()
        let set = try RankingSet(examples: examples, groups: groups, encoder: bundle.encoder(truncate: truncate, truncation: truncation),
                                 prompt: GroupPrompt(template: nil), file: dataURL.path)
        guard !set.lists.isEmpty else { throw AlignmentError.invalidInput("no list of \(dataURL.path) fits the model's context") }
        let emData = try AnnotatedRankings(examples: set.examples, file: dataURL.path)
        log("data: \(set.lists.count) lists from \(emData.annotators.count) annotators; \(set.truncated) truncated (prompt cut, \(truncation.mode.rawValue)), \(set.dropped) dropped (too long); \(config.types) types")
        let reference = try set.referenceLogProbs(model: bundle.model, padId: bundle.eos)
        var training = TrainingSettings(steps: config.rounds, batchSize: config.batchSize, lr: config.lr, seed: config.seed)
        training.gradAccum = gradAccum
        training.checkpointActivations = checkpointActivations
        var manifestValue = try RunManifest(task: "em-dpo", method: "em-dpo", training: training,
                                            settings: config, model: FileFingerprint(of: model), data: [FileFingerprint(of: dataURL)])
        manifestValue.lora = lora
        if let adapter { manifestValue.data.append(try FileFingerprint(of: adapter.appendingPathComponent(PEFTAdapterFolder.weightsFile))) }
        let manifest = try manifestValue.encoded()
        let manifestURL = out.appendingPathComponent("run_config.json")
        if resume {
            guard let saved = try? Data(contentsOf: manifestURL) else {
                throw TrainingError.cannotResume("no EM-DPO run in \(out.path) (\(manifestURL.lastPathComponent) is missing)")
            }
            try ResumeCheck.check(saved: saved, requested: manifest, folder: out.path)
        }
        try FileManager.default.createDirectory(at: out, withIntermediateDirectories: true)
        try manifest.write(to: manifestURL, options: .atomic)
        let em = try EMDPO(data: emData, config: config, out: out, resume: resume) { _ in
            let policy = try LoRASetup.loadPolicy(model, adapter: adapter)
            return LanguageModelTypePolicy(model: policy, trainable: try LoRASetup.trainable(policy, base: model, lora: lora, seed: config.seed,
                                                                                             extraFiles: bundle.extraFiles, log: { _ in }),
                                           set: set, reference: reference, padId: bundle.eos, lr: config.lr)
        }
        em.gradAccum = gradAccum
        em.checkpointActivations = checkpointActivations
        try em.run(log: log)

        for (k, policy) in em.policies.enumerated() {
            try AtomicFolder.write(to: out.appendingPathComponent("policy-\(k)")) { try policy.trainable.write(to: $0) }
        }
        var posteriors: [String: Any] = [:]
        for (name, gamma) in zip(emData.annotators, em.posteriors) { posteriors[name] = gamma }
        try RunFiles.writeJSON(posteriors, to: out.appendingPathComponent("posteriors.json"))

        var summary = Summary(priors: em.priors, logLikelihood: em.history.map(\.logLikelihood))
        var record: [String: Any] = [
            "types": config.types, "rounds": config.rounds, "steps_per_round": config.stepsPerRound,
            "batch_size": config.batchSize, "beta": config.beta, "lr": config.lr, "seed": config.seed,
            "model": model.path, "data": dataURL.path, "lists": emData.count, "dropped": set.dropped, "truncated": set.truncated,
            "sft_weight": config.sftWeight,
            "annotators": emData.annotators.count, "init": config.initialisation.rawValue,
            "list_sizes": Array(Set(emData.sizes)).sorted(),
            "priors": em.history.map(\.priors), "log_likelihood": em.history.map(\.logLikelihood),
            "m_step_loss": em.history.map(\.mStepLoss),
        ]
        if let truth = emData.trueGroups {
            let predicted = em.assignments
            summary.accuracy = try ClusterRecovery.accuracy(predicted: predicted, truth: truth)
            summary.adjustedRandIndex = try ClusterRecovery.adjustedRandIndex(predicted, truth)
            record["cluster_accuracy"] = summary.accuracy
            record["adjusted_rand_index"] = summary.adjustedRandIndex
            record["groups"] = emData.groupNames
            // annotators of each type per true group: which group each type found
            record["type_group_counts"] = (0..<config.types).map { k in
                emData.groupNames.indices.map { g in zip(predicted, truth).filter { $0 == (k, g) }.count }
            }
            log("cluster recovery: accuracy \(String(format: "%.3f", summary.accuracy!)), adjusted Rand index \(String(format: "%.3f", summary.adjustedRandIndex!))")
        }
        try RunFiles.writeJSON(record, to: out.appendingPathComponent("em.json"))
        return summary
    }

    /// The embedded default: the demo survey's annotators as rankings of `defaultRankingSize` (pairs for 2) in
    /// `<out>/data/annotators.jsonl`.
    func writeDefaultData() throws -> URL {
        var recipe = try DemoJob.recipe(beside: model)
        recipe.annotators = defaultAnnotators
        recipe.questionsPerAnnotator = defaultQuestionsPerAnnotator
        recipe.rankingSize = defaultRankingSize
        let url = out.appendingPathComponent("data").appendingPathComponent("annotators.jsonl")
        let survey = try recipe.survey()
        if defaultRankingSize == 2 {
            try PreferenceExample.save(try recipe.annotatorMaker.pairs(survey), to: url)
        } else {
            try RankingExample.save(try recipe.annotatorMaker.rankings(survey), to: url)
        }
        return url
    }
}
