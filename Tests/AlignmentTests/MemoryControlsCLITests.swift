@testable import Datasets
import Foundation
import Training
import TestSupport
import XCTest

/// `--grad-accum` and `--checkpoint-activations` from the command line: sft and align (gr-dpo) log the same
/// losses and α with them as without, and every training command ends with its peak RSS.
final class MemoryControlsCLITests: XCTestCase {
    func testControlsLeaveTheRunUnchangedAndPeakRSSIsReported() throws {
        let world = try TinyWorld()
        defer { world.remove() }
        let common = ["--model", world.base.path, "--data", world.data.path, "--steps", "2", "--batch-size", "4", "--lr", "1e-3"]
        for (command, extra, keys) in [("sft", [String](), ["loss"]),
                                       ("align", ["--method", "gr-dpo", "--eta-alpha", "1", "--cache-dir", world.root.appendingPathComponent("cache").path],
                                        ["loss", "objective", "alpha/east", "alpha/north", "rewards/margins"])] {
            var runs: [[[String: Any]]] = []
            for controls in [[String](), ["--grad-accum", "2", "--checkpoint-activations"]] {
                let out = world.root.appendingPathComponent("\(command)-\(controls.count)")
                let r = try TinyAlignBinary.run([command] + common + extra + controls + ["--out", out.path])
                XCTAssertEqual(r.status, 0, r.err)
                let last = r.out.split(separator: "\n").last.map(String.init) ?? ""
                XCTAssertTrue(last.hasPrefix("peak RSS: ") && last.hasSuffix(" MB"), "\(command) ends with its peak RSS: \(r.out)")
                XCTAssertGreaterThan(Double(last.dropFirst(10).dropLast(3)) ?? 0, 1, last)
                runs.append(try MetricsLog.read(out.appendingPathComponent("metrics.jsonl")).filter { ($0["split"] as? String) == "train" })
            }
            XCTAssertEqual(runs[0].count, 2)
            XCTAssertEqual(runs[1].count, 2)
            for (a, b) in zip(runs[1], runs[0]) {
                for key in keys {
                    XCTAssertEqual((a[key] as! NSNumber).doubleValue, (b[key] as! NSNumber).doubleValue, accuracy: 1e-5, "\(command) \(key)")
                }
            }
        }
    }
}
