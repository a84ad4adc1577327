import Foundation
@testable import Recipes
import Report
import TestSupport
import XCTest

/// `align --seeds N`, `eval` over a folder of runs and `report` of that folder: the same mean ± std over seeds as
/// the demo, computed from the per-seed runs.
final class SeedRunsCLITests: XCTestCase {
    func worstLoss(_ eval: URL) throws -> Double {
        let obj = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(contentsOf: eval)) as? [String: Any])
        return try XCTUnwrap(obj["worst_group/loss"] as? Double)
    }

    func testAlignSeedsEvalAndReportAggregateThePerSeedRuns() throws {
        let world = try TinyWorld()
        defer { world.remove() }
        let sft = world.root.appendingPathComponent("sft")
        let s = try TinyAlignBinary.run(["sft", "--model", world.base.path, "--data", world.data.path, "--out", sft.path,
                                         "--steps", "2", "--batch-size", "4", "--eval-every", "2"])
        XCTAssertEqual(s.status, 0, s.err)
        let out = world.root.appendingPathComponent("x")
        let a = try TinyAlignBinary.run(["align", "--method", "gr-dpo", "--model", sft.appendingPathComponent("final").path,
                                         "--data", world.data.path, "--out", out.path, "--steps", "3", "--batch-size", "4",
                                         "--eval-every", "3", "--eta-alpha", "0.5", "--seeds", "3", "--seed", "5"])
        XCTAssertEqual(a.status, 0, a.err)
        var worst: [Double] = []
        for k in 0..<3 {
            let dir = out.appendingPathComponent("seed-\(k)")
            let manifest = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(contentsOf: dir.appendingPathComponent("run_config.json"))) as? [String: Any])
            XCTAssertEqual((manifest["training"] as? [String: Any])?["seed"] as? Int, 5 + k)
            worst.append(try worstLoss(dir.appendingPathComponent("eval.json")))
        }
        let expected = SeedStatistics(worst)
        XCTAssertTrue(a.out.contains("== Over 3 seeds (test pairs; mean ± std)"), a.out)
        let worstRow = try XCTUnwrap(a.out.split(separator: "\n").last { $0.hasPrefix("worst group") })
        XCTAssertTrue(worstRow.contains(expected.formatted(digits: 4)), "\(worstRow) vs \(worst)")
        XCTAssertTrue(a.out.contains(String(format: "worst-group test loss over 3 seeds: %@ (range %.4f–%.4f)", expected.formatted(),
                                            worst.min()!, worst.max()!)), a.out)
        let html = try String(contentsOf: out.appendingPathComponent("report.html"), encoding: .utf8)
        XCTAssertTrue(html.contains("Over seeds (mean ± std of the final held-out numbers)"))
        XCTAssertTrue(html.contains(expected.formatted()))

        // eval over the folder: each seed's final/ on its own run's test split, then the same aggregate.
        let e = try TinyAlignBinary.run(["eval", "--model", out.path, "--data", world.data.path])
        XCTAssertEqual(e.status, 0, e.err)
        XCTAssertEqual(e.out.components(separatedBy: "/final\n").count - 1, 3, e.out)
        XCTAssertTrue(e.out.contains("== Over 3 runs (test pairs; mean ± std)"), e.out)
        XCTAssertTrue(e.out.contains("worst-group test loss over 3 seeds: \(expected.formatted())"), "eval scores what align scored: \(e.out) vs \(worst)")

        // report of the top folder renders the seed runs and their table.
        let r = try TinyAlignBinary.run(["report", out.path, "--out", world.root.appendingPathComponent("r.html").path])
        XCTAssertEqual(r.status, 0, r.err)
        XCTAssertTrue(r.out.contains("runs: 3; worst_group/loss: \(expected.formatted())"), r.out)

        // A second --seeds run into the same folder is refused, naming the finished seed folder.
        let again = try TinyAlignBinary.run(["align", "--model", sft.appendingPathComponent("final").path, "--data", world.data.path,
                                             "--out", out.path, "--steps", "1", "--seeds", "2"])
        XCTAssertNotEqual(again.status, 0)
        XCTAssertTrue(again.err.contains("seed-0 already holds a finished run"), again.err)
    }

    func testRunFoldersFindsSeedsInNumericOrder() throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("ta-runfolders-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: root) }
        for path in ["seed-10/dpo", "seed-2/dpo", "seed-2/gr-dpo", "seed-2/sft", "data"] {
            let dir = root.appendingPathComponent(path)
            try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
            if path != "data" { try Data("{}".utf8).write(to: dir.appendingPathComponent("run_config.json")) }
        }
        XCTAssertEqual(RunFolders.find(in: root).map { $0.path.replacingOccurrences(of: root.path + "/", with: "") },
                       ["seed-2/dpo", "seed-2/gr-dpo", "seed-2/sft", "seed-10/dpo"])
        XCTAssertEqual(RunFolders.find(in: root.appendingPathComponent("seed-2/dpo")), [root.appendingPathComponent("seed-2/dpo")])
    }
}
