import ArgumentParser
import Foundation
import Recipes
import Report

/// `--seeds N` of `align`: the same run N times with seeds seed, seed + 1, …, each in `<out>/seed-<s>`, then the
/// numbers as mean ± std over the seeds (the demo's table) and `<out>/report.html` with the seeds table.
struct SeedsOption: ParsableArguments {
    @Option(help: "Train N times with seeds --seed, --seed + 1, … into <out>/seed-0 … seed-<N-1>; print mean ± std over them and write <out>/report.html.")
    var seeds = 1

    /// The run folder of each seed: `out` itself for one seed.
    func folders(_ out: String) -> [String] {
        seeds == 1 ? [out] : (0..<seeds).map { URL(fileURLWithPath: out).appendingPathComponent("seed-\($0)").path }
    }

    func validate() throws {
        guard seeds > 0 else { throw ValidationError("--seeds must be positive, got \(seeds)") }
    }

    /// Prints the table over seeds and the spread line, and writes `<out>/report.html` from the seed folders.
    static func summarise(_ perSeed: [[DemoJob.Result]], groups: [String], folders: [String], out: String, split: String) throws {
        print("\n== Over \(perSeed.count) seeds (\(split) pairs; mean ± std)")
        print(DemoSeedTable.table(perSeed, groups: groups))
        for line in DemoSeedTable.spread(perSeed, split: split) { print(line) }
        let runs = try folders.map { try RunData.load(URL(fileURLWithPath: $0)) }
        let url = URL(fileURLWithPath: out).appendingPathComponent("report.html")
        try ReportBuilder.write(runs: runs, to: url, title: "TinyAlign: \(runs.first?.method ?? "") over \(runs.count) seeds",
                                tables: SeedAggregate.table(runs).map { [$0] } ?? [], tablesHeading: "Over seeds")
        print("report over the seeds -> \(url.path)")
    }
}
