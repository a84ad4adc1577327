import Alignment
import ArgumentParser
import Datasets
import Foundation
import Recipes
import Report
import Training

/// `tinyalign report RUN_DIR…`: one self-contained HTML page comparing training runs.
struct ReportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "report",
        abstract: "Write a self-contained HTML report (inline SVG charts) of one or more run folders."
    )

    @Argument(help: "Run folders, each with run_config.json, metrics.jsonl and optionally eval.json; a folder of runs (align --seeds, demo, repro goqa) stands for the runs in it.")
    var runs: [String]
    @Option(help: "Output file (default: RUN_DIR/report.html for one run, ./report.html for several).")
    var out: String?
    @Option(help: "Page title.")
    var title: String = "TinyAlign report"

    func validate() throws {
        if runs.isEmpty { throw ValidationError("give at least one run folder") }
    }

    func run() throws {
        let folders = runs.flatMap { path -> [URL] in
            let found = RunFolders.find(in: URL(fileURLWithPath: path))
            return found.isEmpty ? [URL(fileURLWithPath: path)] : found     // a folder with no run is named by load's error
        }
        let data = try folders.map { try RunData.load($0) }
        let target = out ?? (runs.count == 1 ? URL(fileURLWithPath: runs[0]).appendingPathComponent("report.html").path
                                             : "report.html")
        let url = URL(fileURLWithPath: target)
        let seedTable = SeedAggregate.table(data)
        try ReportBuilder.write(runs: data, to: url, title: title, tables: seedTable.map { [$0] } ?? [],
                                tablesHeading: "Over seeds")
        if let seedTable {
            print(seedTable.title)
            for row in seedTable.rows { print("  " + zip(seedTable.headers, row).map { "\($0): \($1)" }.joined(separator: "; ")) }
        }
        print("report -> \(url.path)")
    }
}
