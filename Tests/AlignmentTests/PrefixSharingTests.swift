@testable import Alignment
import Autograd
import Foundation
import Models
@testable import Recipes
import TensorCore
import TestSupport
import Training
import XCTest

/// Prefix sharing: responses that share a prompt run the prompt once, in one packed row, and every log-prob,
/// gradient and metric equals the unpacked path's up to float rounding.
final class PrefixSharingTests: XCTestCase {
    /// A sequence of `prompt` then `response` (the response includes its EOS).
    func seq(_ prompt: [Int32], _ response: [Int32]) -> EncodedSequence {
        EncodedSequence(ids: prompt + response, responseStart: prompt.count)
    }

    /// Two pairs and a ranking of three: prompts of 6, 3 and 9 tokens, responses of 1 to 5 tokens, and one
    /// conversational pair whose scored tokens come from a loss mask.
    var sequences: (all: [EncodedSequence], groups: [[Int]]) {
        let p1: [Int32] = [5, 9, 2, 7, 7, 1], p2: [Int32] = [3, 8, 4], p3: [Int32] = [4, 4, 10, 11, 2, 6, 8, 1, 3]
        let all = [seq(p1, [12, 3, 6]), seq(p1, [9]),                    // a response of length 1
                   seq(p2, [1, 2, 3, 4, 5]), seq(p2, [6, 2]),
                   seq(p3, [7, 8]), seq(p3, [7, 1, 2, 9]), seq(p3, [13]),  // a ranking of 3, two sharing a first token
                   EncodedSequence(ids: p2 + [4, 9, 1], lossMask: [false, false, false, false, true, true]),
                   EncodedSequence(ids: p2 + [4, 6], lossMask: [false, false, false, false, true])]
        return (all, [[0, 1], [2, 3], [4, 5, 6], [7, 8]])
    }

    func gpt() throws -> GPT {
        try GPT(GPTConfig(vocabSize: 16, nPositions: 32, nEmbd: 16, nLayer: 2, nHead: 2), seed: 3)
    }

    /// GQA (4 query heads, 2 key/value heads), RoPE, q/k/v biases, an untied head.
    func llama() throws -> Llama {
        try Llama(LlamaConfig(modelType: "qwen2", vocabSize: 16, hiddenSize: 16, intermediateSize: 24, numLayers: 2, numHeads: 4,
                              numKeyValueHeads: 2, maxPositions: 32, tieWordEmbeddings: false), seed: 5)
    }

    func testLayoutRunsEachPromptOnceAndScoresTheSharedPositionPerResponse() throws {
        let (all, groups) = sequences
        let packed = try SharedPrefixBatch(sequences: all, groups: groups, padId: 0)
        XCTAssertEqual(packed.rows, 4)
        // Row 0: the first 5 prompt tokens once, then [last prompt token, response] for each of the two responses.
        let row0 = Array(packed.ids[0..<packed.length])
        XCTAssertEqual(Array(row0[0..<11]), [5, 9, 2, 7, 7] + [1, 12, 3, 6] + [1, 9])
        XCTAssertEqual(Array(packed.layout.positions[0..<11]), [0, 1, 2, 3, 4, 5, 6, 7, 8, 5, 6])
        XCTAssertEqual(Array(packed.layout.segments[0..<11]), [0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2])
        XCTAssertEqual(Array(packed.targets[0..<11]), [-100, -100, -100, -100, -100, 12, 3, 6, -100, 9, -100])
        XCTAssertEqual(Array(packed.owners[0..<11]), [-1, -1, -1, -1, -1, 0, 0, 0, -1, 1, -1])
        // The longest row is the ranking's: 8 + (1 + 2) + (1 + 4) + (1 + 1) tokens, instead of 3 rows of up to 13.
        XCTAssertEqual(packed.length, 18)
        // Every scored token of every sequence is scored exactly once.
        for (i, s) in all.enumerated() { XCTAssertEqual(packed.owners.filter { $0 == i }.count, s.responseLength, "sequence \(i)") }
        // The conversational pair shares its 4 common ids and is scored only where its mask says.
        let row3 = 3 * packed.length
        XCTAssertEqual(Array(packed.ids[row3..<(row3 + 8)]), [3, 8, 4, 4, 9, 1, 4, 6])
        XCTAssertEqual(Array(packed.targets[row3..<(row3 + 8)]), [-100, -100, -100, 9, 1, -100, 6, -100])
    }

    func testSequencesThatShareNothingGetRowsOfTheirOwn() throws {
        let a = seq([1, 2], [3]), b = seq([4, 2], [5, 6])
        let packed = try SharedPrefixBatch(sequences: [a, b], groups: [[0, 1]], padId: 0)
        XCTAssertEqual(packed.rows, 2)
        XCTAssertEqual(packed.ids, [1, 2, 3, 0, 4, 2, 5, 6])
        XCTAssertEqual(packed.layout.positions, [0, 1, 2, 0, 0, 1, 2, 3])
        XCTAssertThrowsError(try SharedPrefixBatch(sequences: [a, b], groups: [[0]], padId: 0))
    }

    /// Packed and unpacked log-probs of every sequence agree to 1e-5 (relative).
    func assertPackedMatchesUnpacked(_ model: any CausalLanguageModel, file: StaticString = #filePath, line: UInt = #line) throws {
        let (all, groups) = sequences
        let unpacked = try withNoGrad { try SequenceLogProbs.compute(model: model, sequences: all, padId: 0) }.value.scalars
        let packed = try withNoGrad { try SequenceLogProbs.compute(model: model, sequences: all, sharing: groups, padId: 0) }.value.scalars
        assertClose(packed, unpacked, rtol: 1e-5, atol: 1e-5, file: file, line: line)
        let off = try PrefixSharing.with(false) {
            try withNoGrad { try SequenceLogProbs.compute(model: model, sequences: all, sharing: groups, padId: 0) }.value.scalars
        }
        XCTAssertEqual(off, unpacked, file: file, line: line)
    }

    func testGPTPackedLogProbsEqualUnpacked() throws { try assertPackedMatchesUnpacked(try gpt()) }

    func testLlamaPackedLogProbsEqualUnpacked() throws { try assertPackedMatchesUnpacked(try llama()) }

    /// Every token's hidden state in the packed row equals its state in its own unpacked row.
    func testPackedHiddenStatesEqualUnpacked() throws {
        let model = try llama()
        let a = seq([3, 1, 4, 1], [5, 9]), b = seq([3, 1, 4, 1], [2])
        let packed = try SharedPrefixBatch(sequences: [a, b], groups: [[0, 1]], padId: 0)
        let h = try withNoGrad { try model.lastHiddenStates(packed.ids, batch: 1, rows: packed.layout) }.value.scalars
        let ha = try withNoGrad { try model.lastHiddenStates(a.ids, batch: 1) }.value.scalars
        let hb = try withNoGrad { try model.lastHiddenStates(b.ids, batch: 1) }.value.scalars
        let c = model.hiddenSize
        // packed row: [3, 1, 4] [1, 5, 9] [1, 2] -> a's positions 0…5, then b's positions 3…4
        assertClose(Array(h[0..<(6 * c)]), ha, rtol: 1e-5, atol: 1e-6)
        assertClose(Array(h[(6 * c)..<(8 * c)]), Array(hb[(3 * c)..<(5 * c)]), rtol: 1e-5, atol: 1e-6)
    }

    /// The DPO loss's parameter gradients through packed rows equal the unpacked ones to 1e-5.
    func assertDPOGradientsMatch(_ model: any CausalLanguageModel, file: StaticString = #filePath, line: UInt = #line) throws {
        let (all, _) = sequences
        let chosen = [all[0], all[2], all[4], all[7]], rejected = [all[1], all[3], all[5], all[8]]
        func gradients(sharing: Bool) throws -> (loss: Float, grads: [[Float]]) {
            model.parameters.forEach { $0.zeroGrad() }
            let lp = try PrefixSharing.with(sharing) {
                try SequenceLogProbs.pairs(model: model, chosen: chosen, rejected: rejected, padId: 0)
            }
            let batch = PairLogProbs(policyChosen: try lp.sliced(axis: 0, range: 0..<4), policyRejected: try lp.sliced(axis: 0, range: 4..<8),
                                     referenceChosen: Tensor(shape: [4], [-9, -3, -8, -5]), referenceRejected: Tensor(shape: [4], [-2, -7, -11, -4]))
            let loss = try DPOLoss(beta: 0.5).perPairLoss(batch).mean()
            loss.backward()
            return (loss.value.scalars[0], model.parameters.map { $0.grad?.scalars ?? [] })
        }
        let packed = try gradients(sharing: true), unpacked = try gradients(sharing: false)
        XCTAssertEqual(packed.loss, unpacked.loss, accuracy: 1e-5 * max(1, abs(unpacked.loss)), file: file, line: line)
        XCTAssertGreaterThan(unpacked.grads.flatMap { $0 }.map(abs).max() ?? 0, 1e-4, "the loss moves the weights", file: file, line: line)
        for (p, u) in zip(packed.grads, unpacked.grads) { assertClose(p, u, rtol: 1e-5, atol: 1e-5, file: file, line: line) }
    }

    func testGPTDPOGradientsEqualUnpacked() throws { try assertDPOGradientsMatch(try gpt()) }

    func testLlamaDPOGradientsEqualUnpacked() throws { try assertDPOGradientsMatch(try llama()) }

    func testLlamaDPOGradientsWithCheckpointedActivationsEqualUnpacked() throws {
        let model = try llama()
        model.checkpointActivations = true
        try assertDPOGradientsMatch(model)
    }

    /// A short GR-DPO run (reference cache, training, evaluation) writes the same metrics with and without sharing.
    func testAlignRunMetricsEqualUnpackedRun() throws {
        let world = try TinyWorld()
        defer { world.remove() }
        var config = AlignConfig()
        config.method = "gr-dpo"
        config.etaAlpha = 0.5
        config.steps = 4
        config.batchSize = 4
        config.evalEvery = 2
        config.lr = 1e-3
        func run(_ name: String, sharing: Bool) throws -> [[String: Any]] {
            let out = world.root.appendingPathComponent(name)
            var job = AlignJob(model: world.base, data: world.data, out: out, config: config)
            job.showProgress = false
            try PrefixSharing.with(sharing) { try job.run(log: { _ in }) }
            return try MetricsLog.read(out.appendingPathComponent("metrics.jsonl"))
        }
        let on = try run("on", sharing: true), off = try run("off", sharing: false)
        XCTAssertEqual(on.count, off.count)
        XCTAssertGreaterThan(on.count, 2)
        for (x, y) in zip(on, off) {
            XCTAssertEqual(Set(x.keys), Set(y.keys))
            for (k, v) in x where !k.contains("time") && !k.hasSuffix("_s") && !k.contains("memory") && !k.contains("rss") {
                guard let d = v as? Double, let e = y[k] as? Double else { continue }
                // An accuracy counts margins > 0: at step 1 the policy is the reference and every margin is 0 up to
                // rounding, so it is compared only once the margins are clearly away from 0.
                if k.hasSuffix("rewards/accuracies"), let m = x[k.replacingOccurrences(of: "accuracies", with: "margins")] as? Double,
                   abs(m) < 1e-3 { continue }
                XCTAssertEqual(d, e, accuracy: 1e-4 * max(1, abs(e)), "step \(x["step"]!) \(k)")
            }
        }
    }

    /// `--prefix-sharing off` reaches the trainer (same losses as on, up to rounding); a bad value is a usage error.
    func testCommandLineSwitch() throws {
        let world = try TinyWorld()
        defer { world.remove() }
        func losses(_ mode: String) throws -> [Double] {
            let out = world.root.appendingPathComponent(mode)
            let r = try TinyAlignBinary.run(["align", "--model", world.base.path, "--data", world.data.path, "--out", out.path,
                                             "--steps", "3", "--batch-size", "4", "--prefix-sharing", mode])
            XCTAssertEqual(r.status, 0, r.err)
            return try MetricsLog.read(out.appendingPathComponent("metrics.jsonl")).filter { $0["split"] as? String == "train" }
                .map { ($0["loss"] as! NSNumber).doubleValue }
        }
        let on = try losses("on"), off = try losses("off")
        XCTAssertEqual(on.count, 3)
        for (a, b) in zip(on, off) { XCTAssertEqual(a, b, accuracy: 1e-4) }
        let bad = try TinyAlignBinary.run(["eval", "--model", "/x", "--data", "/y", "--prefix-sharing", "maybe"])
        XCTAssertEqual(bad.status, 2)
        XCTAssertEqual(bad.err, "Error: --prefix-sharing must be on or off, got maybe\n")
    }
}
