import Autograd
import Foundation
import Models
import TensorCore
import TestSupport
import XCTest

/// The Llama family against `transformers` (Fixtures/llama/make_llama_fixtures.py): logits and gradients to
/// 1e-4 relative, the loss to 1e-5, and 20 greedy tokens decoded with the KV cache exactly, for llama (sharded
/// BF16 checkpoint, Llama 3 RoPE, untied head, biases), qwen2 (q/k/v biases, dynamic NTK), qwen3 (q/k norms,
/// explicit head_dim), mistral (sliding window, linear RoPE) and gemma (√C embeddings, 1 + w norms, GeGLU, MQA).
final class LlamaParityTests: XCTestCase {
    static let families = ["llama", "qwen2", "qwen3", "mistral", "gemma"]

    func folder(_ family: String) -> URL { Fixtures.url("llama/\(family)") }

    func expected(_ family: String) throws -> [String: Tensor] {
        try SafeTensors.read(contentsOf: Fixtures.url("llama/\(family)_expected.safetensors")).tensors
    }

    /// The fixture's model: llama from its saved shards, the others from config.json and the hashed weights.
    func model(_ family: String) throws -> Llama {
        if family == "llama" { return try Checkpoint.load(Llama.self, from: folder(family)) }
        let model = try XCTUnwrap(try ModelRegistry.make(configJSON: Checkpoint.configData(in: folder(family)), path: family) as? Llama)
        HashedWeights.fill(model, gemma: family == "gemma")
        return model
    }

    func ints(_ t: Tensor) -> [Int32] { t.scalars.map { Int32($0) } }

    /// Position t of each row predicts t+1; the last position is ignored (as `labels=ids` in transformers).
    func targets(_ ids: [Int32], t: Int) -> [Int32] { (0..<ids.count).map { i in i % t == t - 1 ? -100 : ids[i + 1] } }

    func checkFamily(_ family: String) throws {
        let e = try expected(family)
        let model = try model(family)
        XCTAssertEqual(model.config.modelType, family)
        let ids = ints(e["input_ids"]!)
        let t = ids.count / 2
        let logits = try model.logits(ids, batch: 2)
        assertClose(logits.value.scalars, e["logits"]!.scalars, rtol: 1e-4, atol: 1e-5, "\(family) logits")
        let loss = try model.loss(ids, targets: targets(ids, t: t), batch: 2)
        assertClose(loss.value.item, e["loss"]!.item, rtol: 1e-5, atol: 0, "\(family) loss")
        loss.backward()
        let params = Dictionary(uniqueKeysWithValues: model.namedParameters)
        var checked = 0
        for (key, grad) in e where key.hasPrefix("grad.") {
            let name = String(key.dropFirst(5))
            let ours = try XCTUnwrap(params[name]?.grad, "\(family) \(name)")
            let scale = grad.scalars.map(abs).max()!
            assertClose(ours.scalars, grad.scalars, rtol: 1e-4, atol: 1e-5 * scale, "\(family) \(name)")
            checked += 1
        }
        XCTAssertGreaterThanOrEqual(checked, 5, "\(family) gradients compared")
        let greedy = try model.generate(prompt: ints(e["prompt"]!), maxNewTokens: 20)
        XCTAssertEqual(greedy, ints(e["greedy"]!), "\(family) greedy tokens")
    }

    func testLlamaShardedBF16() throws { try checkFamily("llama") }
    func testQwen2() throws { try checkFamily("qwen2") }
    func testQwen3() throws { try checkFamily("qwen3") }
    func testMistral() throws { try checkFamily("mistral") }
    func testGemma() throws { try checkFamily("gemma") }

    /// RoPE inverse frequencies as transformers' rotary_emb holds them: default (qwen3, gemma), llama3 (llama),
    /// linear (mistral), dynamic NTK at and past max_position_embeddings (qwen2, 16 and 24 tokens).
    func testInverseFrequenciesMatchTransformers() throws {
        for family in Self.families {
            let config = try model(family).config
            let e = try expected(family)
            assertClose(RotaryTables.inverseFrequencies(config, sequenceLength: config.maxPositions), e["inv_freq"]!.scalars,
                        rtol: 2e-6, atol: 0, "\(family) inv_freq")
            if let past = e["inv_freq_at_24"] {
                assertClose(RotaryTables.inverseFrequencies(config, sequenceLength: 24), past.scalars, rtol: 2e-6, atol: 0, "\(family) at 24")
            }
        }
    }

    /// The cache gives the same next-token logits as rerunning the whole sequence, for every family. Past
    /// max_position_embeddings dynamic NTK scaling (qwen2 here) changes the frequencies of later steps only, as
    /// in transformers (whose cached greedy tokens `testQwen2` matches), so there the two legitimately differ.
    func testCachedDecodingMatchesFullForward() throws {
        for family in Self.families {
            let model = try model(family)
            var cache = model.makeKVCache()
            let seq: [Int32] = [1, 5, 9, 33, 70, 101, 3, 250, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20]
            _ = try model.forwardCached(Array(seq[..<4]), cache: &cache)
            for n in 5...seq.count {
                if case .dynamic = model.config.ropeScaling, n > model.config.maxPositions {
                    let cached = try model.forwardCached([seq[n - 1]], cache: &cache)
                    let full = try model.lastLogits(Array(seq[..<n]))
                    XCTAssertGreaterThan(zip(cached.scalars, full.scalars).map { abs($0 - $1) }.max()!, 1e-4, "\(family) at \(n)")
                    continue
                }
                let cached = try model.forwardCached([seq[n - 1]], cache: &cache)
                assertClose(cached.scalars, try model.lastLogits(Array(seq[..<n])).scalars, rtol: 1e-4, atol: 1e-5, "\(family) at \(n)")
            }
            XCTAssertEqual(cache.length, seq.count)
        }
    }

    /// The llama fixture came as BF16 shards: TinyAlign remembers that, writes one BF16 file with the same
    /// torch_dtype and the generation config, and that folder loads back to the same logits.
    func testSaveKeepsBF16AndReloads() throws {
        let model = try model("llama")
        XCTAssertEqual(model.storageDType, .bf16)
        XCTAssertNotNil(model.generationConfig)
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("llama-save-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: dir) }
        try Checkpoint.save(model, to: dir)
        let file = try SafeTensors.read(contentsOf: dir.appendingPathComponent("model.safetensors"))
        XCTAssertEqual(Set(file.dtypes.values), [.bf16])
        XCTAssertTrue(FileManager.default.fileExists(atPath: dir.appendingPathComponent("generation_config.json").path))
        let config = try JSONSerialization.jsonObject(with: Checkpoint.configData(in: dir)) as! [String: Any]
        XCTAssertEqual(config["torch_dtype"] as? String, "bfloat16")
        let back = try Checkpoint.load(Llama.self, from: dir)
        XCTAssertEqual(back.config, model.config)
        let ids: [Int32] = [1, 2, 3, 4, 5, 6]
        XCTAssertEqual(try back.logits(ids, batch: 1).value.scalars, try model.logits(ids, batch: 1).value.scalars)
        // saveDType overrides the remembered dtype.
        try Checkpoint.save(model, to: dir, saveDType: .f32)
        XCTAssertEqual(Set(try SafeTensors.read(contentsOf: dir.appendingPathComponent("model.safetensors")).dtypes.values), [.f32])
        XCTAssertEqual(model.storageDType, .bf16)
    }

    /// Writes every family as TinyAlign saves it to $LLAMA_EXPORT_DIR (when set), for
    /// `make_llama_fixtures.py check-tinyalign`, which loads them in transformers and compares the logits.
    func testExportForTransformers() throws {
        let root = ProcessInfo.processInfo.environment["LLAMA_EXPORT_DIR"].map { URL(fileURLWithPath: $0) }
            ?? FileManager.default.temporaryDirectory.appendingPathComponent("llama-export-\(UUID().uuidString)")
        defer { if ProcessInfo.processInfo.environment["LLAMA_EXPORT_DIR"] == nil { try? FileManager.default.removeItem(at: root) } }
        for family in Self.families {
            let model = try model(family)
            let dir = root.appendingPathComponent(family)
            try Checkpoint.save(model, to: dir, saveDType: family == "mistral" ? .f16 : nil)
            let back = try Checkpoint.load(Llama.self, from: dir)
            let ids = ints(try expected(family)["input_ids"]!)
            assertClose(try back.logits(ids, batch: 2).value.scalars, try expected(family)["logits"]!.scalars,
                        rtol: family == "mistral" ? 1e-2 : 1e-4, atol: family == "mistral" ? 1e-3 : 1e-5, "\(family) reloaded")
        }
    }
}
