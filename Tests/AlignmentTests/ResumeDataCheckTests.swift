import Foundation
import TestSupport
import XCTest

/// Issue 17, item 9, its second half: `align --resume` over a smaller data file used to trap (index out of range in
/// the sampler); the data's fingerprint is part of the run manifest, so the resume is refused in one line naming
/// the data, and the checkpoint is left as it was.
final class ResumeDataCheckTests: XCTestCase {
    func testResumeOverASmallerDataFileIsRefusedNamingTheData() throws {
        let world = try TinyWorld()
        defer { world.remove() }
        let data = world.root.appendingPathComponent("pairs.jsonl"), out = world.root.appendingPathComponent("run")
        let lines = try String(contentsOf: world.data, encoding: .utf8).split(separator: "\n")
        try (lines.joined(separator: "\n") + "\n").write(to: data, atomically: true, encoding: .utf8)
        let args = ["align", "--method", "dpo", "--model", world.base.path, "--data", data.path, "--steps", "2",
                    "--batch-size", "4", "--out", out.path]
        XCTAssertEqual(try TinyAlignBinary.run(args).status, 0)
        let before = try Data(contentsOf: out.appendingPathComponent("checkpoint/model.safetensors"))

        try (lines.prefix(lines.count / 3).joined(separator: "\n") + "\n").write(to: data, atomically: true, encoding: .utf8)
        let resumed = try TinyAlignBinary.run(args + ["--resume"])
        XCTAssertNotEqual(resumed.status, 0)
        let refusal = resumed.err.split(separator: "\n").filter { $0.contains("cannot resume") }
        XCTAssertEqual(refusal.count, 1, resumed.err)
        XCTAssertTrue(refusal.first?.contains("was run with data.") ?? false, resumed.err)
        XCTAssertEqual(try Data(contentsOf: out.appendingPathComponent("checkpoint/model.safetensors")), before)
    }
}
