import Alignment
@testable import Datasets
@testable import Recipes
import Foundation
import XCTest

/// `repro gpo` on the toy world: with a few context questions GPO beats both baselines on held-out groups,
/// over 2 seeds, and the report is written.
final class GPOReproTests: XCTestCase {
    func testFewShotScoreBeatsTheBaselinesOverSeeds() throws {
        let (data, _) = try GPOToyWorld.dataset(groups: 9, questions: 60, seed: 1)
        var repro = GPORepro(trainGroups: data.groups.filter { !["g1", "g7"].contains($0) })
        repro.seeds = 2
        repro.contextSizes = [1, 6]
        repro.repeats = 2
        repro.options.steps = 300
        (repro.dModel, repro.layers, repro.heads) = (32, 2, 2)
        repro.options.contextQuestions = 6
        repro.options.targetQuestions = 10
        repro.options.episodesPerStep = 2
        repro.options.lr = 3e-3
        let scores = try repro.run(data: data)
        XCTAssertEqual(scores.count, 2 * 2 * 2)
        let s = repro.summary(scores)
        print(s.map { "m \($0.m): GPO \($0.gpo.formatted()) uniform \($0.uniform.formatted()) average \($0.average.formatted())" })
        XCTAssertGreaterThan(s[1].gpo.mean, s[1].uniform.mean + 0.1)
        XCTAssertGreaterThan(s[1].gpo.mean, s[1].average.mean + 0.1)
        XCTAssertGreaterThan(s[1].gpo.mean, s[0].gpo.mean, "more context helps")
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("ta-gporepro-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: dir) }
        try repro.write(scores, to: dir)
        let html = try String(contentsOf: dir.appendingPathComponent("report.html"), encoding: .utf8)
        XCTAssertTrue(html.contains("data-metric=\"gpo-context\""))
        XCTAssertEqual(try JSONDecoder().decode([GPORepro.Score].self, from: Data(contentsOf: dir.appendingPathComponent("scores.json"))), scores)
    }
}
