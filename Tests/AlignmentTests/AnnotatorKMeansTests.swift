@testable import Alignment
@testable import Datasets
@testable import Recipes
import Foundation
import TensorCore
import XCTest

/// EM-DPO's k-means initialisation (Borda profiles of annotators) and the rankings-of-3 default data.
final class AnnotatorKMeansTests: XCTestCase {
    func example(_ annotator: String, _ responses: [String], _ ranking: [Int]) -> RankingExample {
        RankingExample(prompt: "Q", responses: responses, ranking: ranking, group: "", annotator: annotator)
    }

    func testBordaProfilesAndClustersOfAHandMadeCase() throws {
        let abc = [" A", " B", " C"]
        let examples = [
            example("u0", abc, [0, 1, 2]), example("u0", [" C", " A"], [1, 0]),
            example("u1", abc, [0, 1, 2]), example("u1", abc, [0]),               // partial: B and C share places 2–3
            example("u2", abc, [2, 1, 0]), example("u3", [" B", " C"], [1, 0]), example("u3", abc, [2, 1, 0]),
        ]
        let data = try AnnotatedRankings(examples: examples, file: "t.jsonl")
        XCTAssertEqual(data.responseIDs!, [[0, 1, 2], [2, 0], [0, 1, 2], [0, 1, 2], [0, 1, 2], [1, 2], [0, 1, 2]])
        let p = try AnnotatorKMeans.profiles(data)
        XCTAssertEqual(p[0], [1, 0.5, 0])                      // A first twice, B middle, C last twice
        XCTAssertEqual(p[1], [1, 0.375, 0.125])                // B: (0.5 + 0.25) / 2, C: (0 + 0.25) / 2
        XCTAssertEqual(p[2], [0, 0.5, 1])
        XCTAssertEqual(p[3], [0, 0.25, 1])                     // B: (0 + 0.5) / 2
        let labels = AnnotatorKMeans.cluster(p, k: 2, seed: 3)
        XCTAssertEqual(labels[0], labels[1])
        XCTAssertEqual(labels[2], labels[3])
        XCTAssertNotEqual(labels[0], labels[2])
        let gamma = try AnnotatorKMeans.posteriors(data, types: 2, seed: 3)
        XCTAssertEqual(gamma.map { $0.reduce(0, +) }, [1, 1, 1, 1])
        XCTAssertEqual(gamma.map { $0.firstIndex(of: 1)! }, labels)
    }

    func testKMeansStartRecoversSurveyGroupsAndFeedsTheFirstMStep() throws {
        var synth = SurveySynthesizer(groups: SurveySynthesizer.groupNames(count: 3), questions: 60, seed: 5)
        synth.groupLean = 0.8
        let survey = try synth.generate()
        var maker = SurveyAnnotators(annotators: 30, seed: 6)
        maker.questionsPerAnnotator = 30
        maker.rankingSize = 3
        let data = try AnnotatedRankings(examples: try maker.rankings(survey), file: "a.jsonl")
        let gamma = try AnnotatorKMeans.posteriors(data, types: 3, seed: 1)
        let labels = gamma.map { $0.firstIndex(of: 1)! }
        let ari = try ClusterRecovery.adjustedRandIndex(labels, data.trueGroups!)
        XCTAssertGreaterThan(ari, 0.6, "k-means on Borda profiles finds leaning groups before any training")
        XCTAssertEqual(AnnotatorKMeans.cluster(try AnnotatorKMeans.profiles(data), k: 3, seed: 1), labels, "seeded: same labels")

        var config = EMDPOConfig()
        config.types = 3
        config.initialisation = .kmeans
        config.seed = 1
        let em = try EMDPO(data: data, config: config) { _ in throw AlignmentError.invalidInput("not trained here") }
        XCTAssertEqual(em.posteriors, gamma)
        config.initialisation = .dirichlet
        let flat = try EMDPO(data: data, config: config) { _ in throw AlignmentError.invalidInput("not trained here") }
        XCTAssertFalse(flat.posteriors.joined().contains(1), "Dirichlet draws are never exactly one-hot")
        for row in flat.posteriors { XCTAssertEqual(row.reduce(0, +), 1, accuracy: 1e-12) }
    }

    func testKMeansNeedsResponseTexts() throws {
        let data = try AnnotatedRankings(sizes: [2], rankings: [[0]], annotatorOfList: [0], annotators: ["u"])
        var config = EMDPOConfig()
        config.initialisation = .kmeans
        XCTAssertThrowsError(try EMDPO(data: data, config: config) { _ in throw AlignmentError.invalidInput("x") }) {
            XCTAssertEqual("\($0)", "k-means initialisation needs the response texts of every list (load the data from JSONL)")
        }
    }

    /// The EM job's embedded default data: rankings of 3 unless asked for pairs.
    func testEMJobDefaultDataIsRankingsOfThree() throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("ta-emdef-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: root) }
        let model = root.appendingPathComponent("model")
        try FileManager.default.createDirectory(at: model, withIntermediateDirectories: true)
        var recipe = SurveyRecipe()
        recipe.groups = 2
        recipe.questions = 12
        try JSONEncoder().encode(recipe).write(to: model.appendingPathComponent("survey_recipe.json"))
        XCTAssertEqual(recipe.rankingSize, 3, "data synth and recipes default to rankings of 3")
        var job = EMDPOJob(model: model, data: nil, out: root.appendingPathComponent("run"), config: EMDPOConfig())
        job.defaultAnnotators = 4
        job.defaultQuestionsPerAnnotator = 5
        let lines = try RankingExample.load(try job.writeDefaultData())
        XCTAssertEqual(lines.count, 20)
        let optionCount = Dictionary(uniqueKeysWithValues: try recipe.survey().questions.map { ($0.id, $0.options.count) })
        for line in lines { XCTAssertEqual(line.responses.count, min(3, optionCount[line.id!]!), line.id!) }
        XCTAssertTrue(lines.contains { $0.responses.count == 3 })
        job.defaultRankingSize = 2
        job.out = root.appendingPathComponent("run2")
        XCTAssertEqual(Set(try RankingExample.load(try job.writeDefaultData()).map(\.responses.count)), [2])
    }
}
