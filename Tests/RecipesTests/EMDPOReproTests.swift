import Foundation
@testable import Recipes
import XCTest

/// `repro em-dpo` on a shortened run: pairs carry no information about the hidden types, rankings of 3 and 4 do.
final class EMDPOReproTests: XCTestCase {
    /// Under both types every pairwise comparison is a fair coin: P(E1 ≻ M), P(M ≻ E2), P(E1 ≻ E2), P(N ≻ M) ≈ ½.
    func testPairwiseMarginalsAreTheSameForBothTypes() {
        var repro = EMDPORepro()
        repro.annotators = 20
        repro.questions = 400
        let w = repro.world(seed: 1)
        for type in 0..<2 {
            for (a, b) in [(0, 1), (1, 2), (0, 2), (3, 1)] {
                var wins = 0, total = 0
                for (list, ranking) in w.rankings.enumerated() where w.types[w.annotatorOfList[list]] == type {
                    let roles = ranking.map { w.roles[list][$0] }
                    wins += roles.firstIndex(of: a)! < roles.firstIndex(of: b)! ? 1 : 0
                    total += 1
                }
                XCTAssertEqual(Double(wins) / Double(total), 0.5, accuracy: 0.03, "type \(type): role \(a) over role \(b)")
            }
        }
    }

    func testRankingsIdentifyTheTypesAndPairsDoNot() throws {
        var repro = EMDPORepro()
        repro.seeds = 2
        repro.annotators = 16
        repro.questions = 100
        repro.rounds = 4
        let runs = try repro.runAll()
        func mean(_ size: Int, _ k: KeyPath<EMDPORepro.Run, Double>) -> Double {
            SeedStatistics(runs.filter { $0.listSize == size }.map { $0[keyPath: k] }).mean
        }
        print("em-dpo repro: accuracy pairs \(mean(2, \.accuracy)), rank3 \(mean(3, \.accuracy)), rank4 \(mean(4, \.accuracy))")
        XCTAssertLessThanOrEqual(mean(2, \.accuracy), 0.75)
        XCTAssertLessThan(mean(2, \.adjustedRandIndex), 0.2)
        XCTAssertGreaterThanOrEqual(mean(3, \.accuracy), 0.85)
        XCTAssertGreaterThanOrEqual(mean(4, \.accuracy), 0.9)
        XCTAssertGreaterThan(mean(4, \.adjustedRandIndex), 0.6)
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("ta-emrepro-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: dir) }
        try repro.write(runs, to: dir)
        let html = try String(contentsOf: dir.appendingPathComponent("report.html"), encoding: .utf8)
        XCTAssertTrue(html.contains("rankings of 4"))
        XCTAssertEqual(try JSONDecoder().decode([EMDPORepro.Run].self, from: Data(contentsOf: dir.appendingPathComponent("runs.json"))), runs)
    }
}
