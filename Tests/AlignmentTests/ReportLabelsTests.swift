@testable import Alignment
@testable import Report
import Training
import Foundation
import XCTest

/// What issue 18 asked of the report's labels: every chart and table names its split and the pairs per group
/// there, the headline table and the curves say which split each shows when they differ, equal α lines say that
/// they lie on top of each other, and a column keeps one number format.
final class ReportLabelsTests: XCTestCase {
    var root: URL!
    let groups = ["Avalon", "Brightwater"]

    override func setUpWithError() throws {
        root = FileManager.default.temporaryDirectory.appendingPathComponent("report-labels-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws { try? FileManager.default.removeItem(at: root) }

    func json(_ obj: [String: Any]) throws -> String {
        String(decoding: try JSONSerialization.data(withJSONObject: obj, options: [.sortedKeys]), as: UTF8.self)
    }

    /// A run whose eval lines (validation) have 3 and 2 pairs per group and whose eval.json scored the test split
    /// with 4 and 1; α is equal for both groups when `equalAlpha`.
    func writeRun(_ name: String, method: String, equalAlpha: Bool) throws -> URL {
        let dir = root.appendingPathComponent(name)
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        var config = AlignConfig()
        config.method = method
        let manifest = RunManifest(task: "align", method: method, training: config.training, settings: config, groups: groups)
        try manifest.encoded().write(to: dir.appendingPathComponent("run_config.json"))
        var text = ""
        for i in 0..<3 {
            var train: [String: Any] = ["step": i + 1, "split": "train", "loss": 0.69 - 0.01 * Double(i)]
            for (g, name) in groups.enumerated() { train["alpha/\(name)"] = equalAlpha ? 0.5 : 0.5 + (g == 0 ? 0.05 : -0.05) * Double(i) }
            text += try json(train) + "\n"
            var eval: [String: Any] = ["step": i + 1, "split": "eval", "worst_group/loss": 0.7, "pairs": 5]
            for (g, name) in groups.enumerated() {
                eval["group/\(name)/loss"] = 0.7 - 0.1 * Double(g)
                eval["group/\(name)/pairs"] = 3 - g
                eval["group/\(name)/rewards/accuracies"] = 0.5
            }
            text += try json(eval) + "\n"
        }
        try Data(text.utf8).write(to: dir.appendingPathComponent("metrics.jsonl"))
        let final: [String: Any] = ["step": 3, "split": "test", "pairs": 5, "group/Avalon/pairs": 4, "group/Brightwater/pairs": 1,
                                    "group/Avalon/loss": 0.4, "group/Brightwater/loss": 0.25, "worst_group/loss": 0.4,
                                    "group/Avalon/rewards/accuracies": 0.75, "group/Brightwater/rewards/accuracies": 1,
                                    "average/loss": 0.325, "average/rewards/accuracies": 0.875]
        try Data(try json(final).utf8).write(to: dir.appendingPathComponent("eval.json"))
        return dir
    }

    func testEveryChartAndTableNamesItsSplitAndPairsPerGroup() throws {
        let run = try RunData.load(try writeRun("gr", method: "gr-dpo", equalAlpha: false))
        let html = ReportBuilder.html(runs: [run])
        XCTAssertNoThrow(try ParsedPage(html))
        XCTAssertTrue(html.contains("Worst-group eval loss over training (validation split)"))
        XCTAssertTrue(html.contains("Per-group eval loss (validation split)"))
        XCTAssertTrue(html.contains("Pairs per group (validation split): Avalon 3, Brightwater 2."), "the curves' split and its pairs")
        XCTAssertTrue(html.contains("Final per-group metrics (test split)"), "the headline table's split")
        XCTAssertTrue(html.contains("Per-group reward accuracy, final evaluation (test split)"))
        XCTAssertTrue(html.contains("Pairs per group (test split): Avalon 4, Brightwater 1."), "the table's split and its pairs")
        // one format per column: fixed 4 decimals whatever the value (1 → 1.0000, 0.25 → 0.2500)
        XCTAssertTrue(html.contains("<td>0.2500</td><td>1.0000</td>"), "Brightwater's loss and reward accuracy")
        XCTAssertTrue(html.contains("<td>0.4000</td><td>0.7500</td>"), "Avalon's")
        XCTAssertFalse(html.contains("lie on top of each other"), "α differs between the groups")
    }

    func testEqualAlphaLinesSayTheyCoincide() throws {
        let run = try RunData.load(try writeRun("is", method: "is-dpo", equalAlpha: true))
        let html = ReportBuilder.html(runs: [run])
        XCTAssertTrue(html.contains("Every group has the same weight, so their lines lie on top of each other"))
    }
}
