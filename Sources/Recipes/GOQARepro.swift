import Foundation
import Alignment
import Datasets
import Report
import Training

/// `tinyalign repro goqa`: the GRPO paper's GlobalOpinionQA experiment (Ramesh et al. 2024, §5.2) with any model
/// TinyAlign loads. The paper's five countries, its prompt format (`GlobalOpinionQAPairs`), a per-country 80/10/10
/// split with a fixed seed, then per training seed: SFT on the chosen letters, and IPO, IS-IPO, GR-IPO, DPO and
/// GR-DPO from that SFT model, each scored per country on the test split. The split stays fixed across seeds (as
/// in the paper); a seed changes the data order of SFT and alignment, so the spread is training noise only.
public struct GOQARepro {
    /// The paper's countries, spelled as in `global_opinions.csv`.
    public static let paperCountries = ["Nigeria", "Egypt", "India (Current national sample)", "China", "Japan"]
    /// The paper's methods on this experiment.
    public static let paperMethods = ["ipo", "is-ipo", "gr-ipo", "dpo", "gr-dpo"]

    /// `global_opinions.csv`.
    public var csv: URL
    /// The starting model folder (a GPT checkpoint or a Hugging Face Llama-family folder with its tokenizer).
    public var model: URL
    /// Run folder: `data/`, `seed-<s>/sft`, `seed-<s>/<method>`, `runs.json`, `report.html`.
    public var out: URL
    /// Countries (groups), in the order tables show them.
    public var countries = GOQARepro.paperCountries
    /// Methods; each `gr-x` is compared with `x` when both ran.
    public var methods = GOQARepro.paperMethods
    /// Training seeds 0..<seeds.
    public var seeds = 3
    /// Seed of the per-country split and of the rejected options (fixed across training seeds).
    public var dataSeed: UInt64 = 0
    /// SFT settings (seed s adds s to `sft.seed`).
    public var sft = SFTConfig()
    /// Alignment settings shared by every method (seed s adds s to `align.seed`).
    public var align = AlignConfig()
    /// Progress bars on stderr.
    public var showProgress = true

    /// A repro of `csv` from `model` into `out` with the defaults above.
    public init(csv: URL, model: URL, out: URL) {
        self.csv = csv
        self.model = model
        self.out = out
    }

    /// The data as split: pairs per country in train / validation / test, the files, and rows the import skipped.
    public struct Prepared: Sendable {
        /// `[train, validation, test]` pair counts per country, in `countries` order.
        public var counts: [[Int]]
        /// train.jsonl, validation.jsonl, test.jsonl under `<out>/data`.
        public var files: [URL]
        /// `skipped N rows: line …`, or nil.
        public var skippedRows: String?
        /// Per country, rows whose shares were unusable.
        public var skippedShares: [String: Int]
    }

    /// One (seed, method) run's numbers.
    public struct Run: Codable, Equatable, Sendable {
        /// Training seed index.
        public var seed: Int
        /// Method.
        public var method: String
        /// Final test metrics: `worst_group/loss`, `group/<country>/loss`, `…/rewards/accuracies`, `average/…`.
        public var test: [String: Double]
        /// Steps of the training log and α per step per country (uniform for non-GR methods' effective weights).
        public var alphaSteps: [Int], alpha: [[Double]]
        /// Evaluation steps and the worst country's validation loss at each.
        public var evalSteps: [Int], validationWorstLoss: [Double]

        /// max − min over countries of the test loss.
        public func lossImbalance(_ countries: [String]) -> Double {
            let l = countries.compactMap { test["group/\($0)/loss"] }
            return l.isEmpty ? .nan : l.max()! - l.min()!
        }
    }

    /// Imports the CSV, builds the paper's pairs, splits them 80/10/10 per country and writes `<out>/data`.
    public func prepare(log: (String) -> Void) throws -> Prepared {
        let imported = try GlobalOpinionQA.load(csv: csv, countries: countries)
        let pairs = try GlobalOpinionQAPairs.all(imported.survey, seed: dataSeed)
        let (train, validation, test) = GroupSplit.split(pairs, seed: dataSeed)
        let dataDir = out.appendingPathComponent("data")
        try FileManager.default.createDirectory(at: dataDir, withIntermediateDirectories: true)
        try imported.survey.save(to: dataDir.appendingPathComponent("survey.json"))
        let files = ["train", "validation", "test"].map { dataDir.appendingPathComponent("\($0).jsonl") }
        for (examples, url) in zip([train, validation, test], files) { try PreferenceExample.save(examples, to: url) }
        let counts = countries.map { c in [train, validation, test].map { $0.filter { $0.group == c }.count } }
        if let empty = zip(countries, counts).first(where: { $0.1[0] == 0 || $0.1[2] == 0 }) {
            throw AlignmentError.invalidInput("\(csv.path): \"\(empty.0)\" has \(empty.1.reduce(0, +)) usable questions, too few for a train and a test split")
        }
        log("GlobalOpinionQA: \(imported.survey.questions.count) questions; pairs train/validation/test per country: "
            + zip(countries, counts).map { "\($0.0) \($0.1.map(String.init).joined(separator: "/"))" }.joined(separator: ", "))
        let summary = imported.skippedRowsSummary()
        if let summary { log(summary) }
        for (c, n) in imported.skipped.sorted(by: { $0.key < $1.key }) { log("skipped \(n) rows for \(c): shares unusable") }
        return Prepared(counts: counts, files: files, skippedRows: summary, skippedShares: imported.skipped)
    }

    /// Runs every seed: SFT, then each method from it; returns the data summary and one `Run` per (seed, method).
    public func run(log: @escaping (String) -> Void = { print($0) }) throws -> (prepared: Prepared, runs: [Run]) {
        guard seeds > 0, !methods.isEmpty else { throw AlignmentError.invalidInput("need at least one seed and one method") }
        let prepared = try prepare(log: log)
        let files = prepared.files
        var runs: [Run] = []
        for seed in 0..<seeds {
            let folder = out.appendingPathComponent("seed-\(seed)")
            log("\n===== seed \(seed) -> \(folder.path)\n== SFT from \(model.path) on the chosen letters")
            var sftConfig = sft
            sftConfig.seed = sft.seed &+ UInt64(seed)
            var sftJob = SFTJob(model: model, data: files[0], out: folder.appendingPathComponent("sft"), config: sftConfig)
            sftJob.validationData = files[1]
            sftJob.showProgress = showProgress
            try sftJob.run(log: log)
            for method in methods {
                log("\n== \(method) (seed \(seed)): \(align.steps) steps, batch \(align.batchSize), β \(align.beta)")
                var config = align
                config.method = method
                config.seed = align.seed &+ UInt64(seed)
                let dir = folder.appendingPathComponent(method)
                var job = AlignJob(model: folder.appendingPathComponent("sft/final"), data: files[0], out: dir, config: config)
                job.validationData = files[1]
                job.testData = files[2]
                job.groups = countries
                job.showProgress = showProgress
                let result = try job.run(log: log)
                runs.append(try Self.collect(seed: seed, method: method, metrics: result.metrics, folder: dir, countries: countries))
            }
        }
        return (prepared, runs)
    }

    /// A `Run` from a finished run folder's logs and its final test metrics.
    static func collect(seed: Int, method: String, metrics: [String: Double], folder: URL, countries: [String]) throws -> Run {
        let data = try RunData.load(folder)
        let withAlpha = data.train.filter { r in countries.allSatisfy { r["alpha/\($0)"] != nil } }
        return Run(seed: seed, method: method, test: metrics, alphaSteps: withAlpha.map(\.step),
                   alpha: withAlpha.map { r in countries.map { r["alpha/\($0)"]! } },
                   evalSteps: data.eval.map(\.step), validationWorstLoss: data.eval.map { $0["worst_group/loss"] ?? .nan })
    }

    /// Per method, over seeds (mean ± std): worst-country test loss and reward accuracy, average loss and accuracy
    /// over countries, and the loss imbalance (max − min over countries).
    public static func summaryTable(_ runs: [Run], methods: [String], countries: [String]) -> ReportTable {
        let rows = methods.compactMap { m -> [String]? in
            let r = runs.filter { $0.method == m }
            guard !r.isEmpty else { return nil }
            func stat(_ key: String, _ digits: Int = 4) -> String { SeedStatistics(r.map { $0.test[key] ?? .nan }).formatted(digits: digits) }
            return [m, "\(r.count)", stat("worst_group/loss"), stat("worst_group/rewards/accuracies", 3), stat("average/loss"),
                    stat("average/rewards/accuracies", 3), SeedStatistics(r.map { $0.lossImbalance(countries) }).formatted()]
        }
        return ReportTable(title: "Test split, over seeds (mean ± std)",
                           headers: ["method", "seeds", "worst-country loss", "worst-country reward acc", "average loss",
                                     "average reward acc", "loss imbalance (max − min)"], rows: rows,
                           note: "Each method's own loss (IPO or DPO) on the test pairs; compare methods within a family.")
    }

    /// One row per country and method: test loss and reward accuracy, mean ± std over seeds.
    public static func countryTable(_ runs: [Run], methods: [String], countries: [String], pairs: [Int]) -> ReportTable {
        var rows: [[String]] = []
        for (c, n) in zip(countries, pairs) {
            for m in methods {
                let r = runs.filter { $0.method == m }
                guard !r.isEmpty else { continue }
                rows.append([c, "\(n)", m, SeedStatistics(r.map { $0.test["group/\(c)/loss"] ?? .nan }).formatted(),
                             SeedStatistics(r.map { $0.test["group/\(c)/rewards/accuracies"] ?? .nan }).formatted(digits: 3)])
            }
        }
        return ReportTable(title: "Per country on the test split (mean ± std over seeds)",
                           headers: ["country", "test pairs", "method", "loss", "reward accuracy"], rows: rows)
    }

    /// A GR method against its base on the same seeds.
    public struct Comparison: Codable, Equatable, Sendable {
        /// `gr-x` and `x`.
        public var method: String, base: String
        /// Per-seed worst-country test losses, seeds in order.
        public var grValues: [Double], baseValues: [Double]
        /// GR − base: mean, std, t, two-sided t-test p, seeds where GR is lower, sign-test p.
        public var meanDifference: Double, stdDifference: Double, t: Double, tTestP: Double, lower: Int, signTestP: Double
    }

    /// Each `gr-x` against `x` on the worst-country test loss, paired by seed (seeds both ran).
    public static func comparisons(_ runs: [Run], methods: [String]) -> [Comparison] {
        methods.filter { $0.hasPrefix("gr-") && methods.contains(String($0.dropFirst(3))) }.compactMap { m in
            let base = String(m.dropFirst(3))
            let seeds = Set(runs.filter { $0.method == m }.map(\.seed)).intersection(runs.filter { $0.method == base }.map(\.seed)).sorted()
            guard !seeds.isEmpty else { return nil }
            func worst(_ method: String, _ s: Int) -> Double { runs.first { $0.method == method && $0.seed == s }!.test["worst_group/loss"] ?? .nan }
            let gr = seeds.map { worst(m, $0) }, b = seeds.map { worst(base, $0) }
            let p = SeedStatistics.paired(gr, b)
            return Comparison(method: m, base: base, grValues: gr, baseValues: b, meanDifference: p.meanDifference,
                              stdDifference: p.stdDifference, t: p.t, tTestP: p.tTestP, lower: p.below, signTestP: p.signTestP)
        }
    }

    /// The comparisons as a table.
    public static func comparisonTable(_ comparisons: [Comparison]) -> ReportTable {
        ReportTable(title: "GR − base on the worst-country test loss, paired by seed",
                    headers: ["method", "per seed (GR / base)", "mean ± std of GR − base", "paired t (p, two-sided)",
                              "GR lower on", "sign test p"],
                    rows: comparisons.map { c in
                        [c.method + " vs " + c.base,
                         zip(c.grValues, c.baseValues).map { String(format: "%.4f / %.4f", $0, $1) }.joined(separator: ", "),
                         String(format: "%+.4f ± %.4f", c.meanDifference, c.stdDifference),
                         c.grValues.count < 2 ? "– (one seed)" : String(format: "%.2f (p %.3f)", c.t, c.tTestP),
                         "\(c.lower)/\(c.grValues.count) seeds", String(format: "%.3f", c.signTestP)]
                    },
                    note: "Negative = the GR method has the lower worst-country loss. With 3 seeds the sign test cannot go below p = 0.25.")
    }

    /// The paper's qualitative claim, checked per GR method: a lower mean worst-country test loss than its base,
    /// and whether that is significant (paired t test, p < 0.05).
    public static func claims(_ comparisons: [Comparison]) -> [BanditRepro.Claim] {
        comparisons.map { c in
            let significant = c.grValues.count > 1 && c.tTestP < 0.05
            return BanditRepro.Claim(text: "\(c.method) has a lower worst-country test loss than \(c.base) "
                + String(format: "(mean GR − base %+.4f over %d seed%@; ", c.meanDifference, c.grValues.count, c.grValues.count == 1 ? "" : "s")
                + (c.grValues.count < 2 ? "one seed: no test)" : String(format: "paired t test p %.3f, %@)", c.tTestP,
                                                                        significant ? "significant at 0.05" : "not significant at 0.05")),
                holds: c.meanDifference < 0)
        }
    }

    /// α over steps (mean ± std over seeds), one chart per GR method with a curve per country; and each method's
    /// worst-country validation loss over the evaluations.
    public static func charts(_ runs: [Run], methods: [String], countries: [String]) -> [ReproReport.Chart] {
        func curve(_ name: String, _ x: [Int], _ columns: [[Double]]) -> ReproReport.Curve {
            let s = columns.map(SeedStatistics.init)
            return ReproReport.Curve(name: name, x: x.map(Double.init), mean: s.map(\.mean), low: s.map { $0.mean - $0.std },
                                     high: s.map { $0.mean + $0.std })
        }
        var charts: [ReproReport.Chart] = []
        let validation = methods.compactMap { m -> ReproReport.Curve? in
            let r = runs.filter { $0.method == m }
            guard let first = r.first, r.allSatisfy({ $0.evalSteps == first.evalSteps }), !first.evalSteps.isEmpty else { return nil }
            return curve(m, first.evalSteps, first.evalSteps.indices.map { i in r.map { $0.validationWorstLoss[i] } })
        }
        if !validation.isEmpty {
            charts.append(ReproReport.Chart(title: "Worst-country validation loss over steps", metric: "goqa-worst-validation-loss",
                                            xLabel: "step", yLabel: "worst-country loss", curves: validation))
        }
        for m in methods where m.hasPrefix("gr-") {
            let r = runs.filter { $0.method == m }
            guard let first = r.first, r.allSatisfy({ $0.alphaSteps == first.alphaSteps }), !first.alphaSteps.isEmpty else { continue }
            let curves = countries.indices.map { g in
                curve(countries[g], first.alphaSteps, first.alphaSteps.indices.map { i in r.map { $0.alpha[i][g] } })
            }
            charts.append(ReproReport.Chart(title: "\(m): α over steps", metric: "goqa-alpha-\(m)", xLabel: "step",
                                            yLabel: "α", curves: curves))
        }
        return charts
    }

    /// What the command prints: the summary, the per-country table and the paired comparisons as aligned text.
    public static func text(_ runs: [Run], methods: [String], countries: [String]) -> String {
        let summary = summaryTable(runs, methods: methods, countries: countries)
        let perCountry = countries.map { c in
            [c] + methods.filter { m in runs.contains { $0.method == m } }.map { m in
                SeedStatistics(runs.filter { $0.method == m }.map { $0.test["group/\(c)/loss"] ?? .nan }).formatted()
            }
        }
        let shown = methods.filter { m in runs.contains { $0.method == m } }
        let comparisons = comparisonTable(Self.comparisons(runs, methods: methods))
        return [aligned([["method", "worst loss", "worst acc", "avg loss", "avg acc", "imbalance"]] + summary.rows.map { [$0[0]] + $0[2...] }),
                "", "test loss per country:", aligned([["country"] + shown] + perCountry),
                "", "GR − base, worst-country test loss paired by seed:",
                aligned([["", "mean ± std", "t (p)", "lower on", "sign p"]] + comparisons.rows.map { [$0[0], $0[2], $0[3], $0[4], $0[5]] })]
            .joined(separator: "\n")
    }

    /// Rows as columns padded to their widest cell (first column left-aligned, the others right-aligned).
    static func aligned(_ rows: [[String]]) -> String {
        let widths = (0..<(rows.map(\.count).max() ?? 0)).map { c in rows.map { c < $0.count ? $0[c].count : 0 }.max()! }
        return rows.map { row in
            row.indices.map { c in c == 0 ? row[c].padding(toLength: widths[c], withPad: " ", startingAt: 0) : row[c].leftPad(widths[c]) }
                .joined(separator: "  ")
        }.joined(separator: "\n")
    }

    /// Writes `<out>/runs.json` and `<out>/report.html`; returns the claims.
    @discardableResult
    public func write(_ runs: [Run], prepared: Prepared) throws -> [BanditRepro.Claim] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        try encoder.encode(runs).write(to: out.appendingPathComponent("runs.json"), options: .atomic)
        let comparisons = Self.comparisons(runs, methods: methods)
        let claims = Self.claims(comparisons)
        let tables = [
            ReportTable(title: "The paper's qualitative claim", headers: ["claim", "holds here"],
                        rows: claims.map { [$0.text, $0.holds ? "yes" : "no"] },
                        note: "GRPO paper (Ramesh et al. 2024), GlobalOpinionQA: GR-IPO/GR-DPO lower the worst group's loss. Computed from the runs below; 'no' means not reproduced here."),
            Self.summaryTable(runs, methods: methods, countries: countries),
            Self.comparisonTable(comparisons),
            Self.countryTable(runs, methods: methods, countries: countries, pairs: prepared.counts.map { $0[2] }),
            ReportTable(title: "Data (per-country 80/10/10 split, seed \(dataSeed))", headers: ["country", "train", "validation", "test"],
                        rows: zip(countries, prepared.counts).map { [$0.0] + $0.1.map(String.init) },
                        note: prepared.skippedRows ?? "Every row of the file was read."),
        ]
        try ReproReport.write(title: "GRPO GlobalOpinionQA: \(Set(runs.map(\.seed)).count) seeds, \(align.steps) steps per method",
            intro: "Model \(model.lastPathComponent), SFT \(sft.steps) steps, then \(methods.joined(separator: ", ")) (β \(align.beta), η_α \(align.etaAlpha), lr \(align.lr), batch \(align.batchSize)); prompts 'Opinion of people in {country} on: {question}\\nPlease select the best response:\\nA. …', responses the bare letter + EOS.",
            charts: Self.charts(runs, methods: methods, countries: countries), tables: tables,
            to: out.appendingPathComponent("report.html"))
        return claims
    }
}
