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
        log("\n== EM-DPO: \(em.types) latent types from annotators (groups hidden), \(em.rounds) EM rounds")
        let emOut = out.appendingPathComponent("em-dpo")
        let summary = try EMDPOJob(model: sftModel, data: nil, out: emOut, config: em).run(log: log)
        var emRows = [["log-likelihood per round", summary.logLikelihood.map { String(format: "%.1f", $0) }.joined(separator: " → ")],
                      ["priors η", summary.priors.map { String(format: "%.3f", $0) }.joined(separator: ", ")]]
        if let acc = summary.accuracy, let ari = summary.adjustedRandIndex {
            emRows += [["cluster accuracy (best matching)", String(format: "%.3f", acc)],
                       ["adjusted Rand index", String(format: "%.3f", ari)]]
        }

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
            ReportTable(title: "EM-DPO: latent preference types", headers: ["", "value"], rows: emRows,
                        note: "\(summary.priors.count) types fitted to annotators whose groups are hidden; recovery is scored against the hidden groups (5 groups, so \(em.types) types can match at most \(em.types) of them)."),
            ReportTable(title: "Min-max regret aggregation", headers: ["", "value"], rows: aggRows,
                        note: "Weights of the EM-DPO policies that minimise the worst-case regret; `tinyalign generate --mixture` serves the mixture."),
            ReportTable(title: "GPO: few-shot group opinions (1 − JS distance, natural log)", headers: ["held-out group", "GPO", "uniform", "training average"],
                        rows: gpoRows, note: "\(gpo.contextQuestions) context questions of each held-out group; higher is better."),
        ]
    }
}
