import Alignment
import Datasets
import Foundation
import Report

/// `tinyalign repro gpo`: GPO's few-shot result — the alignment score (1 − Jensen–Shannon distance, natural log)
/// of held-out groups against the number of context questions, with the uniform and training-group-average
/// baselines, over several meta-training seeds.
public struct GPORepro {
    /// Groups GPO meta-trains on; the others are held out.
    public var trainGroups: [String]
    /// Context sizes m scored on the held-out groups.
    public var contextSizes = [1, 2, 4, 8, 16]
    /// Meta-training seeds 0..<seeds.
    public var seeds = 3
    /// Meta-training settings (the seed is replaced per run; `contextQuestions` is the largest size trained on).
    public var options = GPOTrainOptions()
    /// The likelihood GPO trains with.
    public var likelihood = GPOLikelihood.mse
    /// Context draws averaged per (group, size).
    public var repeats = 3
    /// Transformer width, blocks and heads.
    public var dModel = 64, layers = 3, heads = 4

    /// A repro over `trainGroups`, with GPO's per-episode context sizes up to the largest size scored.
    public init(trainGroups: [String]) {
        self.trainGroups = trainGroups
        options.steps = 1500
        options.lr = 2e-3
        options.contextQuestions = 16
        options.minContextQuestions = 1
    }

    /// One (seed, held-out group, context size) score.
    public struct Score: Codable, Equatable, Sendable {
        /// Seed, group and context size.
        public var seed: Int, group: String, contextQuestions: Int
        /// GPO's score and the two baselines'.
        public var gpo: Double, uniform: Double, trainingAverage: Double
    }

    /// Meta-trains one GPO per seed on `data` and scores every held-out group at every context size.
    public func run(data: GPODataset, log: (String) -> Void = { _ in }) throws -> [Score] {
        let heldOut = data.groups.filter { !trainGroups.contains($0) }
        guard !heldOut.isEmpty else { throw AlignmentError.invalidInput("repro gpo: every group trains; hold out at least one") }
        let stats = data.embeddingStatistics()
        var scores: [Score] = []
        for seed in 0..<seeds {
            var o = options
            o.seed = UInt64(seed)
            let model = try GPOModel(GPOConfig(embeddingDimension: data.dimension, dModel: dModel, layers: layers, heads: heads,
                                               likelihood: likelihood), mean: stats.mean,
                                     std: stats.std, seed: UInt64(seed))
            let losses = try GPOTrainer.train(model, data: data, groups: trainGroups, options: o)
            log(String(format: "seed %d: mean loss of the last 50 steps %.4f", seed, losses.suffix(50).reduce(0, +) / Float(max(1, min(50, losses.count)))))
            for group in heldOut {
                for m in contextSizes {
                    let s = try GPOEvaluator.evaluate(model, data: data, group: group, trainingGroups: trainGroups,
                                                      contextQuestions: m, repeats: repeats, seed: UInt64(seed))
                    scores.append(Score(seed: seed, group: group, contextQuestions: m, gpo: s.gpo, uniform: s.uniform,
                                        trainingAverage: s.trainingAverage))
                }
            }
        }
        return scores
    }

    /// Per context size, the held-out groups' mean score of each seed, summarised over seeds.
    public func summary(_ scores: [Score]) -> [(m: Int, gpo: SeedStatistics, uniform: SeedStatistics, average: SeedStatistics)] {
        contextSizes.map { m in
            func stat(_ k: KeyPath<Score, Double>) -> SeedStatistics {
                SeedStatistics((0..<seeds).map { seed in
                    let r = scores.filter { $0.seed == seed && $0.contextQuestions == m }
                    return r.map { $0[keyPath: k] }.reduce(0, +) / Double(max(r.count, 1))
                })
            }
            return (m, stat(\.gpo), stat(\.uniform), stat(\.trainingAverage))
        }
    }

    /// Writes `<out>/scores.json` and `<out>/report.html`.
    public func write(_ scores: [Score], to out: URL) throws {
        try FileManager.default.createDirectory(at: out, withIntermediateDirectories: true)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        try encoder.encode(scores).write(to: out.appendingPathComponent("scores.json"), options: .atomic)
        let s = summary(scores)
        let x = s.map { Double($0.m) }
        let curves = [("GPO", s.map(\.gpo)), ("uniform", s.map(\.uniform)), ("training-group average", s.map(\.average))].map { name, stats in
            ReproReport.Curve(name: name, x: x, mean: stats.map(\.mean), low: stats.map { $0.mean - $0.std }, high: stats.map { $0.mean + $0.std })
        }
        let table = ReportTable(title: "Held-out groups' alignment score by context size (mean ± std over \(seeds) seeds)",
                                headers: ["context questions", "GPO", "uniform", "training average"],
                                rows: s.map { ["\($0.m)", $0.gpo.formatted(), $0.uniform.formatted(), $0.average.formatted()] },
                                note: "Score: 1 − Jensen–Shannon distance (natural log, as SciPy), averaged over the held-out groups' target questions; higher is better.")
        let heldOut = Set(scores.map(\.group)).sorted()
        try ReproReport.write(title: "GPO few-shot alignment", intro:
            "Meta-trained on \(trainGroups.joined(separator: ", ")) (\(options.steps) steps, \(likelihood.rawValue) likelihood); held out: \(heldOut.joined(separator: ", ")).",
            charts: [ReproReport.Chart(title: "Alignment score against context size", metric: "gpo-context", xLabel: "context questions",
                                       yLabel: "1 − JS distance", curves: curves)],
            tables: [table], to: out.appendingPathComponent("report.html"))
    }
}
