import Foundation
import Report

/// Runs of one method on several seeds, summarised the way the repro commands do: the final held-out numbers as
/// mean ± std over the runs, and for each GR method a paired comparison with its base method on the seeds both
/// ran (`tinyalign report RUN_DIR…` adds it when some method has two runs or more).
public enum SeedAggregate {
    /// The metrics summarised, by their `eval.json` names.
    public static let metrics = ["worst_group/loss", "loss", "worst_group/rewards/accuracies", "rewards/accuracies"]

    /// The table, or nil when no method has more than one run.
    public static func table(_ runs: [RunData]) -> ReportTable? {
        var methods: [String] = []
        for r in runs where !methods.contains(r.method) { methods.append(r.method) }
        guard methods.contains(where: { m in runs.filter { $0.method == m }.count > 1 }) else { return nil }
        func values(_ method: String, _ key: String) -> [Double] {
            runs.filter { $0.method == method }.compactMap { $0.final?[key] }.filter(\.isFinite)
        }
        func seeds(_ method: String) -> [UInt64: Double] {
            var out: [UInt64: Double] = [:]
            for r in runs where r.method == method {
                if let s = r.settings.first(where: { $0.key == "seed" || $0.key.hasSuffix("training.seed") }).flatMap({ UInt64($0.value) }), let v = r.final?["worst_group/loss"] {
                    out[s] = v
                }
            }
            return out
        }
        let rows = methods.map { m -> [String] in
            var row = [m, "\(runs.filter { $0.method == m }.count)"] + metrics.map { k in
                let v = values(m, k)
                return v.isEmpty ? "–" : SeedStatistics(v).formatted()
            }
            let base = m.hasPrefix("gr-") ? String(m.dropFirst(3)) : nil
            if let base, methods.contains(base) {
                let mine = seeds(m), theirs = seeds(base)
                let shared = mine.keys.filter { theirs[$0] != nil }.sorted()
                if shared.count >= 2 {
                    let p = SeedStatistics.paired(shared.map { mine[$0]! }, shared.map { theirs[$0]! })
                    let spread = SeedStatistics(values(base, "worst_group/loss")).std
                    row.append(String(format: "%+.4f on %d seeds (lower on %d, sign test p %.3f, paired t test p %.3f)%@", p.meanDifference,
                                      shared.count, p.below, p.signTestP, p.tTestP,
                                      -p.meanDifference > spread ? "; exceeds the seed spread" : "; within the seed spread"))
                    return row
                }
            }
            row.append("–")
            return row
        }
        return ReportTable(title: "Over seeds (mean ± std of the final held-out numbers)",
                           headers: ["method", "runs"] + metrics + ["worst-group loss, GR − base (paired by seed)"], rows: rows,
                           note: "Runs are grouped by method; the paired column matches runs by their seed setting.")
    }
}
