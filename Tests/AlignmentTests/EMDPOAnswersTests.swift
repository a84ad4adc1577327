import Alignment
@testable import Datasets
@testable import Recipes
import Training
import Autograd
import Foundation
import Models
import TensorCore
import Tokenizer
import XCTest

/// EM-DPO's type policies answer when the M-steps carry the SFT term (`--sft-weight`, TRL's RPO): on a tiny GPT,
/// every type's policy greedily emits the best-ranked response of a training prompt, token for token, and stops
/// at EOS; the same run without the term does not.
final class EMDPOAnswersTests: XCTestCase {
    /// Four questions, three options each; every annotator puts the same option first (so there is one right
    /// answer per prompt) and the two hidden types disagree on the order of the other two.
    func makeWorld(_ root: URL) throws -> (data: URL, model: URL, rankings: [RankingExample]) {
        let questions = ["Which drink?", "Which colour?", "Which pet?", "Which weather?"]
        let options = [["tea", "coffee", "water"], ["red", "blue", "green"], ["cats", "dogs", "birds"], ["sun", "rain", "snow"]]
        var rankings: [RankingExample] = []
        for u in 0..<6 {
            for (q, opts) in options.enumerated() {
                let best = q % 3
                let rest = (0..<3).filter { $0 != best }
                rankings.append(RankingExample(prompt: questions[q] + "\nAnswer:", responses: opts.map { " " + $0 },
                                               ranking: [best] + (u % 2 == 0 ? rest : rest.reversed()),
                                               group: u % 2 == 0 ? "even" : "odd", annotator: "u\(u)"))
            }
        }
        let data = root.appendingPathComponent("rankings.jsonl")
        try RankingExample.save(rankings, to: data)
        let corpus = rankings.map { $0.prompt + $0.responses.joined() }.joined(separator: "\n")
        let tokenizer = try BPETrainer(vocabSize: 300, specialTokens: ["<|endoftext|>"]).train(texts: [corpus])
        let eos = tokenizer.id(for: "<|endoftext|>")!
        let config = GPTConfig(vocabSize: tokenizer.vocabularySize, nPositions: 64, nEmbd: 32, nLayer: 1, nHead: 2, eosTokenId: eos)
        let model = root.appendingPathComponent("sft")
        try Checkpoint.save(try GPT(config, seed: 2), to: model, extraFiles: ["tokenizer.json": Data(tokenizer.tokenizerJSONString().utf8)])
        return (data, model, rankings)
    }

    /// Greedy continuations of every question's prompt by each saved policy, beside the tokens of the right answer
    /// (best-ranked response + EOS), as EM-DPO tokenised them.
    func answers(run out: URL, model: URL, rankings: [RankingExample], types: Int) throws -> [(got: [Int32], want: [Int32])] {
        let bundle = try ModelBundle(model)
        var result: [(got: [Int32], want: [Int32])] = []
        for k in 0..<types {
            let policy = try Checkpoint.load(from: out.appendingPathComponent("policy-\(k)"))
            for e in rankings.prefix(4) {
                let seq = try XCTUnwrap(bundle.encoder().encode(prompt: e.prompt, response: e.responses[e.ranking[0]]))
                let prompt = Array(seq.ids[..<seq.responseStart])
                let want = Array(seq.ids[seq.responseStart...])
                let ids = try policy.generate(prompt: prompt, maxNewTokens: want.count + 2, sampling: SamplingOptions(temperature: 0),
                                              eos: bundle.eos, seed: 0)
                result.append((Array(ids[prompt.count...]), want))
            }
        }
        return result
    }

    func testTypePoliciesTrainedWithTheSFTTermAnswerTheTrainingPrompts() throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("ta-em-answers-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: root) }
        let world = try makeWorld(root)
        func run(sftWeight: Float, types: Int, into name: String) throws -> [(got: [Int32], want: [Int32])] {
            var em = EMDPOConfig()
            em.types = types; em.rounds = 1; em.stepsPerRound = 60; em.batchSize = 8; em.beta = 0.1; em.lr = 1e-2; em.seed = 1
            em.sftWeight = sftWeight
            let out = root.appendingPathComponent(name)
            try EMDPOJob(model: world.model, data: world.data, out: out, config: em).run(log: { _ in })
            let record = try JSONSerialization.jsonObject(with: Data(contentsOf: out.appendingPathComponent("em.json"))) as! [String: Any]
            XCTAssertEqual(record["sft_weight"] as? Double, Double(sftWeight))
            return try answers(run: out, model: world.model, rankings: world.rankings, types: types)
        }
        let withTerm = try run(sftWeight: 1, types: 2, into: "with")
        XCTAssertEqual(withTerm.count, 8)
        for (i, a) in withTerm.enumerated() {
            XCTAssertEqual(a.got, a.want, "policy \(i / 4), question \(i % 4): the greedy answer is the best-ranked response + EOS")
        }
        // One type is enough to show it: the preference term alone does not teach the policy to answer.
        let without = try run(sftWeight: 0, types: 1, into: "without")
        XCTAssertEqual(without.count, 4)
        XCTAssertLessThanOrEqual(without.filter { $0.got == $0.want }.count, 1, "without the SFT term the greedy answers are not the right ones: \(without)")
    }
}
