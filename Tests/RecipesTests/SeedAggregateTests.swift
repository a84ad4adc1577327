import Foundation
@testable import Recipes
import Report
import XCTest

/// `report` over several run folders: per method mean ± std over seeds and GR − base paired by seed.
final class SeedAggregateTests: XCTestCase {
    func run(_ method: String, seed: Int, worst: Double) -> RunData {
        RunData(directory: URL(fileURLWithPath: "/runs/\(method)-\(seed)"), method: method, groups: ["a", "b"],
                settings: [RunSetting(key: "training.seed", value: "\(seed)")], train: [], eval: [],
                finalEval: MetricRecord(step: 10, values: ["worst_group/loss": worst, "loss": worst - 0.1]))
    }

    func testMeanStdAndPairedDifference() throws {
        let runs = [run("dpo", seed: 0, worst: 0.70), run("dpo", seed: 1, worst: 0.72), run("dpo", seed: 2, worst: 0.74),
                    run("gr-dpo", seed: 0, worst: 0.60), run("gr-dpo", seed: 1, worst: 0.64), run("gr-dpo", seed: 2, worst: 0.62)]
        let table = try XCTUnwrap(SeedAggregate.table(runs))
        XCTAssertEqual(table.rows.map { Array($0.prefix(3)) }, [["dpo", "3", "0.7200 ± 0.0200"], ["gr-dpo", "3", "0.6200 ± 0.0200"]])
        XCTAssertEqual(table.rows[0][3], "0.6200 ± 0.0200")
        XCTAssertEqual(table.rows[0][4], "–", "no accuracies in these runs")
        XCTAssertEqual(table.rows[1].last, "-0.1000 on 3 seeds (lower on 3, sign test p 0.250, paired t test p 0.013); exceeds the seed spread")
        XCTAssertNil(SeedAggregate.table([run("dpo", seed: 0, worst: 0.7), run("gr-dpo", seed: 0, worst: 0.6)]), "one run per method")
    }
}
