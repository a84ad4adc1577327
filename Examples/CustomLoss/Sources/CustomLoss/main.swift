// Extending TinyAlign without forking it: a preference loss of our own, registered from outside the library and
// trained with every group weighting through the public API (`AlignJob`), on a throwaway world (a tokenizer and a
// random two-layer GPT made here).
//
// The loss: a squared hinge on the implicit reward margin, ℓ = max(0, 1 − β·h)², smooth where hinge is not.
import Alignment
import Autograd
import Datasets
import Foundation
import Models
import Recipes
import TensorCore
import Tokenizer

/// ℓ_i = max(0, 1 − β·h_i)² for the log-ratio margin h_i of each pair, (N).
struct SquaredHingeLoss: PreferenceLoss {
    var beta: Float
    var name: String { "squared-hinge" }
    func perPairLoss(_ batch: PairLogProbs) throws -> Variable {
        let slack = (try batch.logRatioMargin() * -beta + 1).relu()
        return try slack * slack
    }
}

try PreferenceLosses.register("squared-hinge") { SquaredHingeLoss(beta: $0.beta) }

// A world: two groups that prefer opposite answers, 24 pairs, a byte-level BPE and a random GPT.
let root = FileManager.default.temporaryDirectory.appendingPathComponent("tinyalign-custom-loss-\(getpid())")
defer { try? FileManager.default.removeItem(at: root) }
var pairs: [PreferenceExample] = []
for q in 0..<24 {
    let group = q % 3 == 0 ? "minority" : "majority"
    let yes = (group == "majority") == (q % 2 == 0)
    pairs.append(PreferenceExample(prompt: "Is item \(q % 6) good?\nAnswer:", chosen: yes ? " yes" : " no",
                                   rejected: yes ? " no" : " yes", group: group, id: "q\(q)"))
}
let data = root.appendingPathComponent("prefs.jsonl")
try PreferenceExample.save(pairs, to: data)
let text = pairs.map { GroupPrompt().render(prompt: $0.prompt, group: $0.group) + $0.chosen + $0.rejected }.joined(separator: "\n")
let tokenizer = try BPETrainer(vocabSize: 300, specialTokens: ["<|endoftext|>"]).train(texts: [text])
let config = GPTConfig(vocabSize: tokenizer.vocabularySize, nPositions: 64, nEmbd: 32, nLayer: 2, nHead: 2,
                       eosTokenId: tokenizer.id(for: "<|endoftext|>")!)
let base = root.appendingPathComponent("base")
try Checkpoint.save(try GPT(config, seed: 1), to: base, extraFiles: ["tokenizer.json": Data(tokenizer.tokenizerJSONString().utf8)])

for method in ["squared-hinge", "is-squared-hinge", "gr-squared-hinge"] {
    var settings = AlignConfig()
    settings.method = method
    settings.steps = 8
    settings.batchSize = 8
    settings.lr = 1e-3
    settings.etaAlpha = 0.5
    var job = AlignJob(model: base, data: data, out: root.appendingPathComponent(method), config: settings)
    job.showProgress = false
    job.samplesDuringEval = false
    let result = try job.run(log: { _ in })
    let first = try MetricsLogLine.firstTrainLoss(root.appendingPathComponent("\(method)/metrics.jsonl"))
    print(method.padding(toLength: 17, withPad: " ", startingAt: 0) + String(format: " first train loss %.4f", first)
          + "  α " + result.alpha.map { String(format: "%.3f", $0) }.joined(separator: " "))
}

/// The first training line's loss of a metrics.jsonl: at step 1 the policy is the reference, h = 0, ℓ = 1.
enum MetricsLogLine {
    static func firstTrainLoss(_ url: URL) throws -> Double {
        let line = try String(contentsOf: url, encoding: .utf8).split(separator: "\n").first!
        let object = try JSONSerialization.jsonObject(with: Data(line.utf8)) as! [String: Any]
        return (object["loss"] as! NSNumber).doubleValue
    }
}
