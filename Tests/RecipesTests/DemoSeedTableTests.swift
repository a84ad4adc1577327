import Foundation
@testable import Recipes
import XCTest

/// The demo's table over seeds and its one-line verdict against the seed spread.
final class DemoSeedTableTests: XCTestCase {
    func result(_ method: String, worst: Double, acc: Double) -> DemoJob.Result {
        DemoJob.Result(method: method, metrics: ["worst_group/loss": worst, "worst_group/rewards/accuracies": acc,
                                                 "group/A/loss": worst, "group/A/rewards/accuracies": acc,
                                                 "average/loss": worst - 0.1, "average/rewards/accuracies": acc], alpha: [:])
    }

    func testCellsAreMeanAndStdAndTheVerdictComparesWithTheSpread() throws {
        let runs = [[result("dpo", worst: 0.70, acc: 0.5), result("gr-dpo", worst: 0.60, acc: 0.6)],
                    [result("dpo", worst: 0.72, acc: 0.6), result("gr-dpo", worst: 0.63, acc: 0.7)],
                    [result("dpo", worst: 0.74, acc: 0.7), result("gr-dpo", worst: 0.63, acc: 0.8)]]
        let table = DemoSeedTable.table(runs, groups: ["A"])
        let worstRow = try XCTUnwrap(table.split(separator: "\n").first { $0.hasPrefix("worst group") })
        XCTAssertTrue(worstRow.contains("0.600 ± 0.100"), String(worstRow))
        XCTAssertTrue(worstRow.contains("0.7200 ± 0.0200"), String(worstRow))
        XCTAssertTrue(worstRow.contains("0.6200 ± 0.0173"), String(worstRow))
        // differences 0.10, 0.09, 0.11: mean 0.10 > spread max(0.02, 0.0173)
        XCTAssertEqual(DemoSeedTable.verdict(runs),
                       "GR-DPO lowers the worst-group test loss by 0.1000 ± 0.0100 (paired, 3 seeds); that exceeds the seed-to-seed spread (std 0.0200; paired t test p 0.003)")
        let noisy = [[result("dpo", worst: 0.70, acc: 0.5), result("gr-dpo", worst: 0.69, acc: 0.6)],
                     [result("dpo", worst: 0.80, acc: 0.6), result("gr-dpo", worst: 0.79, acc: 0.7)]]
        // The same 0.01 gain on both seeds: consistent (paired p ≈ 0) yet far below the seeds' own spread.
        XCTAssertTrue(DemoSeedTable.verdict(noisy)!.hasSuffix("that does not exceed the seed-to-seed spread (std 0.0707; paired t test p 0.000)"),
                      DemoSeedTable.verdict(noisy)!)
        // scipy.stats.ttest_rel([0.70, 0.72, 0.74], [0.60, 0.63, 0.63]).pvalue = 0.0033168
        XCTAssertEqual(SeedStatistics.paired([0.70, 0.72, 0.74], [0.60, 0.63, 0.63]).tTestP, 0.003316758722356868, accuracy: 1e-9)
        XCTAssertTrue(DemoSeedTable.verdict([runs[0]])!.hasSuffix("one seed has no spread to compare with (use --seeds 3)"))
    }

    func testSpreadLinePerMethod() {
        let runs = [[result("dpo", worst: 0.70, acc: 0.5)], [result("dpo", worst: 0.74, acc: 0.6)], [result("dpo", worst: 0.72, acc: 0.6)]]
        XCTAssertEqual(DemoSeedTable.spread(runs), ["worst-group test loss over 3 seeds: 0.7200 ± 0.0200 (range 0.7000–0.7400)"])
        let two = [[result("dpo", worst: 0.70, acc: 0.5), result("gr-dpo", worst: 0.60, acc: 0.6)]]
        XCTAssertEqual(DemoSeedTable.spread(two, split: "validation"),
                       ["dpo: worst-group validation loss over 1 seed: 0.7000 ± 0.0000 (range 0.7000–0.7000)",
                        "gr-dpo: worst-group validation loss over 1 seed: 0.6000 ± 0.0000 (range 0.6000–0.6000)"])
    }

    func testAlphaLinesAreMeanAndStdOverSeeds() {
        var a = result("gr-dpo", worst: 0.6, acc: 0.5), b = a
        a.alpha = ["A": 0.2, "B": 0.8]
        b.alpha = ["A": 0.4, "B": 0.6]
        XCTAssertEqual(DemoSeedTable.alphaLines([[result("dpo", worst: 0.7, acc: 0.5), a], [result("dpo", worst: 0.7, acc: 0.5), b]], groups: ["A", "B"]),
                       ["final α (gr-dpo): A 0.300 ± 0.141, B 0.700 ± 0.141"])
    }
}
