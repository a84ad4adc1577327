import Alignment
@testable import Datasets
@testable import Recipes
@testable import Report
import Training
import Foundation
import Models
import TensorCore
import Tokenizer

/// Throwaway checkpoints for aggregation tests: a reference and two policies (tiny random GPTs with sharpened
/// embeddings, so their distributions differ clearly), a shared tokenizer and a prompt file with groups.
struct AggregationWorld {
    let root: URL
    var reference: URL { root.appendingPathComponent("ref") }
    var policies: [URL] { [root.appendingPathComponent("pi0"), root.appendingPathComponent("pi1")] }
    var prompts: URL { root.appendingPathComponent("prompts.jsonl") }
    let promptLines = [("Is the sky blue?", "north"), ("Is tea good?", "south"), ("Name a color.", "")]
    let tokenizer: BPETokenizer

    init() throws {
        root = FileManager.default.temporaryDirectory.appendingPathComponent("ta-aggregate-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)
        let corpus = promptLines.map { GroupPrompt().render(prompt: $0.0, group: $0.1) + " yes no blue red" }.joined(separator: "\n")
        // Byte-level BPE always holds the 256 bytes and the two specials; a dozen merges on top.
        tokenizer = try BPETrainer(vocabSize: 270).train(texts: [corpus])
        let eos = tokenizer.id(for: "<|endoftext|>")!
        let config = GPTConfig(vocabSize: tokenizer.vocabularySize, nPositions: 64, nEmbd: 16, nLayer: 1, nHead: 2, eosTokenId: eos)
        let tokenizerFile = ["tokenizer.json": Data(tokenizer.tokenizerJSONString().utf8)]
        for (seed, url) in zip([1, 2, 3] as [UInt64], [reference] + policies) {
            let model = try GPT(config, seed: seed)
            // GPT-2 init gives near-uniform next-token distributions; larger embeddings make them peaked.
            for (name, p) in model.namedParameters where name.hasSuffix("wte.weight") {
                p.assign(Tensor(shape: p.value.shape, p.value.scalars.map { $0 * 60 }))
            }
            try Checkpoint.save(model, to: url, extraFiles: tokenizerFile)
        }
        let runConfig = try RunManifest(task: "align", method: "dpo", training: TrainingSettings(), settings: AlignConfig(),
                                        model: FileFingerprint(of: reference)).encoded()
        try runConfig.write(to: policies[0].appendingPathComponent("run_config.json"))
        let lines = try promptLines.map { p, g in
            String(decoding: try JSONSerialization.data(withJSONObject: ["prompt": p, "group": g], options: [.sortedKeys]), as: UTF8.self)
        }
        try (lines.joined(separator: "\n") + "\n").write(to: prompts, atomically: true, encoding: .utf8)
    }

    func remove() { try? FileManager.default.removeItem(at: root) }
}
