import Alignment
import ArgumentParser
import Datasets
import Foundation
import Recipes
import Report
import Training

/// `tinyalign data …`: make the group-opinion data the alignment demo trains on.
struct DataCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "data",
        abstract: "Make group-opinion preference data (synthetic, or from GlobalOpinionQA).",
        subcommands: [DataSynth.self, DataImportGlobalOpinionQA.self, DataChat.self]
    )

    /// Splits a list option on ";" when it has one (names that contain commas), else on ",".
    static func list(_ text: String) -> [String] {
        text.split(separator: text.contains(";") ? ";" : ",")
            .map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
    }

    /// Writes survey.json + prefs.jsonl and prints where they went and how many pairs each group got.
    static func write(survey: Survey, pairs: [PreferenceExample], to out: URL) throws {
        try survey.save(to: out.appendingPathComponent("survey.json"))
        try PreferenceExample.save(pairs, to: out.appendingPathComponent("prefs.jsonl"))
        print("\(survey.questions.count) questions -> \(out.appendingPathComponent("survey.json").path)")
        print("\(pairs.count) pairs -> \(out.appendingPathComponent("prefs.jsonl").path)")
        for group in survey.groups {
            print("  \(group): \(pairs.filter { $0.group == group }.count) pairs")
        }
    }
}

/// `tinyalign data synth`: a synthetic survey whose fictional groups disagree, its preference pairs and a
/// pretraining corpus sampled from the groups' answer distributions.
struct DataSynth: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "synth",
        abstract: "Synthesize a group-opinion survey: survey.json, prefs.jsonl and pretrain.txt."
    )

    @Option(help: "Output folder.")
    var out: String
    @Option(help: "Number of groups (fictional names: Avalon, Brightwater, Cedar Isle, …).")
    var groups: Int = 5
    @Option(help: "Number of questions in the survey.")
    var questions: Int = 400
    @Option(help: "Random seed; the same seed gives the same files.")
    var seed: UInt64 = 0
    @Option(help: "Group shares of the preference pairs, comma-separated (normalised). Default 45,25,15,10,5 for 5 groups, geometric otherwise.")
    var shares: String?
    @Option(help: "Total number of preference pairs (default: the number of questions).")
    var pairs: Int?
    @Option(help: "Sampled answers per (question, group) in pretrain.txt.")
    var samples: Int = 4
    @Option(help: "Weight of each group's lean towards its own end of the answer scale (0 = none; the demo uses 0.6).")
    var groupLean: Double = 0
    @Flag(help: "Write pretrain.txt from the whole population's answers without group prefixes (how the demo's base model was trained).")
    var populationCorpus = false
    @Option(help: "Also write annotators.jsonl: this many annotators, each a member of a hidden group (for em-dpo).")
    var annotators: Int?
    @Option(help: "Questions each annotator answers (with --annotators).")
    var questionsPerAnnotator: Int = 20
    @Option(help: "Responses per annotator line: 2 = pairs (chosen, rejected), k ≥ 3 = rankings of k options (with --annotators; default 3, since pairs cannot identify EM-DPO's latent types).")
    var rankingSize: Int = 3

    func run() throws {
        guard groups > 0 else { throw ValidationError("--groups must be positive") }
        let shareValues: [Double]
        if let shares {
            let parts = DataCommand.list(shares)
            let values = parts.compactMap(Double.init)
            guard values.count == parts.count else { throw ValidationError("--shares must be numbers, got \"\(shares)\"") }
            shareValues = values
        } else {
            shareValues = SurveySynthesizer.defaultShares(count: groups)
        }
        var recipe = SurveyRecipe()
        recipe.groups = groups
        recipe.questions = questions
        recipe.seed = seed
        recipe.groupLean = groupLean
        recipe.shares = shareValues
        recipe.pairs = pairs
        recipe.annotators = annotators ?? recipe.annotators
        recipe.questionsPerAnnotator = questionsPerAnnotator
        recipe.rankingSize = rankingSize
        let survey = try recipe.survey()
        let prefs = try recipe.preferencePairs(survey)
        let outURL = URL(fileURLWithPath: out)
        try DataCommand.write(survey: survey, pairs: prefs, to: outURL)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        try encoder.encode(recipe).write(to: outURL.appendingPathComponent("survey_recipe.json"), options: .atomic)
        let corpus = populationCorpus
            ? try SurveyCorpus.populationText(survey, shares: shareValues, samplesPerQuestion: samples, seed: recipe.seed(.corpus))
            : try SurveyCorpus.text(survey, samplesPerQuestion: samples, seed: recipe.seed(.corpus))
        let corpusURL = outURL.appendingPathComponent("pretrain.txt")
        try Data(corpus.utf8).write(to: corpusURL, options: .atomic)
        print("\(corpus.utf8.count) bytes of pretraining text -> \(corpusURL.path)")
        if let annotators {
            let maker = recipe.annotatorMaker
            let url = outURL.appendingPathComponent("annotators.jsonl")
            let lines: Int
            if rankingSize == 2 {
                let pairs = try maker.pairs(survey)
                try PreferenceExample.save(pairs, to: url)
                lines = pairs.count
            } else {
                let rankings = try maker.rankings(survey)
                try RankingExample.save(rankings, to: url)
                lines = rankings.count
            }
            print("\(lines) \(rankingSize == 2 ? "pairs" : "rankings") from \(annotators) annotators (hidden groups in \"group\") -> \(url.path)")
        }
    }
}

/// `tinyalign data import-globalopinionqa`: GlobalOpinionQA's `global_opinions.csv` to survey.json + prefs.jsonl.
struct DataImportGlobalOpinionQA: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "import-globalopinionqa",
        abstract: "Turn GlobalOpinionQA's global_opinions.csv into survey.json and prefs.jsonl for chosen countries."
    )

    @Option(help: "Path to global_opinions.csv (Hugging Face Anthropic/llm_global_opinions).")
    var csv: String
    @Option(help: "Countries, exactly as in the file, comma-separated (or ';'-separated if a name has a comma).")
    var countries: String = "Nigeria,Egypt,India (Current national sample),China,Japan"
    @Option(help: "Output folder.")
    var out: String
    @Option(help: "Seed for drawing the rejected options.")
    var seed: UInt64 = 0

    func run() throws {
        let result = try GlobalOpinionQA.load(csv: URL(fileURLWithPath: csv), countries: DataCommand.list(countries))
        let prefs = try SurveyPairs.all(result.survey, seed: seed)
        try DataCommand.write(survey: result.survey, pairs: prefs, to: URL(fileURLWithPath: out))
        for (country, n) in result.skipped.sorted(by: { $0.key < $1.key }) {
            print("  skipped \(n) rows for \(country): shares unusable (length differs from options, NaN or all zero)")
        }
        if let summary = result.skippedRowsSummary() { print("  " + summary) }
    }
}
