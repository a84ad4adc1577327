import Foundation
import Models
import Training
import Datasets
import Alignment
import Report

/// `tinyalign demo --all`: after the DPO family, the seed papers' other systems on the same embedded survey —
/// EM-DPO on annotators whose groups are hidden, min-max regret aggregation of the EM-DPO policies, and GPO's
/// few-shot prediction of held-out groups' answer distributions. Returns tables for the report.
public struct SeedSystemsDemo {
    /// The SFT checkpoint the EM-DPO policies start from (and the aggregation's reference).
    public var sftModel: URL
    /// The base checkpoint whose hidden states embed GPO's (question, option) texts.
    public var base: URL
    /// The demo's survey.json.
    public var survey: URL
    /// Held-out prompts (the demo's test.jsonl) for the aggregation.
    public var prompts: URL
    /// Where the runs go.
    public var out: URL
    /// EM-DPO settings.
    public var em = EMDPOConfig()
    /// GPO settings; the groups named here train GPO, the others are held out.
    public var gpo = GPOTrainOptions()
    /// GPO's training groups (the rest are predicted few-shot).
    public var gpoTrainGroups = ["Avalon", "Cedar Isle", "Eastmarch"]
    /// List sizes EM-DPO runs on, side by side (2 = pairs); the aggregation uses the last run's policies.
    public var emRankingSizes = [2, 3]
    /// Prompts used to build the regret matrix.
    public var aggregatePrompts = 24
    /// Progress bars on stderr.
    public var showProgress = true

    /// Settings sized for a demo (a few minutes on two cores).
    public init(sftModel: URL, base: URL, survey: URL, prompts: URL, out: URL) {
        self.sftModel = sftModel
        self.base = base
        self.survey = survey
        self.prompts = prompts
        self.out = out
        em.types = 3
        em.rounds = 2
        em.stepsPerRound = 40
        em.lr = 3e-4
        gpo.steps = 1500
        gpo.lr = 2e-3
    }

    /// Runs the three systems; returns one report table each.
    public func run(log: @escaping (String) -> Void) throws -> [ReportTable] {
        // Pairs and rankings of 3 side by side: the EM-DPO paper's identifiability result is that pairwise
        // comparisons cannot separate latent types and rankings of three or more can.
        var emColumns: [[String]] = []
        var emOut = out.appendingPathComponent("em-dpo")
        for size in emRankingSizes {
            let label = size == 2 ? "pairs" : "rankings of \(size)"
            log("\n== EM-DPO on \(label): \(em.types) latent types from annotators (groups hidden), \(em.rounds) EM rounds")
            emOut = out.appendingPathComponent(size == 2 ? "em-dpo-pairs" : "em-dpo-rank\(size)")
            var job = EMDPOJob(model: sftModel, data: nil, out: emOut, config: em)
            job.defaultRankingSize = size
            let summary = try job.run(log: log)
            emColumns.append([summary.logLikelihood.map { String(format: "%.1f", $0) }.joined(separator: " → "),
                              summary.priors.map { String(format: "%.3f", $0) }.joined(separator: ", "),
                              summary.accuracy.map { String(format: "%.3f", $0) } ?? "–",
                              summary.adjustedRandIndex.map { String(format: "%.3f", $0) } ?? "–"])
        }
        let emRows = ["log-likelihood per round", "priors η", "cluster accuracy (best matching)", "adjusted Rand index"]
            .enumerated().map { i, name in [name] + emColumns.map { $0[i] } }
        let emHeaders = [""] + emRankingSizes.map { $0 == 2 ? "pairs" : "rankings of \($0)" }

        log("\n== Min-max regret aggregation of the \(em.types) EM-DPO policies on \(aggregatePrompts) held-out prompts")
        let sample = out.appendingPathComponent("aggregate-prompts.jsonl")
        let examples = Array(try PreferenceExample.load(prompts).prefix(aggregatePrompts))
        try PreferenceExample.save(examples, to: sample)
        var aggregate = AggregateJob(policies: (0..<em.types).map { emOut.appendingPathComponent("policy-\($0)") },
                                     prompts: sample, out: out.appendingPathComponent("aggregate.json"), reference: sftModel)
        aggregate.prompt = GroupPrompt(template: nil)     // EM-DPO's policies never saw group prefixes
        aggregate.samplesPerPrompt = 2
        aggregate.maxNewTokens = 4
        let agg = try aggregate.run()
        let weights = agg.weights.enumerated().map { String(format: "policy-%d %.3f", $0.offset, $0.element) }.joined(separator: ", ")
        log("mixture weights: \(weights); game value \(String(format: "%.4f", agg.solution.value))")
        let aggRows = [["mixture weights w", weights], ["worst-case regret (game value)", String(format: "%.4f", agg.solution.value)],
                       ["LP value (check)", String(format: "%.4f", agg.exactValue)]]

        log("\n== GPO: meta-trained on \(gpoTrainGroups.joined(separator: ", ")); few-shot on the other groups")
        let s = try Survey.load(survey)
        let bundle = try ModelBundle(base)
        // Option pooling: the mean over the option's own tokens (in context), measured to separate options better
        // than the mean over question + option, whose shared question tokens dominate.
        let data = try GPODataset(survey: s, model: bundle.model, tokenizer: bundle.tokenizer, pooling: .option)
        let stats = data.embeddingStatistics()
        let model = try GPOModel(GPOConfig(embeddingDimension: data.dimension), mean: stats.mean, std: stats.std, seed: gpo.seed)
        let bar = showProgress ? ProgressBar(total: gpo.steps, label: "gpo") : nil
        _ = try GPOTrainer.train(model, data: data, groups: gpoTrainGroups, options: gpo) { step, loss in
            bar?.update(step: step + 1, [("loss", loss)])
        }
        var gpoRows: [[String]] = []
        for group in s.groups where !gpoTrainGroups.contains(group) {
            let score = try GPOEvaluator.evaluate(model, data: data, group: group, trainingGroups: gpoTrainGroups,
                                                  contextQuestions: gpo.contextQuestions, seed: gpo.seed)
            gpoRows.append([group] + [score.gpo, score.uniform, score.trainingAverage].map { String(format: "%.4f", $0) })
            log(String(format: "GPO %@: %.4f (uniform %.4f, training-group average %.4f)", group, score.gpo, score.uniform, score.trainingAverage))
        }
        return [
            ReportTable(title: "EM-DPO: latent preference types, pairs vs rankings", headers: emHeaders, rows: emRows,
                        note: "\(em.types) types fitted to annotators whose groups are hidden (the same number of annotators, questions each and hidden groups in every column); recovery is scored against the hidden groups (5 groups, so \(em.types) types can match at most \(em.types) of them). The EM-DPO paper: pairs cannot identify the types, rankings of 3 or more can."),
            ReportTable(title: "Min-max regret aggregation", headers: ["", "value"], rows: aggRows,
                        note: "Weights of the EM-DPO policies that minimise the worst-case regret; `tinyalign generate --mixture` serves the mixture."),
            ReportTable(title: "GPO: few-shot group opinions (1 − JS distance, natural log)", headers: ["held-out group", "GPO", "uniform", "training average"],
                        rows: gpoRows, note: "\(gpo.contextQuestions) context questions of each held-out group; higher is better."),
        ]
    }
}
