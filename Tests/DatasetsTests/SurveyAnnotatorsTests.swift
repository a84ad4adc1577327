@testable import Datasets
import Foundation
import XCTest

/// Survey annotators: hidden groups, distinct questions, and answers that follow the group's distribution as
/// Bradley–Terry / Plackett–Luce with utility log p.
final class SurveyAnnotatorsTests: XCTestCase {
    func survey(groups: Int, questions: Int) throws -> Survey {
        try SurveySynthesizer(groups: SurveySynthesizer.groupNames(count: groups), questions: questions, seed: 5).generate()
    }

    func testAnnotatorsBelongToOneGroupAndAnswerDistinctQuestions() throws {
        let s = try survey(groups: 3, questions: 40)
        var maker = SurveyAnnotators(annotators: 7, seed: 1)
        maker.questionsPerAnnotator = 12
        let pairs = try maker.pairs(s)
        XCTAssertEqual(pairs.count, 7 * 12)
        let byAnnotator = Dictionary(grouping: pairs, by: { $0.annotator! })
        XCTAssertEqual(byAnnotator.keys.sorted(), (0..<7).map(SurveyAnnotators.name))
        XCTAssertEqual(SurveyAnnotators.name(0), "ann-0001")
        for (name, lines) in byAnnotator {
            let u = Int(name.dropFirst(4))! - 1
            XCTAssertEqual(Set(lines.map(\.group)), [s.groups[u % 3]], "groups in turn")
            XCTAssertEqual(Set(lines.compactMap(\.id)).count, 12, "distinct questions")
            for p in lines { XCTAssertNotEqual(p.chosen, p.rejected) }
        }
        // same seed, same lines; rankings of 3 list 3 distinct options (2 when a question has only 2)
        XCTAssertEqual(try maker.pairs(s), pairs)
        maker.rankingSize = 3
        for r in try maker.rankings(s) {
            let options = s.questions.first { $0.id == r.id }!.options.count
            XCTAssertEqual(r.responses.count, min(3, options))
            XCTAssertEqual(r.ranking.sorted(), Array(0..<r.responses.count))
            XCTAssertNil(r.problem)
        }
    }

    func testAnswersFollowTheGroupDistribution() throws {
        // one question asked of 6000 annotators of the same group
        let s = try survey(groups: 1, questions: 1)
        let q = s.questions[0], p = q.selections[s.groups[0]]!
        var maker = SurveyAnnotators(annotators: 6000, seed: 9)
        maker.questionsPerAnnotator = 1
        // pairs: given the pair {a, b}, a wins with probability p_a / (p_a + p_b)
        var wins = [[Int]](repeating: [Int](repeating: 0, count: p.count), count: p.count)
        for e in try maker.pairs(s) {
            wins[Int(e.chosen.unicodeScalars.last!.value) - 65][Int(e.rejected.unicodeScalars.last!.value) - 65] += 1
        }
        let (a, b) = (0, p.count - 1)
        let shown = Double(wins[a][b] + wins[b][a])
        XCTAssertGreaterThan(shown, 300)
        XCTAssertEqual(Double(wins[a][b]) / shown, p[a] / (p[a] + p[b]), accuracy: 0.05)
        // rankings of all options: the top choice is drawn from p
        maker.rankingSize = SurveyPairs.maxOptions
        var top = [Double](repeating: 0, count: p.count)
        for r in try maker.rankings(s) { top[r.ranking[0]] += 1 / 6000 }
        for k in p.indices { XCTAssertEqual(top[k], p[k], accuracy: 0.02) }
    }

    func testRejectsBadSettings() throws {
        let s = try survey(groups: 2, questions: 5)
        var maker = SurveyAnnotators(annotators: 3, seed: 1)
        maker.questionsPerAnnotator = 6
        XCTAssertThrowsError(try maker.pairs(s)) { XCTAssertTrue("\($0)".contains("the survey has 5"), "\($0)") }
        maker.questionsPerAnnotator = 2
        maker.shares = [1]
        XCTAssertThrowsError(try maker.pairs(s)) { XCTAssertTrue("\($0)".contains("1 annotator shares for 2 groups"), "\($0)") }
    }
}
