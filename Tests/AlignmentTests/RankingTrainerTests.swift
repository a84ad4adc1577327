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

/// Plackett–Luce training through a GPT: on pairs it retraces DPO's trainer step for step; on 3-way rankings it
/// lowers the ranking loss and reports the DPO family's metrics.
final class RankingTrainerTests: XCTestCase {
    func testPairsTrainExactlyLikeDPO() throws {
        let world = try TinyWorld()
        defer { world.remove() }
        let bundle = try ModelBundle(world.base)
        let examples = try PreferenceExample.load(world.data)
        let groups = try PreferenceSet.groupNames(of: examples, file: "prefs")
        var config = AlignConfig()
        config.steps = 3; config.batchSize = 4; config.lr = 1e-3; config.warmupSteps = 1; config.beta = 0.2
        config.method = "gr-dpo"; config.etaAlpha = 0.5

        let pairs = try PreferenceSet(examples: examples, groups: groups, encoder: bundle.encoder(), prompt: GroupPrompt())
        let dpoOut = world.root.appendingPathComponent("dpo")
        let dpoPolicy = try Checkpoint.load(from: world.base)
        let dpoTask = try PreferenceTask(policy: dpoPolicy, config: config, train: pairs,
                                         trainReference: try ReferenceLogProbs.compute(model: bundle.model, pairs: pairs.pairs, padId: bundle.eos),
                                         validation: nil, validationReference: nil, padId: bundle.eos)
        try TrainingDriver(model: TrainableLanguageModel(dpoPolicy), task: dpoTask,
                           manifest: RunManifest(task: "align", training: config.training, settings: config), out: dpoOut).run()

        config.method = "gr-pl"
        let rankings = try RankingSet(examples: examples.map(RankingExample.init(pair:)), groups: groups,
                                      encoder: bundle.encoder(), prompt: GroupPrompt())
        let plOut = world.root.appendingPathComponent("pl")
        let plPolicy = try Checkpoint.load(from: world.base)
        let plTask = try RankingTask(policy: plPolicy, config: config, train: rankings,
                                     reference: try rankings.referenceLogProbs(model: bundle.model, padId: bundle.eos), padId: bundle.eos)
        try TrainingDriver(model: TrainableLanguageModel(plPolicy), task: plTask,
                           manifest: RunManifest(task: "rank", training: config.training, settings: config), out: plOut).run()

        func lines(_ dir: URL) throws -> [[String: Any]] {
            try String(contentsOf: dir.appendingPathComponent("metrics.jsonl"), encoding: .utf8).split(separator: "\n")
                .map { try JSONSerialization.jsonObject(with: Data($0.utf8)) as! [String: Any] }
        }
        let dpo = try lines(dpoOut), pl = try lines(plOut)
        XCTAssertEqual(pl.count, 3)
        for (step, (d, p)) in zip(dpo, pl).enumerated() {
            // at step 1 policy = reference: every margin is 0 up to rounding, so the accuracy there is a tie-break
            for key in ["objective", "loss", "rewards/margins", "alpha/east"] + (step > 0 ? ["rewards/accuracies"] : []) {
                XCTAssertEqual(p[key] as! Double, d[key] as! Double, accuracy: 1e-5, "step \(step + 1) \(key)")
            }
        }
        // the two batch layouts (chosen block + rejected block vs response after response) sum the weight gradients
        // in a different order; Adam's normalised steps keep the difference at rounding level
        for (a, b) in zip(dpoPolicy.parameters, plPolicy.parameters) {
            XCTAssertEqual(zip(a.value.scalars, b.value.scalars).map { abs($0 - $1) }.max()!, 0, accuracy: 2e-5)
        }
    }

    func testRankingsOfThreeLowerTheRankingLoss() throws {
        let world = try TinyWorld()
        defer { world.remove() }
        // rankings of three letters, one order per group: north A ≻ B ≻ C, south C ≻ B ≻ A, east B ≻ A ≻ C
        var examples: [RankingExample] = []
        let orders = ["north": [0, 1, 2], "south": [2, 1, 0], "east": [1, 0, 2]]
        for q in 0..<30 {
            let g = ["north", "south", "east"][q % 3]
            examples.append(RankingExample(prompt: "Is item \(q % 9) good?\nPlease select the best response:\nA. yes\nB. no",
                                           responses: [" A", " B", " C"], ranking: q % 2 == 0 ? orders[g]! : Array(orders[g]!.prefix(1)),
                                           group: g))
        }
        let data = world.root.appendingPathComponent("rankings.jsonl")
        try RankingExample.save(examples, to: data)
        var config = AlignConfig()
        config.method = "pl"; config.steps = 12; config.batchSize = 8; config.lr = 3e-3; config.warmupSteps = 1; config.beta = 1
        let out = world.root.appendingPathComponent("run")
        var job = RankJob(model: world.base, data: data, out: out, config: config)
        job.showProgress = false
        let metrics = try job.run(log: { _ in }).metrics

        // mean PL loss of the training-free check: all 30 rankings under the reference (r = 0) and the trained policy
        let bundle = try ModelBundle(world.base)
        let set = try RankingSet(examples: examples, groups: ["east", "north", "south"], encoder: bundle.encoder(), prompt: GroupPrompt())
        let all = Array(set.lists.indices)
        func meanLoss(_ model: any CausalLanguageModel) throws -> Float {
            try withNoGrad {
                let lp = try set.logProbs(model: model, lists: all, padId: bundle.eos)
                let ref = try set.logProbs(model: bundle.model, lists: all, padId: bundle.eos).value
                return try PlackettLuceLoss(beta: 1).perListLoss(policy: lp, reference: ref, lists: set.flatLists(all)).mean().value.item
            }
        }
        let before = try meanLoss(bundle.model), after = try meanLoss(try Checkpoint.load(from: out.appendingPathComponent("final")))
        // at r = 0: full rankings cost ln 3 + ln 2, top-1 choices ln 3; half of each
        XCTAssertEqual(before, Float((log(6.0) + log(3.0)) / 2), accuracy: 1e-5)
        XCTAssertLessThan(after, before - 0.1)
        // held-out metrics in the DPO family's names, per group
        for key in ["loss", "rewards/accuracies", "group/north/loss", "worst_group/loss"] { XCTAssertNotNil(metrics[key], key) }
        let evalJSON = try JSONSerialization.jsonObject(with: Data(contentsOf: out.appendingPathComponent("eval.json"))) as! [String: Any]
        XCTAssertEqual(evalJSON["loss"] as! Double, metrics["loss"]!, accuracy: 1e-12)
    }
}
