import Alignment
@testable import Datasets
@testable import Recipes
@testable import Report
import Training
import Autograd
import Foundation
import Models
import TensorCore
import XCTest

/// Min-max regret aggregation on tiny random checkpoints: L against a naive re-computation from fresh samples,
/// the structure of R, the solved weights, `aggregate.json` and the mixture's draws.
final class AggregationTests: XCTestCase {
    /// log π(y|x) of one sequence by a plain loop: Σ over response positions of log softmax(logits)[next id].
    func naiveLogProb(_ model: any CausalLanguageModel, _ seq: EncodedSequence) throws -> Double {
        let logits = try model.logits(seq.ids, batch: 1).value.scalars
        let v = model.vocabularySize
        var total = 0.0
        for p in (seq.responseStart - 1)..<(seq.ids.count - 1) {
            let row = logits[(p * v)..<((p + 1) * v)].map(Double.init)
            let m = row.max()!
            let logZ = m + log(row.reduce(0) { $0 + exp($1 - m) })
            total += row[Int(seq.ids[p + 1])] - logZ
        }
        return total
    }

    func testRegretMatrixWeightsAndFile() throws {
        let world = try AggregationWorld()
        defer { world.remove() }
        let outDir = world.root.appendingPathComponent("out")
        let out = outDir.appendingPathComponent("aggregate.json")
        try FileManager.default.createDirectory(at: outDir, withIntermediateDirectories: true)
        // A longer stale file must be replaced whole, not overwritten in place.
        try Data(String(repeating: "stale ", count: 2000).utf8).write(to: out)
        var job = AggregateJob(policies: world.policies, prompts: world.prompts, out: out)
        job.samplesPerPrompt = 2
        job.maxNewTokens = 5
        job.seed = 11
        let result = try job.run()
        XCTAssertEqual(result.reference, world.reference.standardizedFileURL.path, "reference from pi0's run_config.json")

        // L[i, j] from samples regenerated independently from π_j with the documented seeds.
        let models = try world.policies.map { try Checkpoint.load(from: $0) }
        let ref = try Checkpoint.load(from: world.reference)
        let eos = Int32(world.tokenizer.id(for: "<|endoftext|>")!)
        var expected = [[Double]](repeating: [0, 0], count: 2)
        for (j, pj) in models.enumerated() {
            var sequences: [EncodedSequence] = []
            for (p, line) in world.promptLines.enumerated() {
                let prompt = world.tokenizer.encode(GroupPrompt().render(prompt: line.0, group: line.1)).map(Int32.init)
                for s in 0..<2 {
                    let seed = CrossPolicyLogRatios.sampleSeed(base: 11, policy: j, prompt: p, sample: s)
                    var y = Array(try pj.generate(prompt: prompt, maxNewTokens: 5, sampling: SamplingOptions(temperature: 1),
                                                  eos: eos, seed: seed)[prompt.count...])
                    if y.last == eos { y.removeLast() }
                    sequences.append(EncodedSequence(ids: prompt + y + [eos], responseStart: prompt.count))
                }
            }
            for (i, pi) in models.enumerated() {
                var sum = 0.0
                for seq in sequences { sum += try naiveLogProb(pi, seq) - naiveLogProb(ref, seq) }
                expected[i][j] = sum / Double(sequences.count)
            }
        }
        for i in 0..<2 {
            for j in 0..<2 {
                XCTAssertEqual(result.logRatios[i][j], expected[i][j], accuracy: 1e-3 + 1e-4 * abs(expected[i][j]), "L[\(i),\(j)]")
            }
        }
        // The check above tells L from its transpose only if L is not symmetric.
        XCTAssertGreaterThan(abs(expected[0][1] - expected[1][0]), 0.05, "L = \(expected)")

        let r = result.regrets
        XCTAssertEqual(r.count, 3)
        for i in 0..<2 {
            XCTAssertEqual(r[i][i], 0)
            for j in 0..<2 { XCTAssertEqual(r[i][j], result.logRatios[i][i] - result.logRatios[i][j]) }
        }
        XCTAssertEqual(r[2], [0, 0], "the no-regret row")

        let w = result.weights, q = result.solution.row
        XCTAssertEqual(w.reduce(0, +), 1, accuracy: 1e-12)
        XCTAssertEqual(q.reduce(0, +), 1, accuracy: 1e-12)
        XCTAssertTrue(w.allSatisfy { $0 >= 0 } && q.allSatisfy { $0 >= 0 })
        let qRw = (0..<3).reduce(0.0) { acc, i in acc + q[i] * (0..<2).reduce(0.0) { $0 + r[i][$1] * w[$1] } }
        XCTAssertEqual(result.solution.value, qRw, accuracy: 1e-12)
        let spread = r.flatMap { $0 }.max()! - r.flatMap { $0 }.min()!
        XCTAssertEqual(result.solution.value, result.exactValue, accuracy: 1e-3 * spread)
        XCTAssertGreaterThanOrEqual(result.exactValue, -1e-12, "the zero row keeps the value ≥ 0")

        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: outDir.path), ["aggregate.json"], "no temporary files left")
        let obj = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(contentsOf: out)) as? [String: Any])
        // JSONSerialization may drop the 17th significant digit, hence the tolerance.
        func near(_ a: Any?, _ b: [Double], _ what: String) {
            guard let a = a as? [Double], a.count == b.count else { return XCTFail("\(what): \(String(describing: a))") }
            for (x, y) in zip(a, b) { XCTAssertEqual(x, y, accuracy: 1e-12 * max(1, abs(y)), what) }
        }
        for i in 0..<2 { near((obj["L"] as? [Any])?[i], result.logRatios[i], "L") }
        for i in 0..<3 { near((obj["R"] as? [Any])?[i], result.regrets[i], "R") }
        near(obj["weights"], w, "weights")
        near(obj["adversary"], q, "adversary")
        near([obj["value"] as Any, obj["lp_value"] as Any].compactMap { $0 as? Double }, [result.solution.value, result.exactValue], "values")
        XCTAssertEqual(obj["policies"] as? [String], world.policies.map { $0.standardizedFileURL.path })
        let mixture = try PolicyMixture.load(out)
        near(mixture.weights, w, "mixture weights")
        XCTAssertEqual(mixture.policies.map(\.path), world.policies.map { $0.standardizedFileURL.path })
    }

    func testMixtureDrawsFollowTheWeights() throws {
        let weights = [0.2, 0.5, 0.0, 0.3]
        let mixture = try PolicyMixture(policies: weights.indices.map { URL(fileURLWithPath: "/p\($0)") }, weights: weights)
        var rng = SeededGenerator(seed: 3)
        var counts = [0, 0, 0, 0]
        let n = 20_000
        for _ in 0..<n { counts[mixture.draw(using: &rng)] += 1 }
        XCTAssertEqual(counts[2], 0, "a zero-weight policy never serves")
        for j in weights.indices { XCTAssertEqual(Double(counts[j]) / Double(n), weights[j], accuracy: 0.015, "policy \(j)") }
    }

    func testBadInputsNameTheProblem() throws {
        let urls = [URL(fileURLWithPath: "/a"), URL(fileURLWithPath: "/b")]
        XCTAssertThrowsError(try PolicyMixture(policies: urls, weights: [0.5, 0.4], source: "agg.json")) {
            XCTAssertEqual("\($0)", "agg.json: the weights sum to 0.9, not 1")
        }
        XCTAssertThrowsError(try PolicyMixture(policies: urls, weights: [1], source: "agg.json")) {
            XCTAssertTrue("\($0)".contains("1 weights for 2 policies"), "\($0)")
        }
        XCTAssertThrowsError(try RegretMatrix(logRatios: [[0, 1], [2]])) { XCTAssertTrue("\($0)".contains("square"), "\($0)") }
        let world = try AggregationWorld()
        defer { world.remove() }
        let job = AggregateJob(policies: [world.policies[1]], prompts: world.prompts, out: world.root.appendingPathComponent("a.json"))
        XCTAssertThrowsError(try job.run()) { XCTAssertTrue("\($0)".contains("no reference given"), "\($0)") }
        let long = world.root.appendingPathComponent("long.jsonl")
        try "{\"prompt\": \"short\"}\n{\"prompt\": \"\(String(repeating: "zq ", count: 80))\"}\n".write(to: long, atomically: true, encoding: .utf8)
        let tooLong = AggregateJob(policies: world.policies, prompts: long, out: world.root.appendingPathComponent("a.json"),
                                   reference: world.reference)
        XCTAssertThrowsError(try tooLong.run()) {
            XCTAssertTrue("\($0)".hasPrefix("\(long.path):2: prompt is"), "\($0)")
        }
    }
}
