import Alignment
import ArgumentParser
import Datasets
import Foundation
import Recipes
import Report
import Training

/// `tinyalign demo`: the main job on the embedded default data and model.
struct Demo: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Align the embedded base model to five groups with DPO, IS-DPO and GR-DPO; compare the worst-off group.")

    @Option(help: "Base checkpoint pretrained on the synthetic survey.") var base = "checkpoints/survey-base"
    @Option(help: "Run folder.") var out = "runs/demo"
    @Option(help: "SFT steps (default 150).") var sftSteps: Int?
    @Option(help: "Alignment steps per method (default 75).") var steps: Int?
    @Option(help: "Alignment learning rate (default 4e-4, cosine to a tenth).") var lr: Float?
    @Option(help: "Mirror-ascent step η_α of GR-DPO (default 0.4).") var etaAlpha: Float?
    @Flag(help: "Then also run EM-DPO, min-max regret aggregation and GPO on the same survey and add them to the report.")
    var all = false
    @Option(help: "Alignment seeds (data order); each goes to <out>/seed-<s> and the table shows mean ± std. The seeds share seed 0's SFT model unless --sft-per-seed.")
    var seeds = 3
    @Flag(help: "Run SFT again for every seed (with that seed) instead of sharing seed 0's: the spread then includes SFT's noise.")
    var sftPerSeed = false

    func run() throws {
        setvbuf(stdout, nil, _IOLBF, 0)   // the table and stage lines appear as they happen, even when piped
        let started = Date()
        guard seeds > 0 else { throw ValidationError("--seeds must be positive, got \(seeds)") }
        let baseURL = try CommandSupport.oneLine { try ResourceLocator.locate(base) }
        var perSeed: [[DemoJob.Result]] = [], groups: [String] = []
        for seed in 0..<seeds {
            let folder = seeds == 1 ? URL(fileURLWithPath: out) : URL(fileURLWithPath: out).appendingPathComponent("seed-\(seed)")
            var job = try DemoJob(base: baseURL, out: folder)
            if let sftSteps { job.sft.steps = sftSteps }
            if let steps { job.align.steps = steps }
            if let lr { (job.align.lr, job.align.minLR) = (lr, lr / 10) }
            if let etaAlpha { job.align.etaAlpha = etaAlpha }
            job.sft.seed = job.sft.seed &+ UInt64(seed)
            job.align.seed = job.align.seed &+ UInt64(seed)
            job.includeSeedSystems = all && seed == 0
            if seed > 0, !sftPerSeed {
                job.sftModel = URL(fileURLWithPath: out).appendingPathComponent("seed-0/sft/final")
            }
            if seeds > 1 { print("\n===== seed \(seed) -> \(folder.path)") }
            let run = try job.run()
            perSeed.append(run.results)
            groups = run.groups
        }
        let results = perSeed[0]
        if seeds > 1 {
            print("\n\(seeds) seeds: each cell is mean ± std over the seeds' alignment runs (data order); "
                  + (sftPerSeed ? "each seed ran its own SFT" : "all start from seed 0's SFT model, so the spread is the alignment's alone"))
        }
        print("\n== Held-out test pairs per group (reward accuracy, DPO loss); groups from largest to smallest")
        print(seeds == 1 ? DemoJob.table(results, groups: groups)
              : DemoSeedTable.table(perSeed, groups: groups) + "\n\n" + DemoSeedTable.alphaLines(perSeed, groups: groups).joined(separator: "\n"))
        if let verdict = DemoSeedTable.verdict(perSeed) { print(verdict) }
        let worst = results.indices.map { m in
            (results[m].method, SeedStatistics(perSeed.map { $0[m].metrics["worst_group/loss"] ?? .nan }).mean)
        }
        if let best = worst.min(by: { $0.1 < $1.1 }) {
            print("\nlowest \(seeds == 1 ? "" : "mean ")worst-group loss: \(best.0) (\(worst.map { "\($0.0) \(String(format: "%.4f", $0.1))" }.joined(separator: ", ")))")
        }
        if seeds > 1 {
            // One page for the seeds: seed 0's runs charted, and the table over every seed's runs.
            let top = URL(fileURLWithPath: out)
            let methods = results.map(\.method)
            let runs = try (0..<seeds).flatMap { s in try methods.map { try RunData.load(top.appendingPathComponent("seed-\(s)/\($0)")) } }
            try ReportBuilder.write(runs: Array(runs.prefix(methods.count)), to: top.appendingPathComponent("report.html"),
                                    title: "TinyAlign demo over \(seeds) seeds: DPO vs IS-DPO vs GR-DPO (charts: seed 0)",
                                    tables: SeedAggregate.table(runs).map { [$0] } ?? [], tablesHeading: "Over seeds")
        }
        print("report: \(out)/report.html\(seeds > 1 && all ? " (EMDPO, aggregation and GPO: \(out)/seed-0/report.html)" : "")  (\(String(format: "%.0f", Date().timeIntervalSince(started))) s)")
    }
}
