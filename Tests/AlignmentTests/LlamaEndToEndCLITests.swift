import Alignment
@testable import Datasets
import Foundation
import Models
@testable import Recipes
import TestSupport
import Training
import XCTest

/// A Llama-family folder (Qwen2-style: GQA with 2 KV heads, q/k/v biases, untied head, a tokenizer_config.json
/// naming its EOS) taken through the README's walk-through with the real binary: sft → align --method gr-dpo →
/// eval → generate → GGUF export and back. No trainer, job or command knows it is not GPT-2.
final class LlamaEndToEndCLITests: XCTestCase {
    func testSFTAlignEvalGenerateAndGGUFExportOfALlamaFamilyFolder() throws {
        let world = try TinyWorld()
        defer { world.remove() }
        let tokenizerJSON = try Data(contentsOf: world.base.appendingPathComponent("tokenizer.json"))
        let vocab = try Checkpoint.load(from: world.base).vocabularySize
        let eos = try XCTUnwrap(try ModelBundle(world.base).tokenizer.id(for: "<|endoftext|>"))
        let config = LlamaConfig(modelType: "qwen2", vocabSize: vocab, hiddenSize: 32, intermediateSize: 64, numLayers: 2,
                                 numHeads: 4, numKeyValueHeads: 2, maxPositions: 64, tieWordEmbeddings: false,
                                 bosTokenId: eos, eosTokenId: eos)
        let base = world.root.appendingPathComponent("qwen-base")
        let tokenizerConfig = Data(#"{"eos_token": "<|endoftext|>", "pad_token": "<|pad|>", "model_max_length": 64}"#.utf8)
        try Checkpoint.save(try Llama(config, seed: 4), to: base,
                            extraFiles: ["tokenizer.json": tokenizerJSON, "tokenizer_config.json": tokenizerConfig])

        func run(_ args: [String]) throws -> (status: Int32, out: String, err: String) {
            let r = try TinyAlignBinary.run(args)
            XCTAssertEqual(r.status, 0, "\(args.prefix(2)): \(r.err)")
            return r
        }
        let sft = world.root.appendingPathComponent("sft"), aligned = world.root.appendingPathComponent("gr-dpo")
        _ = try run(["sft", "--model", base.path, "--data", world.data.path, "--out", sft.path, "--steps", "20",
                     "--batch-size", "8", "--lr", "3e-3"])
        let sftLines = try MetricsLog.read(sft.appendingPathComponent("metrics.jsonl")).filter { $0["split"] as? String == "train" }
        XCTAssertLessThan((sftLines.last!["loss"] as! NSNumber).doubleValue, (sftLines.first!["loss"] as! NSNumber).doubleValue - 1)
        // The folder keeps its family and its tokenizer files.
        let sftConfig = try JSONSerialization.jsonObject(with: Data(contentsOf: sft.appendingPathComponent("final/config.json"))) as! [String: Any]
        XCTAssertEqual(sftConfig["model_type"] as? String, "qwen2")
        XCTAssertEqual(try Data(contentsOf: sft.appendingPathComponent("final/tokenizer_config.json")), tokenizerConfig)

        _ = try run(["align", "--method", "gr-dpo", "--model", sft.appendingPathComponent("final").path, "--data", world.data.path,
                     "--out", aligned.path, "--steps", "12", "--batch-size", "8", "--lr", "1e-3", "--eta-alpha", "0.5"])
        let lines = try MetricsLog.read(aligned.appendingPathComponent("metrics.jsonl")).filter { $0["split"] as? String == "train" }
        XCTAssertEqual((lines.first!["loss"] as! NSNumber).doubleValue, log(2), accuracy: 1e-5, "step 1 starts at the reference")
        XCTAssertNotEqual((lines.last!["alpha/east"] as! NSNumber).doubleValue, 1.0 / 3, accuracy: 1e-4)

        let ev = try run(["eval", "--model", aligned.appendingPathComponent("final").path, "--data", world.data.path])
        for row in ["north", "south", "east", "worst group"] { XCTAssertTrue(ev.out.contains(row), ev.out) }

        let gen = try run(["generate", "--model", aligned.appendingPathComponent("final").path, "--prompt",
                           "Opinion of people in east on: Is item 3 good?", "--max-new-tokens", "5"])
        XCTAssertTrue(gen.out.hasPrefix("Opinion of people in east on: Is item 3 good?"), gen.out)

        let gguf = world.root.appendingPathComponent("model.gguf"), back = world.root.appendingPathComponent("from-gguf")
        _ = try run(["convert", "--model", aligned.appendingPathComponent("final").path, "--out", gguf.path, "--type", "f32"])
        _ = try run(["convert", "--gguf", gguf.path, "--out", back.path])
        let a = try Checkpoint.load(from: aligned.appendingPathComponent("final")), b = try Checkpoint.load(from: back)
        let ids: [Int32] = [3, 7, 1, 9, 4]
        let x = try a.logits(ids, batch: 1).value.scalars, y = try b.logits(ids, batch: 1).value.scalars
        XCTAssertEqual(x.count, y.count)
        for (p, q) in zip(x, y) { XCTAssertEqual(p, q, accuracy: 1e-5 * max(1, abs(p))) }
    }
}
