import ArgumentParser
import Foundation
import Alignment
import Datasets
import Recipes

/// `tinyalign repro …`: the seed papers' experiments, each writing a run folder with `report.html`.
struct ReproCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "repro",
        abstract: "Reproduce the seed papers' experiments over several seeds (each writes a folder with report.html).",
        subcommands: [ReproBandit.self, ReproGOQA.self, ReproEMDPO.self, ReproGPO.self])
}

/// `tinyalign repro bandit`: the GRPO paper's synthetic experiment.
struct ReproBandit: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "bandit",
        abstract: "GRPO's synthetic bandit: DPO/IS-DPO/GR-DPO and IPO/IS-IPO/GR-IPO on a log-linear policy in three settings.")

    @Option(help: "Run folder (runs.json, report.html).") var out = "runs/repro-bandit"
    @Option(help: "Seeds 0..<N.") var seeds = 5
    @Option(help: "Full-batch iterations (the reference scripts: 10000).") var iterations = 10_000
    @Option(help: "Iterations between validation evaluations.") var evalEvery = 50
    @Option(help: "Settings, comma-separated.") var settings = BanditRepro.Setting.allCases.map(\.rawValue).joined(separator: ",")
    @Option(help: "Methods, comma-separated.") var methods = "dpo,is-dpo,gr-dpo,ipo,is-ipo,gr-ipo"
    @Option(help: "η_θ.") var lr: Float = 0.9
    @Option(help: "η_α of the GR methods.") var etaAlpha: Float = 0.5

    func run() throws {
        var repro = BanditRepro()
        let names = settings.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
        repro.settings = try names.map { name in
            guard let s = BanditRepro.Setting(rawValue: name) else {
                throw ValidationError("unknown setting \"\(name)\"; settings: \(BanditRepro.Setting.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            return s
        }
        repro.methods = methods.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
        guard seeds > 0, iterations > 0, evalEvery > 0 else { throw ValidationError("--seeds, --iterations and --eval-every must be positive") }
        repro.seeds = seeds
        repro.iterations = iterations
        repro.evalEvery = evalEvery
        repro.lr = lr
        repro.etaAlpha = etaAlpha
        let runs = try repro.runAll { print($0) }
        let claims = try repro.write(runs, to: URL(fileURLWithPath: out))
        for c in claims { print("\(c.holds ? "holds" : "DOES NOT HOLD"): \(c.text)") }
        print("runs in \(out)/runs.json; report in \(out)/report.html")
    }
}

/// `tinyalign repro em-dpo`: the EM-DPO paper's identifiability experiment.
struct ReproEMDPO: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "em-dpo",
        abstract: "EM-DPO identifiability: cluster accuracy and ARI of two hidden annotator types from pairs vs rankings of 3 and 4.")

    @Option(help: "Run folder (runs.json, report.html).") var out = "runs/repro-em-dpo"
    @Option(help: "Seeds 0..<N.") var seeds = 5
    @Option(help: "Annotators (half of each type).") var annotators = 24
    @Option(help: "Questions per annotator.") var questions = 150
    @Option(help: "EM rounds.") var rounds = 6
    @Option(name: .customLong("init"), help: "Initial posteriors: dirichlet or kmeans.") var initialisation: EMInitialisation = .dirichlet

    func run() throws {
        guard seeds > 0, annotators >= 2, questions > 0, rounds > 0 else {
            throw ValidationError("--seeds, --questions and --rounds must be positive and --annotators at least 2")
        }
        var repro = EMDPORepro()
        repro.seeds = seeds
        repro.annotators = annotators
        repro.questions = questions
        repro.rounds = rounds
        repro.initialisation = initialisation
        let runs = try repro.runAll { print($0) }
        try repro.write(runs, to: URL(fileURLWithPath: out))
        print("runs in \(out)/runs.json; report in \(out)/report.html")
    }
}

/// `tinyalign repro gpo`: GPO's few-shot alignment score against context size on held-out groups.
struct ReproGPO: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "gpo",
        abstract: "GPO few-shot: held-out groups' alignment score against context size, with the uniform and training-average baselines.")

    @Option(help: "Checkpoint whose hidden states embed the (question, option) texts.") var model = "checkpoints/survey-base"
    @Option(help: "survey.json (default: the survey of the recipe stored beside --model).") var survey: String?
    @Option(help: "Groups GPO meta-trains on, comma-separated (default: the first three).") var trainGroups: String?
    @Option(help: "Context sizes scored, comma-separated.") var contextSizes = "1,2,4,8,16"
    @Option(help: "Meta-training seeds 0..<N.") var seeds = 3
    @Option(help: "Meta-training steps per seed.") var steps = 1500
    @Option(help: "Training likelihood: mse or learned-sigma.") var likelihood: GPOLikelihood = .mse
    @Option(help: "Run folder (scores.json, report.html).") var out = "runs/repro-gpo"

    func run() throws {
        let modelURL = URL(fileURLWithPath: model)
        let s = try survey.map { try Survey.load(URL(fileURLWithPath: $0)) } ?? DemoJob.recipe(beside: modelURL).survey()
        let bundle = try ModelBundle(modelURL)
        let data = try GPODataset(survey: s, model: bundle.model, tokenizer: bundle.tokenizer, pooling: .option)
        let sizes = contextSizes.split(separator: ",").compactMap { Int($0.trimmingCharacters(in: .whitespaces)) }
        guard !sizes.isEmpty, sizes.allSatisfy({ $0 > 0 }), seeds > 0, steps > 0 else {
            throw ValidationError("--context-sizes must be positive integers, --seeds and --steps positive")
        }
        var repro = GPORepro(trainGroups: trainGroups.map { $0.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) } }
                                 ?? Array(s.groups.prefix(3)))
        repro.contextSizes = sizes
        repro.seeds = seeds
        repro.options.steps = steps
        repro.options.contextQuestions = sizes.max()!
        repro.likelihood = likelihood
        let scores = try repro.run(data: data) { print($0) }
        for row in repro.summary(scores) {
            print("m = \(row.m): GPO \(row.gpo.formatted()), uniform \(row.uniform.formatted()), training average \(row.average.formatted())")
        }
        try repro.write(scores, to: URL(fileURLWithPath: out))
        print("scores in \(out)/scores.json; report in \(out)/report.html")
    }
}

/// `tinyalign repro goqa`: the GRPO paper's GlobalOpinionQA experiment on the real `global_opinions.csv`.
struct ReproGOQA: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "goqa",
        abstract: "GRPO's GlobalOpinionQA: SFT, then IPO/IS-IPO/GR-IPO/DPO/GR-DPO per seed on five countries; worst-country test loss.")

    @Option(help: "global_opinions.csv (Hugging Face Anthropic/llm_global_opinions).") var data: String
    @Option(help: "Starting model folder (GPT checkpoint or Hugging Face Llama-family folder with tokenizer.json).") var model: String
    @Option(help: "Run folder (data/, seed-<s>/, runs.json, report.html).") var out = "runs/repro-goqa"
    @Option(help: "Countries exactly as in the file, comma-separated (';' if a name has a comma).")
    var countries = GOQARepro.paperCountries.joined(separator: ",")
    @Option(help: "Methods, comma-separated.") var methods = GOQARepro.paperMethods.joined(separator: ",")
    @Option(help: "Training seeds 0..<N (SFT and alignment data order; the split is fixed).") var seeds = 3
    @Option(help: "Seed of the 80/10/10 split and of the rejected options.") var dataSeed: UInt64 = 0
    @Option(help: "SFT steps per seed.") var sftSteps = 150
    @Option(help: "Alignment steps per method and seed.") var steps = 300
    @Option(help: "Batch size (SFT and alignment).") var batchSize = 16
    @Option(help: "SFT learning rate.") var sftLr: Float = 3e-4
    @Option(help: "Alignment learning rate.") var lr: Float = 1e-4
    @Option(help: "β of IPO and DPO.") var beta: Float = 0.1
    @Option(help: "η_α of the GR methods.") var etaAlpha: Float = 0.1
    @Option(help: "Steps between validation evaluations.") var evalEvery = 50
    @Flag(help: "No progress bars.") var quiet = false

    func run() throws {
        setvbuf(stdout, nil, _IOLBF, 0)
        guard seeds > 0, sftSteps > 0, steps > 0, batchSize > 0, evalEvery > 0 else {
            throw ValidationError("--seeds, --sft-steps, --steps, --batch-size and --eval-every must be positive")
        }
        let methodList = DataCommand.list(methods)
        for m in methodList where PreferenceLosses.all[GroupWeightings.baseName(of: m)] == nil {
            throw ValidationError("unknown method \"\(m)\"; the paper's: \(GOQARepro.paperMethods.joined(separator: ", "))")
        }
        var repro = GOQARepro(csv: URL(fileURLWithPath: data), model: URL(fileURLWithPath: model), out: URL(fileURLWithPath: out))
        repro.countries = DataCommand.list(countries)
        repro.methods = methodList
        repro.seeds = seeds
        repro.dataSeed = dataSeed
        repro.sft.steps = sftSteps
        repro.sft.batchSize = batchSize
        repro.sft.lr = sftLr
        repro.sft.evalEvery = evalEvery
        repro.align.steps = steps
        repro.align.batchSize = batchSize
        repro.align.lr = lr
        repro.align.beta = beta
        repro.align.etaAlpha = etaAlpha
        repro.align.evalEvery = evalEvery
        repro.showProgress = !quiet
        let (prepared, runs) = try CommandSupport.oneLine { try repro.run() }
        print("\n== Test split over \(seeds) seed\(seeds == 1 ? "" : "s") (mean ± std)")
        print(GOQARepro.text(runs, methods: repro.methods, countries: repro.countries))
        let claims = try repro.write(runs, prepared: prepared)
        for c in claims { print("\(c.holds ? "holds" : "DOES NOT HOLD"): \(c.text)") }
        print("runs in \(out)/runs.json; report in \(out)/report.html")
    }
}
