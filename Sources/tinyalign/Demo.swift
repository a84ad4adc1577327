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
    @Option(help: "SFT steps.") var sftSteps = 150
    @Option(help: "Alignment steps per method.") var steps = 300
    @Option(help: "Mirror-ascent step η_α of GR-DPO.") var etaAlpha: Float = 0.1
    @Flag(help: "Then also run EM-DPO, min-max regret aggregation and GPO on the same survey and add them to the report.")
    var all = false

    func run() throws {
        setvbuf(stdout, nil, _IOLBF, 0)   // the table and stage lines appear as they happen, even when piped
        let started = Date()
        var job = try DemoJob(base: try CommandSupport.oneLine { try ResourceLocator.locate(base) }, out: URL(fileURLWithPath: out))
        job.sft.steps = sftSteps
        job.align.steps = steps
        job.align.etaAlpha = etaAlpha
        job.includeSeedSystems = all
        let (results, groups) = try job.run()
        print("\n== Held-out test pairs per group (reward accuracy, DPO loss); groups from largest to smallest")
        print(DemoJob.table(results, groups: groups))
        let worst = results.map { ($0.method, $0.metrics["worst_group/loss"] ?? .nan) }
        if let best = worst.min(by: { $0.1 < $1.1 }) {
            print("\nlowest worst-group loss: \(best.0) (\(worst.map { "\($0.0) \(String(format: "%.4f", $0.1))" }.joined(separator: ", ")))")
        }
        print("report: \(out)/report.html  (\(String(format: "%.0f", Date().timeIntervalSince(started))) s)")
    }
}
