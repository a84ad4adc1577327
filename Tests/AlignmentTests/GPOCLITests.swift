import Alignment
@testable import Datasets
@testable import Recipes
@testable import Report
import Training
import Foundation
import Models
import Tokenizer
import TestSupport
import XCTest

/// `tinyalign gpo train` then `gpo eval` through the real binary on a small survey and a tiny embedding model.
final class GPOCLITests: XCTestCase {
    func testTrainThenEvalPrintsScoresAndRefusesTrainingGroups() throws {
        let world = try GPOTestWorld(groups: 6, questions: 30)
        defer { world.remove() }
        let (root, survey, surveyURL, model) = (world.root, world.survey, world.surveyURL, world.model)
        let train = survey.groups.prefix(4).joined(separator: ","), heldOut = survey.groups.suffix(2).joined(separator: ",")
        let gpo = root.appendingPathComponent("gpo")

        let t = try TinyAlignBinary.run(["gpo", "train", "--survey", surveyURL.path, "--model", model.path, "--out", gpo.path,
                                             "--train-groups", train, "--steps", "20", "--context-questions", "5", "--d-model", "16",
                                             "--layers", "1", "--heads", "2"])
        XCTAssertEqual(t.status, 0, t.err)
        for f in ["gpo_config.json", "model.safetensors", "training.json"] {
            XCTAssertTrue(FileManager.default.fileExists(atPath: gpo.appendingPathComponent("final").appendingPathComponent(f).path), f)
        }
        let e = try TinyAlignBinary.run(["gpo", "eval", "--survey", surveyURL.path, "--model", model.path, "--gpo", gpo.path,
                                             "--groups", heldOut, "--context-questions", "5"])
        XCTAssertEqual(e.status, 0, e.err)
        // One row per held-out group and a mean row, each with three scores in [0, 1].
        let rows = e.out.split(separator: "\n").dropFirst()
        XCTAssertEqual(rows.count, 3, e.out)
        for row in rows {
            let scores = row.split(separator: " ").compactMap { Double($0) }.prefix(3)
            XCTAssertEqual(scores.count, 3, String(row))
            XCTAssertTrue(scores.allSatisfy { (0...1).contains($0) }, String(row))
        }
        let bad = try TinyAlignBinary.run(["gpo", "eval", "--survey", surveyURL.path, "--model", model.path, "--gpo", gpo.path,
                                               "--groups", survey.groups[0]])
        XCTAssertNotEqual(bad.status, 0)
        XCTAssertTrue(bad.err.contains("is a training group"), bad.err)
    }
}
