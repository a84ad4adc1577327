import Alignment
@testable import Datasets
@testable import Recipes
@testable import Report
import Training
import Foundation
import Models
import Tokenizer

/// A throwaway world for end-to-end tests: a few groups that prefer different letters, a tokenizer trained on
/// their prompts, and a tiny random base model saved as a checkpoint folder.
struct TinyWorld {
    let root: URL
    var base: URL { root.appendingPathComponent("base") }
    var data: URL { root.appendingPathComponent("prefs.jsonl") }

    init() throws {
        root = FileManager.default.temporaryDirectory.appendingPathComponent("ta-world-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)
        let groups = ["north", "south", "east"]
        var examples: [PreferenceExample] = []
        for q in 0..<36 {
            let g = groups[q % 5 == 0 ? 2 : q % 2]          // imbalanced: east is the minority
            let question = "Is item \(q % 9) good?\nPlease select the best response:\nA. yes\nB. no"
            let yes = (g == "north") != (q % 3 == 0)
            examples.append(PreferenceExample(prompt: question, chosen: yes ? " A" : " B", rejected: yes ? " B" : " A",
                                              group: g, id: "q\(q)"))
        }
        try PreferenceExample.save(examples, to: data)
        let corpus = examples.map { GroupPrompt().render(prompt: $0.prompt, group: $0.group) + $0.chosen }.joined(separator: "\n")
        let tokenizer = try BPETrainer(vocabSize: 300, specialTokens: ["<|endoftext|>", "<|pad|>"]).train(texts: [corpus])
        let eos = tokenizer.id(for: "<|endoftext|>")!
        let config = GPTConfig(vocabSize: tokenizer.vocabularySize, nPositions: 64, nEmbd: 32, nLayer: 2, nHead: 2, eosTokenId: eos)
        let model = try GPT(config, seed: 1)
        try Checkpoint.save(model, to: base, extraFiles: ["tokenizer.json": Data(tokenizer.tokenizerJSONString().utf8)])
    }

    func remove() { try? FileManager.default.removeItem(at: root) }
}
