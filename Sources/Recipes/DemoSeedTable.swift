import Foundation

/// The demo over several training seeds: each cell of the comparison table as mean ± std over the seeds, and one
/// line saying whether GR-DPO's worst-group improvement over DPO exceeds the seed-to-seed spread.
public enum DemoSeedTable {
    /// The table; `runs[s]` holds seed s's results in the same method order.
    public static func table(_ runs: [[DemoJob.Result]], groups: [String]) -> String {
        guard let first = runs.first else { return "" }
        func stat(_ method: Int, _ key: String) -> SeedStatistics {
            SeedStatistics(runs.compactMap { $0[method].metrics[key] })
        }
        var lines = ["".padding(toLength: 22, withPad: " ", startingAt: 0)
            + first.map { ($0.method + " acc").leftPad(16) + ($0.method + " loss").leftPad(18) }.joined(separator: "  ")]
        func row(_ name: String, _ prefix: String) {
            lines.append(name.padding(toLength: 22, withPad: " ", startingAt: 0) + first.indices.map { m in
                stat(m, prefix + "rewards/accuracies").formatted(digits: 3).leftPad(16)
                    + stat(m, prefix + "loss").formatted(digits: 4).leftPad(18)
            }.joined(separator: "  "))
        }
        for g in groups { row(g, "group/\(g)/") }
        row("worst group", "worst_group/")
        row("average over groups", "average/")
        return lines.joined(separator: "\n")
    }

    /// `final α (gr-dpo): Avalon 0.249 ± 0.010, …` per method with group weights: mean ± std over the seeds.
    public static func alphaLines(_ runs: [[DemoJob.Result]], groups: [String]) -> [String] {
        guard let first = runs.first else { return [] }
        return first.indices.filter { !first[$0].alpha.isEmpty }.map { m in
            "final α (\(first[m].method)): " + groups.map { g in
                "\(g) " + SeedStatistics(runs.compactMap { $0[m].alpha[g] }).formatted(digits: 3)
            }.joined(separator: ", ")
        }
    }

    /// `worst-group test loss over 3 seeds: 0.5123 ± 0.0040 (range 0.5080–0.5160)` for each method of the runs: the
    /// seed-to-seed spread of one method, which `align --seeds` and `eval` over several runs print.
    public static func spread(_ runs: [[DemoJob.Result]], split: String = "test") -> [String] {
        guard let first = runs.first else { return [] }
        return first.indices.map { m in
            let s = SeedStatistics(runs.compactMap { $0[m].metrics["worst_group/loss"] })
            return String(format: "%@worst-group %@ loss over %d seed%@: %@ (range %.4f–%.4f)", first.count > 1 ? first[m].method + ": " : "",
                          split, s.values.count, s.values.count == 1 ? "" : "s", s.formatted(), s.range.low, s.range.high)
        }
    }

    /// "GR-DPO lowers the worst-group loss by … ± … over N seeds; that exceeds / does not exceed the spread …",
    /// or nil when dpo or gr-dpo did not run.
    public static func verdict(_ runs: [[DemoJob.Result]]) -> String? {
        guard let first = runs.first, let d = first.firstIndex(where: { $0.method == "dpo" }),
              let g = first.firstIndex(where: { $0.method == "gr-dpo" }) else { return nil }
        let dpo = runs.compactMap { $0[d].metrics["worst_group/loss"] }, gr = runs.compactMap { $0[g].metrics["worst_group/loss"] }
        guard dpo.count == gr.count, !dpo.isEmpty else { return nil }
        let p = SeedStatistics.paired(dpo, gr)                     // DPO − GR-DPO: positive = GR-DPO better
        let spread = max(SeedStatistics(dpo).std, SeedStatistics(gr).std)
        let exceeds = runs.count > 1 && p.meanDifference > spread
        return String(format: "GR-DPO lowers the worst-group test loss by %.4f ± %.4f (paired, %d seed%@); ", p.meanDifference,
                      p.stdDifference, runs.count, runs.count == 1 ? "" : "s")
            + (runs.count == 1 ? "one seed has no spread to compare with (use --seeds 3)"
               : String(format: "that %@ the seed-to-seed spread (std %.4f; paired t test p %.3f)", exceeds ? "exceeds" : "does not exceed",
                        spread, p.tTestP))
    }
}
