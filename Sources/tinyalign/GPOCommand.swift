import Alignment
import ArgumentParser
import Datasets
import Foundation
import Recipes
import Report
import Training
import Models

/// `tinyalign gpo …`: Group Preference Optimization — an in-context predictor of a group's answer distributions.
struct GPOCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "gpo",
        abstract: "Meta-train and evaluate GPO: predict an unseen group's survey answers from a few of its answers.",
        subcommands: [GPOTrain.self, GPOEval.self]
    )

    /// The survey embedded with the checkpoint at `model`, or a one-line error naming the file.
    static func dataset(survey: String, model: String, pooling: GPOPooling) throws -> GPODataset {
        try CommandSupport.oneLine {
            let s = try Survey.load(URL(fileURLWithPath: survey))
            let bundle = try ModelBundle(URL(fileURLWithPath: model))
            return try GPODataset(survey: s, model: bundle.model, tokenizer: bundle.tokenizer, pooling: pooling)
        }
    }
}

/// Options both subcommands share.
struct GPODataOptions: ParsableArguments {
    @Option(help: "survey.json (from `tinyalign data synth` or `data import-globalopinionqa`).") var survey: String
    @Option(help: "Checkpoint folder whose last hidden states embed the (question, option) texts.")
    var model = "checkpoints/survey-base"
    @Option(help: "Context questions m: how many of a group's answered questions GPO is shown.")
    var contextQuestions = 10
    @Option(help: "Random seed.") var seed: UInt64 = 0
    @Option(help: "Tokens averaged into an option's embedding: all (prompt + option) or option (its own tokens, read after the prompt). Train default all; eval default: what the run used.")
    var pooling: GPOPooling?
}

extension GPOPooling: ExpressibleByArgument {}
extension GPOLikelihood: ExpressibleByArgument {}

/// `tinyalign gpo train`.
struct GPOTrain: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "train",
        abstract: "Meta-train a GPO transformer over the training groups' survey answers.")

    @OptionGroup var data: GPODataOptions
    @Option(help: "Run folder (run_config.json, metrics.jsonl, checkpoint/, final/ with gpo_config.json, model.safetensors, training.json).") var out: String
    @Option(help: "Training groups, comma-separated (default: every group of the survey).") var trainGroups: String?
    @Option(parsing: .unconditional, help: "Optimizer steps.") var steps = 1500
    @Option(parsing: .unconditional, help: "Target questions per episode.") var targetQuestions = 20
    @Option(parsing: .unconditional, help: "Episodes per step.") var episodes = 4
    @Option(parsing: .unconditional, help: "Peak learning rate.") var lr: Float = 1e-3
    @Option(help: "Transformer width.") var dModel = 64
    @Option(help: "Transformer blocks.") var layers = 3
    @Option(help: "Attention heads.") var heads = 4
    @Option(help: "Steps between resumable checkpoints (0 = end only).") var checkpointEvery = 0
    @Flag(help: "Continue from <out>/checkpoint with the same settings.") var resume = false
    @Option(help: "Training likelihood: mse (fixed variance) or learned-sigma (Gaussian NLL with a predicted σ, as the GPO code).")
    var likelihood: GPOLikelihood = .mse
    @Option(help: "Draw each episode's context size from this many up to --context-questions (as the GPO code; default: fixed).")
    var minContextQuestions: Int?
    @OptionGroup var runFolder: RunFolderOptions

    /// Every option checked before a file is read (exit status 2, no run folder).
    func validate() throws {
        for (name, value) in [("--steps", steps), ("--target-questions", targetQuestions), ("--episodes", episodes),
                              ("--d-model", dModel), ("--layers", layers), ("--heads", heads)] {
            try UsageCheck.positive(name, value)
        }
        try UsageCheck.positive("--lr", lr)
        try UsageCheck.nonNegative("--checkpoint-every", checkpointEvery)
        if trainGroups != nil, GroupList.parse([trainGroups!]) == nil { throw ValidationError("--train-groups names no group") }
        try runFolder.check(out: out, resume: resume)
    }

    func run() throws {
        var job = GPOTrainJob(survey: URL(fileURLWithPath: data.survey), embeddingModel: URL(fileURLWithPath: data.model),
                              out: URL(fileURLWithPath: out))
        job.trainGroups = trainGroups.map(DataCommand.list)
        job.pooling = data.pooling ?? .all
        (job.dModel, job.layers, job.heads) = (dModel, layers, heads)
        job.options.steps = steps
        job.options.contextQuestions = data.contextQuestions
        job.options.targetQuestions = targetQuestions
        job.options.episodesPerStep = episodes
        job.options.lr = lr
        job.options.seed = data.seed
        job.options.minContextQuestions = minContextQuestions
        job.likelihood = likelihood
        job.checkpointEvery = checkpointEvery
        job.resume = resume
        let (groups, losses) = try CommandSupport.oneLine { try job.run() }
        let tail = losses.suffix(50)
        print(String(format: "trained on %d groups, %d steps; mean loss of the last %d steps %.5f -> %@",
                     groups.count, steps, tail.count, tail.reduce(0, +) / Float(max(tail.count, 1)), out))
        print(PeakMemory.summaryLine)
    }
}

/// `tinyalign gpo eval`.
struct GPOEval: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "eval",
        abstract: "Few-shot score (1 − Jensen–Shannon distance, natural log as SciPy) of GPO on held-out groups, with two baselines.")

    @OptionGroup var data: GPODataOptions
    @Option(help: "GPO folder written by `gpo train`.") var gpo: String
    @Option(help: "Held-out groups, comma-separated.") var groups: String
    @Option(help: "Groups whose average is the baseline (default: the run's training groups).") var trainGroups: String?
    @Option(help: "Context draws averaged per group.") var repeats = 5

    func run() throws {
        let (model, info) = try CommandSupport.oneLine { try GPOCheckpoint.load(from: URL(fileURLWithPath: gpo)) }
        guard let pooling = data.pooling ?? GPOPooling(rawValue: info.pooling) else {
            throw CLIError("\(gpo)/training.json: unknown pooling \"\(info.pooling)\"")
        }
        let dataset = try GPOCommand.dataset(survey: data.survey, model: data.model, pooling: pooling)
        let training = trainGroups.map(DataCommand.list) ?? info.trainGroups
        let heldOut = DataCommand.list(groups)
        if let seen = heldOut.first(where: training.contains) {
            throw CLIError("group \"\(seen)\" is a training group; --groups must name held-out groups")
        }
        try CommandSupport.oneLine { try dataset.checkGroups(heldOut, minimum: data.contextQuestions + 1) }
        print("group".padding(toLength: 16, withPad: " ", startingAt: 0) + "   GPO     uniform  train-avg  targets   (scores: 1 − Jensen–Shannon distance, natural log)")
        var rows: [GPOGroupScore] = []
        for group in heldOut {
            let s = try CommandSupport.oneLine {
                try GPOEvaluator.evaluate(model, data: dataset, group: group, trainingGroups: training,
                                          contextQuestions: data.contextQuestions, repeats: repeats, seed: data.seed)
            }
            rows.append(s)
            print(Self.row(s.group, s.gpo, s.uniform, s.trainingAverage) + "  \(s.targets)")
        }
        let n = Double(rows.count)
        print(Self.row("mean", rows.map(\.gpo).reduce(0, +) / n, rows.map(\.uniform).reduce(0, +) / n,
                       rows.map(\.trainingAverage).reduce(0, +) / n))
    }

    static func row(_ name: String, _ a: Double, _ b: Double, _ c: Double) -> String {
        name.padding(toLength: 16, withPad: " ", startingAt: 0) + String(format: "   %.4f  %.4f   %.4f", a, b, c)
    }
}
