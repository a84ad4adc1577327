import Alignment
@testable import Datasets
@testable import Recipes
@testable import Report
import Training
import Autograd
import Foundation
import Models
import TensorCore
import Tokenizer
import XCTest

/// EM-DPO end to end on a tiny GPT: the written policies, posteriors and em.json agree with an independent
/// recomputation of the E-step from the saved checkpoints.
final class EMDPOJobTests: XCTestCase {
    func testRunWritesConsistentPoliciesPosteriorsAndSummary() throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("ta-em-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: root) }
        var synth = SurveySynthesizer(groups: SurveySynthesizer.groupNames(count: 2), questions: 20, seed: 3)
        synth.groupLean = 0.8
        let survey = try synth.generate()
        var maker = SurveyAnnotators(annotators: 6, seed: 4)
        maker.questionsPerAnnotator = 4
        maker.rankingSize = 3
        let data = root.appendingPathComponent("annotators.jsonl")
        let rankings = try maker.rankings(survey)
        try RankingExample.save(rankings, to: data)

        let corpus = rankings.map { $0.prompt + $0.responses.joined() }.joined(separator: "\n")
        let tokenizer = try BPETrainer(vocabSize: 300, specialTokens: ["<|endoftext|>"]).train(texts: [corpus])
        let eos = tokenizer.id(for: "<|endoftext|>")!
        let config = GPTConfig(vocabSize: tokenizer.vocabularySize, nPositions: 128, nEmbd: 16, nLayer: 1, nHead: 2, eosTokenId: eos)
        let sft = root.appendingPathComponent("sft")
        try Checkpoint.save(try GPT(config, seed: 1), to: sft, extraFiles: ["tokenizer.json": Data(tokenizer.tokenizerJSONString().utf8)])

        var em = EMDPOConfig()
        em.types = 2; em.rounds = 2; em.stepsPerRound = 3; em.batchSize = 8; em.beta = 0.5; em.lr = 3e-3; em.seed = 1
        let out = root.appendingPathComponent("run")
        let summary = try EMDPOJob(model: sft, data: data, out: out, config: em).run(log: { _ in })

        let record = try JSONSerialization.jsonObject(with: Data(contentsOf: out.appendingPathComponent("em.json"))) as! [String: Any]
        let posteriors = try JSONSerialization.jsonObject(with: Data(contentsOf: out.appendingPathComponent("posteriors.json"))) as! [String: [Double]]
        let priors = record["priors"] as! [[Double]]
        XCTAssertEqual(priors.count, 2)
        for round in priors { XCTAssertEqual(round.reduce(0, +), 1, accuracy: 1e-9) }
        XCTAssertEqual(posteriors.count, 6)

        // independent E-step: every list's PL log-likelihood under each saved policy against the SFT reference
        let bundle = try ModelBundle(sft)
        let set = try RankingSet(examples: rankings, groups: Array(Set(rankings.map(\.group))).sorted(),
                                 encoder: bundle.encoder(), prompt: GroupPrompt(template: nil))
        XCTAssertEqual(set.lists.count, rankings.count)
        let all = Array(set.lists.indices)
        let ref = try withNoGrad { try set.logProbs(model: bundle.model, lists: all, padId: bundle.eos).value.scalars }
        var logPost = [String: [Double]]()
        for k in 0..<2 {
            let policy = try Checkpoint.load(from: out.appendingPathComponent("policy-\(k)"))
            let lp = try withNoGrad { try set.logProbs(model: policy, lists: all, padId: bundle.eos).value.scalars }
            XCTAssertGreaterThan(zip(lp, ref).map { abs($0 - $1) }.max()!, 1e-4, "policy \(k) moved away from the SFT model")
            let r = Tensor(shape: [lp.count], zip(lp, ref).map { 0.5 * ($0 - $1) })
            let nll = try Variable.plackettLuceNLL(rewards: Variable(r), lists: set.flatLists(all)).value.scalars
            for (e, l) in zip(rankings, nll) {
                logPost[e.annotator!, default: priors[1].map { log($0) }][k] -= Double(l)
            }
        }
        var ll = 0.0
        for (name, row) in logPost {
            let m = row.max()!
            let lse = m + log(row.map { exp($0 - m) }.reduce(0, +))
            ll += lse
            for k in 0..<2 { XCTAssertEqual(posteriors[name]![k], exp(row[k] - lse), accuracy: 2e-3, name) }
        }
        XCTAssertEqual((record["log_likelihood"] as! [Double]).last!, ll, accuracy: 1e-2)
        XCTAssertEqual(summary.logLikelihood.last!, ll, accuracy: 1e-2)

        // cluster recovery as reported = recomputed from the posteriors and the hidden groups
        let names = (0..<6).map(SurveyAnnotators.name)
        let predicted = names.map { n in posteriors[n]![0] >= posteriors[n]![1] ? 0 : 1 }
        let truth = names.map { n in survey.groups.firstIndex(of: rankings.first { $0.annotator == n }!.group)! }
        XCTAssertEqual(record["cluster_accuracy"] as! Double, try ClusterRecovery.accuracy(predicted: predicted, truth: truth), accuracy: 1e-12)
        XCTAssertEqual(record["adjusted_rand_index"] as! Double, try ClusterRecovery.adjustedRandIndex(predicted, truth), accuracy: 1e-12)
        XCTAssertEqual(record["type_group_counts"] as! [[Int]], (0..<2).map { k in (0..<2).map { g in zip(predicted, truth).filter { $0 == (k, g) }.count } })
    }
}
