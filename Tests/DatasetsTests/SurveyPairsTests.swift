@testable import Datasets
import Foundation
import TensorCore
import XCTest

/// The GRPO pair rule, imbalanced group sizes and the sampled pretraining corpus.
final class SurveyPairsTests: XCTestCase {
    let groups = SurveySynthesizer.groupNames(count: 5)

    func testPromptFormatAndLetters() {
        let q = SurveyQuestion(id: "q1", question: "Is tea good?", options: ["Yes", "No", "Unsure"],
                               selections: ["Avalon": [0.2, 0.3, 0.5]], source: "synthetic")
        XCTAssertEqual(SurveyPairs.prompt(for: q), "Is tea good?\nPlease select the best response:\nA. Yes\nB. No\nC. Unsure\nAnswer:")
        XCTAssertEqual((0..<5).map(SurveyPairs.letter), ["A", "B", "C", "D", "E"])
        XCTAssertEqual(SurveyPairs.argmax([0.3, 0.3, 0.1]), 0, "ties go to the first option")
        var rng = SeededGenerator(seed: 1)
        let p = try! SurveyPairs.pair(question: q, group: "Avalon", rng: &rng)!
        XCTAssertEqual(p.chosen, " C")
        XCTAssertEqual(p.group, "Avalon")
        XCTAssertEqual(p.id, "q1")
        XCTAssertNil(try! SurveyPairs.pair(question: q, group: "Dunmore", rng: &rng))
    }

    func testPairRuleOnEveryPairAndUniformRejected() throws {
        let s = try SurveySynthesizer(groups: groups, questions: 400, seed: 2).generate()
        let pairs = try SurveyPairs.all(s, seed: 9)
        XCTAssertEqual(pairs.count, 2000)
        let byID = Dictionary(uniqueKeysWithValues: s.questions.map { ($0.id, $0) })
        var rank = [Int](repeating: 0, count: 4), fourOption = 0   // which of the 3 other options was rejected
        for p in pairs {
            let q = byID[p.id!]!
            let chosen = SurveyPairs.argmax(q.selections[p.group]!)
            XCTAssertEqual(p.chosen, SurveyPairs.response(chosen))
            XCTAssertNotEqual(p.rejected, p.chosen)
            let rejected = Int(p.rejected.unicodeScalars.last!.value) - 65
            XCTAssertTrue(q.options.indices.contains(rejected))
            XCTAssertEqual(p.prompt, SurveyPairs.prompt(for: q))
            XCTAssertFalse(p.prompt.contains(p.group), "the group prefix is the trainer's job")
            if q.options.count == 4 {
                rank[rejected > chosen ? rejected - 1 : rejected] += 1
                fourOption += 1
            }
        }
        XCTAssertGreaterThan(fourOption, 500)
        for r in 0..<3 {
            XCTAssertEqual(Double(rank[r]) / Double(fourOption), 1.0 / 3, accuracy: 0.06, "other option \(r)")
        }
    }

    func testGroupSizesFollowShares() throws {
        let s = try SurveySynthesizer(groups: groups, questions: 400, seed: 0).generate()
        let pairs = try SurveyPairs.imbalanced(s, shares: [45, 25, 15, 10, 5], total: 400, seed: 1)
        XCTAssertEqual(groups.map { g in pairs.filter { $0.group == g }.count }, [180, 100, 60, 40, 20])
        for g in groups {
            let ids = pairs.filter { $0.group == g }.map(\.id!)
            XCTAssertEqual(Set(ids).count, ids.count, "\(g): questions drawn without replacement")
        }
        // Different groups get different question samples.
        let avalon = Set(pairs.filter { $0.group == "Avalon" }.map(\.id!))
        let brightwater = Set(pairs.filter { $0.group == "Brightwater" }.map(\.id!))
        XCTAssertLessThan(avalon.intersection(brightwater).count, 100)
        XCTAssertEqual(try SurveyPairs.groupCounts(shares: [0.5, 0.3, 0.2], total: 333, groups: 3, questions: 400),
                       [167, 100, 67])
    }

    func testGroupCountErrors() {
        XCTAssertThrowsError(try SurveyPairs.groupCounts(shares: [1, 1], total: 10, groups: 3, questions: 10)) {
            XCTAssertEqual("\($0)", "2 shares given for 3 groups")
        }
        XCTAssertThrowsError(try SurveyPairs.groupCounts(shares: [90, 10], total: 500, groups: 2, questions: 400)) {
            XCTAssertTrue("\($0)".contains("group 1 needs 450 questions but the survey has only 400"), "\($0)")
        }
        XCTAssertThrowsError(try SurveyPairs.groupCounts(shares: [-1, 2], total: 5, groups: 2, questions: 400))
    }

    func testCorpusSamplesFollowTheGroupDistributions() throws {
        let s = try SurveySynthesizer(groups: ["Avalon", "Dunmore"], questions: 3, seed: 4).generate()
        let n = 4000
        let docs = try SurveyCorpus.text(s, samplesPerQuestion: n, seed: 11).components(separatedBy: "\n\n")
        XCTAssertEqual(docs.count, 3 * 2 * n)
        for q in s.questions {
            for g in s.groups {
                let head = "Opinion of people in \(g) on: \(SurveyPairs.prompt(for: q)) "
                let answers = docs.filter { $0.hasPrefix(head) }.map { $0.dropFirst(head.count).trimmingCharacters(in: .newlines) }
                XCTAssertEqual(answers.count, n)
                for (k, p) in q.selections[g]!.enumerated() {
                    let freq = Double(answers.filter { $0 == SurveyPairs.letter(k) }.count) / Double(n)
                    XCTAssertEqual(freq, p, accuracy: 0.03, "\(q.id) \(g) option \(k)")
                }
            }
        }
        XCTAssertFalse(docs.prefix(12).allSatisfy { $0.hasPrefix(docs[0].prefix(40)) }, "documents are shuffled")
    }
}
