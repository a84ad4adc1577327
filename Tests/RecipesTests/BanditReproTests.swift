import Foundation
@testable import Recipes
import XCTest

/// `repro bandit` on a shortened run (3 seeds, 300 iterations): the GRPO paper's qualitative claims, the
/// metrics' definitions, and the run folder.
final class BanditReproTests: XCTestCase {
    func shortRun() -> BanditRepro {
        var r = BanditRepro()
        r.seeds = 3
        r.iterations = 300
        r.evalEvery = 100
        r.validationPerGroup = 300
        r.testStates = 100
        return r
    }

    func testTheTrueRewardHasNoRewardErrorAndTheOppositeGroupsDoes() {
        let states: [(Double, Double)] = (0..<50).map { i in
            let a = Double(i) / 50
            let b = Double((i * 7) % 50) / 50
            return (a, b)
        }
        XCTAssertEqual(BanditRepro.rewardErrors(theta: BanditRepro.trueTheta(0), states: states)[0], 0)
        XCTAssertEqual(BanditRepro.rewardErrors(theta: BanditRepro.trueTheta(1), states: states)[1], 0)
        XCTAssertGreaterThan(BanditRepro.rewardErrors(theta: BanditRepro.trueTheta(1), states: states)[0], 0.05,
                             "group 1's reward picks worse actions for group 0")
        let f = BanditRepro.features(x: (0.25, 0.5), action: 4, group: 1)
        let u = 1.5
        XCTAssertEqual(f[0], sin(Double.pi * 0.25) / u, accuracy: 1e-12)
        XCTAssertEqual(f[1], u * cos(Double.pi * 0.25), accuracy: 1e-12)
        XCTAssertEqual(f[3], u * cos(Double.pi * 0.5), accuracy: 1e-12)
    }

    /// The paper: GR-* has the lowest worst-group validation loss of its family in both imbalanced settings, and
    /// (for DPO) its advantage shrinks when the groups are balanced. For IPO the shrinking does not show in this
    /// bandit (nor in the full 10 000-iteration runs): group 0's adjacent comparisons have small feature
    /// differences, so it lags whatever the group sizes and GR-IPO's gain is about the same balanced or not.
    /// (In the full runs GR-IPO and IS-IPO also end tied in even-imbalanced, 17.38 ± 1.12 against 17.37 ± 1.13;
    /// on this shortened run GR-IPO is still ahead.)
    func testGRMethodsWinTheWorstGroupInImbalancedSettings() throws {
        let repro = shortRun()
        let runs = try repro.runAll()
        XCTAssertEqual(runs.count, 3 * 6 * 3)
        let claims = BanditRepro.claims(runs)
        XCTAssertEqual(claims.count, 6)
        for c in claims { print("bandit claim \(c.holds ? "holds" : "fails"): \(c.text)") }
        let expected: [Bool] = [true, true, true, true, true, false]
        XCTAssertEqual(claims.map(\.holds), expected, claims.map(\.text).joined(separator: "\n"))
        // balanced groups: IS-* weights equal the uniform ones, so IS-DPO is DPO exactly
        let balanced = runs.filter { $0.setting == "uneven-balanced" }
        for seed in 0..<3 {
            let dpo = balanced.first { $0.method == "dpo" && $0.seed == seed }!, isdpo = balanced.first { $0.method == "is-dpo" && $0.seed == seed }!
            XCTAssertEqual(dpo.theta, isdpo.theta)
        }
        // α of the GR methods moves to group 0 (the minority, with the harder adjacent comparisons) when uneven
        for r in runs where r.method.hasPrefix("gr-") && r.setting == "uneven-imbalanced" { XCTAssertGreaterThan(r.finalAlpha[0], 0.5) }
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("ta-bandit-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: dir) }
        let written = try repro.write(runs, to: dir)
        XCTAssertEqual(written, claims)
        let html = try String(contentsOf: dir.appendingPathComponent("report.html"), encoding: .utf8)
        XCTAssertTrue(html.contains("data-metric=\"bandit-uneven-imbalanced\""))
        XCTAssertEqual(html.components(separatedBy: "<polygon").count - 1, 3 * 6, "one band per method and setting")
        XCTAssertTrue(html.contains("qualitative claims"))
        let decoded = try JSONDecoder().decode([BanditRepro.Run].self, from: Data(contentsOf: dir.appendingPathComponent("runs.json")))
        XCTAssertEqual(decoded, runs)
    }

    func testPairedStatistics() {
        let s = SeedStatistics([1, 2, 3, 4])
        XCTAssertEqual(s.mean, 2.5)
        XCTAssertEqual(s.std, (5.0 / 3).squareRoot(), accuracy: 1e-12)
        XCTAssertEqual(s.formatted(digits: 2), "2.50 ± 1.29")
        let p = SeedStatistics.paired([1, 2, 3, 5], [2, 2.5, 3.5, 5.5])
        XCTAssertEqual(p.meanDifference, -0.625, accuracy: 1e-12)
        XCTAssertEqual(p.below, 4)
        XCTAssertEqual(p.above, 0)
        XCTAssertEqual(p.signTestP, 0.125, accuracy: 1e-12)          // 2 · (1/2)^4
        XCTAssertEqual(SeedStatistics.signTest(1, 4), 0.375, accuracy: 1e-12)   // 2 · (1 + 5) / 32
        XCTAssertEqual(p.t, -0.625 / (0.25 / 2), accuracy: 1e-9)
    }
}
