import Foundation
import XCTest

/// `tinyalign aggregate` then `tinyalign generate --mixture` through the real binary.
extension EndToEndCLITests {
    func testAggregateThenServeTheMixture() throws {
        let world = try AggregationWorld()
        defer { world.remove() }
        let out = world.root.appendingPathComponent("aggregate.json")
        let agg = try run(["aggregate", "--policies"] + world.policies.map(\.path)
                          + ["--prompts", world.prompts.path, "--out", out.path, "--samples-per-prompt", "2", "--max-new-tokens", "4"])
        XCTAssertEqual(agg.status, 0, agg.err)
        XCTAssertTrue(agg.out.contains("weights w"), agg.out)
        let obj = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(contentsOf: out)) as? [String: Any])
        let weights = try XCTUnwrap(obj["weights"] as? [Double])
        XCTAssertEqual(weights.reduce(0, +), 1, accuracy: 1e-9)

        let queries = ["Is tea good?", "Name a color.", "Is the sky blue?", "Is tea good?"]
        let gen = try run(["generate", "--mixture", out.path, "--max-new-tokens", "3", "--seed", "5"]
                          + queries.flatMap { ["--prompt", $0] })
        XCTAssertEqual(gen.status, 0, gen.err)
        let served = gen.out.split(separator: "\n").filter { $0.hasPrefix("[policy ") }
        XCTAssertEqual(served.count, queries.count, gen.out)
        for line in served {
            XCTAssertTrue(world.policies.contains { line.hasSuffix(": \($0.standardizedFileURL.path)]") }, String(line))
        }
        // The same seed serves the same policies and text.
        XCTAssertEqual(try run(["generate", "--mixture", out.path, "--max-new-tokens", "3", "--seed", "5"]
                                + queries.flatMap { ["--prompt", $0] }).out, gen.out)

        let both = try run(["generate", "--model", world.policies[0].path, "--mixture", out.path])
        XCTAssertNotEqual(both.status, 0)
        XCTAssertTrue(both.err.contains("exactly one of --model"), both.err)
        let neither = try run(["generate", "--prompt", "hi"])
        XCTAssertNotEqual(neither.status, 0)
        XCTAssertTrue(neither.err.contains("exactly one of --model"), neither.err)
        // --model keeps its old output: the continuation alone.
        let single = try run(["generate", "--model", world.policies[0].path, "--prompt", "Is tea", "--max-new-tokens", "3"])
        XCTAssertEqual(single.status, 0, single.err)
        XCTAssertTrue(single.out.hasPrefix("Is tea") && !single.out.contains("[policy"), single.out)
    }
}
