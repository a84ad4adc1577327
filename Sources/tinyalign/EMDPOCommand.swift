import Alignment
import ArgumentParser
import Datasets
import Foundation
import Recipes
import Report
import Training

/// `tinyalign em-dpo`: find latent annotator types and train one policy per type.
struct EMDPOCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "em-dpo",
        abstract: "EM-DPO: cluster annotators into K latent types (pairs or rankings, no group labels) and train one policy per type.")

    @Option(help: "SFT checkpoint folder: every type's starting policy and the reference model.") var model = "checkpoints/survey-base"
    @OptionGroup var adapterOption: AdapterOption
    @OptionGroup var lora: LoRAOptions
    @Option(help: "Pairs or rankings JSONL with an \"annotator\" on every line (default: the embedded survey's annotators).") var data: String?
    @Option(parsing: .unconditional, help: "K, the number of latent types.") var types = 2
    @Option(help: "Run folder to write.") var out = "runs/em-dpo"
    @Option(parsing: .unconditional, help: "EM rounds.") var rounds = 3
    @Option(parsing: .unconditional, help: "Optimizer steps per type per round (each M-step trains from the SFT model).") var stepsPerRound = 40
    @Option(parsing: .unconditional, help: "Pairs or rankings per step.") var batchSize = 16
    @Option(parsing: .unconditional, help: "β of the implicit reward.") var beta: Float = 0.1
    @Option(help: "Peak learning rate of the M-step.") var lr: Float = 1e-4
    @Option(help: "Seed of the initial posteriors and the data order.") var seed: UInt64 = 0
    @Option(help: "Annotators of the embedded default data (without --data).") var annotators = 60
    @Option(help: "Questions per annotator of the embedded default data (without --data).") var questionsPerAnnotator = 20
    @OptionGroup var memory: MemoryOptions
    @Option(help: "Responses per line of the embedded default data (without --data): 2 = pairs, k ≥ 3 = rankings of k (the paper: pairs cannot identify the types).")
    var rankingSize = 3
    @Option(name: .customLong("init"), help: "Initial posteriors: dirichlet (seeded, flat) or kmeans (the annotators' Borda profiles, as the reference code).")
    var initialisation: EMInitialisation = .dirichlet
    @Flag(help: "Drop lists that do not fit the context instead of cutting the prompt.") var dropLong = false
    @Flag(help: "Continue a killed run from its last finished M-step (and that M-step's checkpoint), with the same settings.") var resume = false
    @OptionGroup var runFolder: RunFolderOptions
    @OptionGroup var prefixSharingOptions: PrefixSharingOptions
    @Option(parsing: .unconditional, help: "Weight of an SFT term on each list's best response in every M-step, weighted by the posteriors (TRL's RPO α; 0 = off). Without it the type policies may stop answering.")
    var sftWeight: Float = 0
    @OptionGroup var truncationOptions: TruncationOptions

    /// Every option checked before a file is read (exit status 2, no run folder).
    func validate() throws {
        try UsageCheck.positive("--types", types)
        try UsageCheck.positive("--rounds", rounds)
        try UsageCheck.positive("--steps-per-round", stepsPerRound)
        try UsageCheck.positive("--batch-size", batchSize)
        try UsageCheck.positive("--beta", beta)
        try UsageCheck.positive("--lr", lr)
        try UsageCheck.positive("--annotators", annotators)
        try UsageCheck.positive("--questions-per-annotator", questionsPerAnnotator)
        try UsageCheck.nonNegative("--sft-weight", sftWeight)
        try runFolder.check(out: out, resume: resume)
    }

    func run() throws {
        prefixSharingOptions.apply()
        var config = EMDPOConfig()
        config.types = types
        config.rounds = rounds
        config.stepsPerRound = stepsPerRound
        config.batchSize = batchSize
        config.beta = beta
        config.lr = lr
        config.seed = seed
        config.initialisation = initialisation
        config.sftWeight = sftWeight
        config.truncation = truncationOptions.truncation
        guard rankingSize >= 2 else { throw ValidationError("--ranking-size must be 2 or more, got \(rankingSize)") }
        var job = EMDPOJob(model: try CommandSupport.oneLine { try ResourceLocator.locate(model) }, data: data.map { URL(fileURLWithPath: $0) },
                           out: URL(fileURLWithPath: out), config: config)
        job.defaultAnnotators = annotators
        job.defaultQuestionsPerAnnotator = questionsPerAnnotator
        job.truncate = !dropLong
        job.resume = resume
        var training = TrainingSettings(batchSize: batchSize)
        try memory.apply(to: &training)
        job.gradAccum = training.gradAccum
        job.checkpointActivations = training.checkpointActivations
        job.adapter = adapterOption.url
        job.defaultRankingSize = rankingSize
        job.lora = try lora.config()
        let s = try job.run()
        print("priors: \(s.priors.map { String(format: "%.3f", $0) }.joined(separator: " "))")
        print("log-likelihood per round: \(s.logLikelihood.map { String(format: "%.2f", $0) }.joined(separator: " "))")
        if let a = s.accuracy, let r = s.adjustedRandIndex {
            print("cluster recovery vs hidden groups: accuracy \(String(format: "%.3f", a)), adjusted Rand index \(String(format: "%.3f", r))")
        }
        print("policies in \(out)/policy-0 … policy-\(types - 1); posteriors in \(out)/posteriors.json; summary in \(out)/em.json")
        print(PeakMemory.summaryLine)
    }
}

extension EMInitialisation: ExpressibleByArgument {}
