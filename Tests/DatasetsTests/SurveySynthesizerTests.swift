@testable import Datasets
import Foundation
import XCTest

/// The synthetic survey: reproducible, proper distributions, and groups that really disagree.
final class SurveySynthesizerTests: XCTestCase {
    let groups = SurveySynthesizer.groupNames(count: 5)

    func survey(seed: UInt64 = 0, questions: Int = 400) throws -> Survey {
        try SurveySynthesizer(groups: groups, questions: questions, seed: seed).generate()
    }

    func testSameSeedGivesSameBytesAndOtherSeedDiffers() throws {
        let a = try survey(seed: 7).jsonData(), b = try survey(seed: 7).jsonData(), c = try survey(seed: 8).jsonData()
        XCTAssertEqual(a, b)
        XCTAssertNotEqual(a, c)
        let s = try survey(seed: 7)
        let p1 = try SurveyPairs.imbalanced(s, shares: SurveySynthesizer.defaultShares, total: 400, seed: 3)
        let p2 = try SurveyPairs.imbalanced(s, shares: SurveySynthesizer.defaultShares, total: 400, seed: 3)
        XCTAssertEqual(p1, p2)
        XCTAssertEqual(try SurveyCorpus.text(s, samplesPerQuestion: 2, seed: 5),
                       try SurveyCorpus.text(s, samplesPerQuestion: 2, seed: 5))
    }

    func testFictionalGroupNamesAndShares() {
        XCTAssertEqual(groups, ["Avalon", "Brightwater", "Cedar Isle", "Dunmore", "Eastmarch"])
        XCTAssertEqual(SurveySynthesizer.defaultShares(count: 5), [45, 25, 15, 10, 5])
        XCTAssertEqual(SurveySynthesizer.groupNames(count: 14).suffix(2), ["Region 13", "Region 14"])
        let three = SurveySynthesizer.defaultShares(count: 3)
        XCTAssertEqual(three[0], 1, accuracy: 1e-12)
        XCTAssertEqual(three[1], 0.6, accuracy: 1e-12)
        XCTAssertEqual(three[2], 0.36, accuracy: 1e-12)
    }

    func testDistributionsAreProperAndQuestionsDistinct() throws {
        let s = try survey()
        XCTAssertEqual(s.groups, groups)
        XCTAssertEqual(s.questions.count, 400)
        XCTAssertEqual(Set(s.questions.map(\.question)).count, 400)
        XCTAssertEqual(s.questions.first?.id, "q0001")
        XCTAssertEqual(s.questions.last?.id, "q0400")
        for q in s.questions {
            XCTAssertTrue((2...5).contains(q.options.count), q.id)
            XCTAssertEqual(Set(q.selections.keys), Set(groups), q.id)
            for (g, p) in q.selections {
                XCTAssertEqual(p.count, q.options.count, "\(q.id) \(g)")
                XCTAssertEqual(p.reduce(0, +), 1, accuracy: 1e-12, "\(q.id) \(g)")
                XCTAssertTrue(p.allSatisfy { $0 > 0 && $0 < 1 }, "\(q.id) \(g)")
            }
        }
    }

    /// Measured at seed 0: 83.5% of questions have groups with different top answers, 50.6% of (question, group
    /// pair) combinations disagree, Avalon and Eastmarch disagree on 50.8% of questions.
    func testGroupsDisagree() throws {
        let s = try survey()
        func top(_ q: SurveyQuestion, _ g: String) -> Int { SurveyPairs.argmax(q.selections[g]!) }
        let split = s.questions.filter { q in Set(groups.map { top(q, $0) }).count > 1 }.count
        XCTAssertGreaterThan(Double(split) / 400, 0.6)
        var pairFractions: [Double] = []
        for a in 0..<5 {
            for b in (a + 1)..<5 {
                let n = s.questions.filter { top($0, groups[a]) != top($0, groups[b]) }.count
                pairFractions.append(Double(n) / 400)
            }
        }
        XCTAssertGreaterThan(pairFractions.min()!, 0.2)
        XCTAssertGreaterThan(pairFractions.reduce(0, +) / 10, 0.35)
        let majorityVsSmallest = s.questions.filter { top($0, "Avalon") != top($0, "Eastmarch") }.count
        XCTAssertGreaterThan(Double(majorityVsSmallest) / 400, 0.3)
        // The ideal-point model makes middle options the favourite too, not only the two ends.
        let middle = s.questions.filter { $0.options.count >= 3 }.flatMap { q in
            groups.map { top(q, $0) }.filter { $0 > 0 && $0 < q.options.count - 1 }
        }
        XCTAssertGreaterThan(middle.count, 200)
        // Not degenerate either: the favourite option carries on average between 50% and 90%.
        let maxShares = s.questions.flatMap { q in groups.map { q.selections[$0]!.max()! } }
        let meanMax = maxShares.reduce(0, +) / Double(maxShares.count)
        XCTAssertGreaterThan(meanMax, 0.5)
        XCTAssertLessThan(meanMax, 0.9)
    }

    func testBadArgumentsAreNamed() {
        XCTAssertThrowsError(try SurveySynthesizer(groups: groups, questions: 100_000, seed: 0).generate()) {
            XCTAssertTrue("\($0)".contains("questions must be in 1...\(SurveySynthesizer.capacity)"), "\($0)")
        }
        XCTAssertThrowsError(try SurveySynthesizer(groups: ["A", "A"], questions: 5, seed: 0).generate()) {
            XCTAssertTrue("\($0)".contains("distinct"), "\($0)")
        }
    }

    func testSurveyJSONRoundTrips() throws {
        let s = try survey(questions: 20)
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("survey-\(UUID().uuidString)/survey.json")
        defer { try? FileManager.default.removeItem(at: url.deletingLastPathComponent()) }
        try s.save(to: url)
        XCTAssertEqual(try Survey.load(url), s)
    }
}
