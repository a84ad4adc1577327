import Alignment
@testable import Datasets
import Foundation
import Models
@testable import Recipes
import TensorCore
import TestSupport
import Training
import XCTest

/// LoRA through the real binary and the jobs: SFT and GR-DPO of a Llama-family model with adapters only, a merge,
/// resume, and the refusals of bad LoRA input (one line, non-zero exit, nothing written).
final class LoRACLITests: XCTestCase {
    /// A Qwen2-style folder (GQA, q/k/v biases, untied head) with the world's tokenizer.
    func llamaBase(_ world: TinyWorld) throws -> URL {
        let tokenizerJSON = try Data(contentsOf: world.base.appendingPathComponent("tokenizer.json"))
        let vocab = try Checkpoint.load(from: world.base).vocabularySize
        let eos = try XCTUnwrap(try ModelBundle(world.base).tokenizer.id(for: "<|endoftext|>"))
        let config = LlamaConfig(modelType: "qwen2", vocabSize: vocab, hiddenSize: 32, intermediateSize: 64, numLayers: 2,
                                 numHeads: 4, numKeyValueHeads: 2, maxPositions: 64, tieWordEmbeddings: false,
                                 bosTokenId: eos, eosTokenId: eos)
        let base = world.root.appendingPathComponent("qwen-base")
        try Checkpoint.save(try Llama(config, seed: 4), to: base, extraFiles: ["tokenizer.json": tokenizerJSON])
        return base
    }

    func run(_ args: [String]) throws -> (status: Int32, out: String, err: String) {
        let r = try TinyAlignBinary.run(args)
        XCTAssertEqual(r.status, 0, "\(args.prefix(2)): \(r.err)")
        return r
    }

    func trainLosses(_ run: URL) throws -> [Double] {
        try MetricsLog.read(run.appendingPathComponent("metrics.jsonl")).filter { $0["split"] as? String == "train" }
            .map { ($0["loss"] as! NSNumber).doubleValue }
    }

    /// sft with adapters on all linear layers, merge, GR-DPO with adapters on the merged model (its reference is
    /// the same model with the adapters off, so step 1's loss is ln 2), eval of the adapter folder.
    func testLoRASFTMergeAndGRDPOOnALlamaFamilyModel() throws {
        let world = try TinyWorld()
        defer { world.remove() }
        let base = try llamaBase(world)
        let sft = world.root.appendingPathComponent("sft"), merged = world.root.appendingPathComponent("merged")
        let aligned = world.root.appendingPathComponent("gr-dpo")
        _ = try run(["sft", "--model", base.path, "--data", world.data.path, "--out", sft.path, "--steps", "30",
                     "--batch-size", "8", "--lr", "3e-2", "--lora-r", "4", "--lora-alpha", "16", "--lora-targets", "all-linear"])
        let losses = try trainLosses(sft)
        // 0.4, not 0.5: at lr 3e-2 the run follows float rounding after ~12 steps (the rank-r products' order of
        // summation alone moved step 30 between 5.18 and 5.24 from 5.71).
        XCTAssertLessThan(losses.last!, losses.first! - 0.4, "the adapters learn")
        let final = sft.appendingPathComponent("final")
        let names = Set(try FileManager.default.contentsOfDirectory(atPath: final.path))
        XCTAssertTrue(names.isSuperset(of: ["adapter_config.json", "adapter_model.safetensors", "tokenizer.json"]), "\(names)")
        XCTAssertFalse(names.contains("model.safetensors"))
        let adapter = try SafeTensors.read(contentsOf: final.appendingPathComponent("adapter_model.safetensors"))
        XCTAssertEqual(adapter.tensors.count, 2 * 7 * 2, "A and B of 7 modules in 2 layers")
        XCTAssertEqual(adapter.tensors["base_model.model.model.layers.0.self_attn.q_proj.lora_A.weight"]?.shape, [4, 32])
        XCTAssertEqual(adapter.tensors["base_model.model.model.layers.1.mlp.down_proj.lora_B.weight"]?.shape, [32, 4])
        XCTAssertEqual(adapter.metadata[PEFTAdapterFolder.fingerprintKey], try FileFingerprint(of: base).fnv1a)
        let config = try JSONSerialization.jsonObject(with: Data(contentsOf: final.appendingPathComponent("adapter_config.json"))) as! [String: Any]
        XCTAssertEqual(config["base_model_name_or_path"] as? String, base.path)
        XCTAssertEqual(config["r"] as? Int, 4)
        // The checkpoint holds only the adapters and their AdamW moments.
        let optimizer = try SafeTensors.read(contentsOf: sft.appendingPathComponent("checkpoint/optimizer.safetensors")).tensors
        let adapterScalars = adapter.tensors.values.reduce(0) { $0 + $1.count }
        XCTAssertEqual(optimizer.values.filter { $0.count > 1 }.reduce(0) { $0 + $1.count }, 2 * adapterScalars)
        XCTAssertFalse(FileManager.default.fileExists(atPath: sft.appendingPathComponent("checkpoint/model.safetensors").path))

        _ = try run(["merge", "--model", base.path, "--adapter", final.path, "--out", merged.path])
        let ids: [Int32] = [3, 7, 1, 9, 4, 12]
        let plain = try Checkpoint.load(from: merged)
        XCTAssertTrue(plain.linearModules.allSatisfy { $0.1.adapter == nil })
        let adapted = try ModelBundle(base, adapter: final).model
        let viaFinal = try ModelBundle(final).model
        let want = try plain.logits(ids, batch: 1).value.scalars
        assertClose(try adapted.logits(ids, batch: 1).value.scalars, want, rtol: 0, atol: 1e-5)
        assertClose(try viaFinal.logits(ids, batch: 1).value.scalars, want, rtol: 0, atol: 1e-5)
        let before = try Checkpoint.load(from: base).logits(ids, batch: 1).value.scalars
        XCTAssertGreaterThan(zip(before, want).map { abs($0 - $1) }.max()!, 1e-3, "the merge changed the weights")

        // --adapter on other commands means base + adapter merged: the same first SFT step and the same GGUF file.
        let fromMerged = world.root.appendingPathComponent("sft-merged"), fromAdapter = world.root.appendingPathComponent("sft-adapter")
        _ = try run(["sft", "--model", merged.path, "--data", world.data.path, "--out", fromMerged.path, "--steps", "1"])
        _ = try run(["sft", "--model", base.path, "--adapter", final.path, "--data", world.data.path, "--out", fromAdapter.path, "--steps", "1"])
        XCTAssertEqual(try trainLosses(fromMerged)[0], try trainLosses(fromAdapter)[0], accuracy: 1e-5)
        let g1 = world.root.appendingPathComponent("a.gguf"), g2 = world.root.appendingPathComponent("b.gguf")
        _ = try run(["convert", "--model", merged.path, "--out", g1.path, "--type", "f32", "--name", "m"])
        _ = try run(["convert", "--model", base.path, "--adapter", final.path, "--out", g2.path, "--type", "f32", "--name", "m"])
        XCTAssertEqual(try Data(contentsOf: g1), try Data(contentsOf: g2))

        _ = try run(["align", "--method", "gr-dpo", "--model", merged.path, "--data", world.data.path, "--out", aligned.path,
                     "--steps", "16", "--batch-size", "8", "--lr", "3e-2", "--eta-alpha", "0.5", "--lora-r", "4", "--lora-alpha", "16",
                     "--lora-targets", "q_proj,v_proj,down_proj", "--cache-dir", world.root.appendingPathComponent("cache").path])
        let dpo = try trainLosses(aligned)
        XCTAssertEqual(dpo.first!, log(2), accuracy: 1e-5, "step 1: the policy is the reference (adapters start at B = 0)")
        // The 16 steps' losses move by a few 1e-3 around ln 2, and which steps go lowest follows float rounding (see
        // above): that some step fell 1e-3 below ln 2 is what holds whatever the rounding.
        XCTAssertLessThan(dpo.min()!, dpo.first! - 1e-3, "the DPO adapters learn")
        let last = try MetricsLog.read(aligned.appendingPathComponent("metrics.jsonl")).last { $0["split"] as? String == "train" }!
        XCTAssertNotEqual((last["alpha/east"] as! NSNumber).doubleValue, 1.0 / 3, accuracy: 1e-4, "GR-DPO moved α")
        let ev = try run(["eval", "--model", aligned.appendingPathComponent("final").path, "--data", world.data.path,
                          "--cache-dir", world.root.appendingPathComponent("cache").path])
        XCTAssertTrue(ev.out.contains("worst group"), ev.out)
        let gen = try run(["generate", "--model", merged.path, "--adapter", aligned.appendingPathComponent("final").path,
                           "--prompt", "Opinion of people in east on:", "--max-new-tokens", "3", "--temperature", "0"])
        XCTAssertTrue(gen.out.hasPrefix("Opinion of people in east on:"), gen.out)
    }

    /// A LoRA run (with dropout, so its generator is part of the state) stopped and resumed ends with the same
    /// adapters and metrics as the run left alone; a resume with other LoRA settings is refused before a step.
    func testLoRAResumeMatchesTheUninterruptedRunAndRefusesOtherLoRASettings() throws {
        let world = try TinyWorld()
        defer { world.remove() }
        var config = SFTConfig()
        config.training.steps = 6
        config.training.batchSize = 4
        config.training.evalEvery = 3
        config.training.lr = 5e-3
        let lora = LoRAConfig(r: 2, alpha: 4, dropout: 0.1, targets: ["c_attn", "c_fc"])
        let fullDir = world.root.appendingPathComponent("full"), splitDir = world.root.appendingPathComponent("split")
        var full = SFTJob(model: world.base, data: world.data, out: fullDir, config: config)
        full.showProgress = false
        full.lora = lora
        try full.run(log: { _ in })
        var first = SFTJob(model: world.base, data: world.data, out: splitDir, config: config)
        first.showProgress = false
        first.lora = lora
        first.stopAfter = 3
        try first.run(log: { _ in })
        var other = first
        other.stopAfter = nil
        other.resume = true
        other.lora = LoRAConfig(r: 4, alpha: 4, dropout: 0.1, targets: ["c_attn", "c_fc"])
        XCTAssertThrowsError(try other.run(log: { _ in })) { error in
            XCTAssertTrue("\(error)".contains("lora.r = 2, this run has 4"), "\(error)")
        }
        var second = first
        second.stopAfter = nil
        second.resume = true
        try second.run(log: { _ in })
        XCTAssertEqual(try trainLosses(fullDir), try trainLosses(splitDir))
        let a = try SafeTensors.read(contentsOf: fullDir.appendingPathComponent("final/adapter_model.safetensors")).tensors
        let b = try SafeTensors.read(contentsOf: splitDir.appendingPathComponent("final/adapter_model.safetensors")).tensors
        XCTAssertEqual(a.keys.sorted(), b.keys.sorted())
        for (k, v) in a { XCTAssertEqual(v.scalars, b[k]!.scalars, k) }
        XCTAssertTrue(a.values.contains { t in t.scalars.contains { $0 != 0 } })
    }

    /// Each refusal is one line on stderr, a non-zero exit, and no run folder.
    func testBadLoRAInputIsRefusedInOneLineWithNothingWritten() throws {
        let world = try TinyWorld()
        defer { world.remove() }
        let base = try llamaBase(world)
        func refused(_ args: [String], _ fragment: String, out: URL) throws {
            let r = try TinyAlignBinary.run(args)
            XCTAssertNotEqual(r.status, 0, "\(args)")
            // Progress lines may come first; the refusal itself is one line.
            let lines = r.err.split(separator: "\n").filter { $0.hasPrefix("Error") }
            XCTAssertEqual(lines.count, 1, r.err)
            XCTAssertTrue(r.err.hasSuffix(lines.last! + "\n") || r.err.hasSuffix(String(lines.last!)), r.err)
            XCTAssertTrue(r.err.contains(fragment), r.err)
            XCTAssertFalse(FileManager.default.fileExists(atPath: out.path), "\(out.path) was written")
        }
        let out = world.root.appendingPathComponent("run")
        try refused(["sft", "--model", base.path, "--data", world.data.path, "--out", out.path, "--steps", "2", "--lora-targets", "q_proj,qkv"],
                    "unknown module \"qkv\"; this model's linear modules are q_proj, k_proj, v_proj, o_proj, gate_proj, up_proj, down_proj", out: out)
        try refused(["align", "--model", world.base.path, "--data", world.data.path, "--out", out.path, "--steps", "2", "--lora-targets", "q_proj"],
                    "this model's linear modules are c_attn, c_proj, c_fc", out: out)
        try refused(["sft", "--model", base.path, "--data", world.data.path, "--out", out.path, "--steps", "2", "--lora-r", "0"],
                    "--lora-r must be a positive integer, got 0", out: out)
        try refused(["sft", "--model", base.path, "--data", world.data.path, "--out", out.path, "--steps", "2", "--lora-r", "2", "--base-dtype", "f8"],
                    "--base-dtype must be one of f32, bf16, f16", out: out)

        try refused(["sft", "--model", base.path, "--data", world.data.path, "--out", out.path, "--steps", "2", "--lora-r", "2",
                     "--adapter", world.root.path], "merge the adapter first", out: out)

        // An adapter trained on one base, offered to another of the same family and shape, and to a GPT-2.
        let sft = world.root.appendingPathComponent("sft")
        _ = try run(["sft", "--model", base.path, "--data", world.data.path, "--out", sft.path, "--steps", "2", "--lora-r", "2"])
        let adapter = sft.appendingPathComponent("final")
        let other = world.root.appendingPathComponent("other-base")
        try Checkpoint.save(try Llama(try Checkpoint.load(Llama.self, from: base).config, seed: 9), to: other,
                            extraFiles: ["tokenizer.json": try Data(contentsOf: base.appendingPathComponent("tokenizer.json"))])
        let merged = world.root.appendingPathComponent("merged")
        try refused(["merge", "--model", other.path, "--adapter", adapter.path, "--out", merged.path],
                    "the adapter was trained on another base model", out: merged)
        try refused(["merge", "--model", world.base.path, "--adapter", adapter.path, "--out", merged.path],
                    "another base model", out: merged)
        // A PEFT-style adapter without a fingerprint is checked by its modules and shapes.
        let stripped = world.root.appendingPathComponent("stripped")
        try FileManager.default.createDirectory(at: stripped, withIntermediateDirectories: true)
        try FileManager.default.copyItem(at: adapter.appendingPathComponent("adapter_config.json"), to: stripped.appendingPathComponent("adapter_config.json"))
        let tensors = try SafeTensors.read(contentsOf: adapter.appendingPathComponent("adapter_model.safetensors")).tensors
        try SafeTensors.write(tensors, to: stripped.appendingPathComponent("adapter_model.safetensors"))
        try refused(["merge", "--model", world.base.path, "--adapter", stripped.path, "--out", merged.path],
                    "which this --model does not have (its linear modules: c_attn, c_fc, c_proj)", out: merged)
        var wide = tensors
        wide["base_model.model.model.layers.0.self_attn.q_proj.lora_A.weight"] = Tensor.zeros([2, 48])
        try SafeTensors.write(wide, to: stripped.appendingPathComponent("adapter_model.safetensors"))
        try refused(["merge", "--model", other.path, "--adapter", stripped.path, "--out", merged.path],
                    "q_proj.lora_A.weight has shape [2, 48], but this model's model.layers.0.self_attn.q_proj (32 -> 32) needs [2, 32]", out: merged)
        try SafeTensors.write(tensors, to: stripped.appendingPathComponent("adapter_model.safetensors"))
        _ = try run(["merge", "--model", other.path, "--adapter", stripped.path, "--out", merged.path])

        // Resume with different LoRA settings, from the command line.
        let before = try Data(contentsOf: sft.appendingPathComponent("checkpoint/adapter_model.safetensors"))
        let r = try TinyAlignBinary.run(["sft", "--model", base.path, "--data", world.data.path, "--out", sft.path, "--steps", "4",
                                         "--lora-r", "2", "--lora-alpha", "16", "--resume"])
        XCTAssertNotEqual(r.status, 0)
        XCTAssertTrue(r.err.contains("lora.lora_alpha = 8"), r.err)
        XCTAssertEqual(r.err.split(separator: "\n").filter { $0.hasPrefix("Error") }.count, 1, r.err)
        XCTAssertEqual(try Data(contentsOf: sft.appendingPathComponent("checkpoint/adapter_model.safetensors")), before)
    }
}

/// The ranking trainer with LoRA: the same model serves as policy and (adapters off) reference.
final class LoRARankTests: XCTestCase {
    func testPlackettLuceWithLoRAStartsAtTheReferenceAndSavesOnlyTheAdapter() throws {
        let world = try TinyWorld()
        defer { world.remove() }
        var config = AlignConfig()
        config.method = "gr-pl"
        config.steps = 4
        config.batchSize = 4
        config.lr = 1e-2
        config.etaAlpha = 0.5
        let out = world.root.appendingPathComponent("rank")
        var job = RankJob(model: world.base, data: world.data, out: out, config: config)
        job.showProgress = false
        job.lora = LoRAConfig(r: 2, alpha: 4, targets: ["all-linear"])
        try job.run(log: { _ in })
        let train = try MetricsLog.read(out.appendingPathComponent("metrics.jsonl")).filter { $0["split"] as? String == "train" }
        XCTAssertEqual((train[0]["loss"] as! NSNumber).doubleValue, log(2), accuracy: 1e-5)
        let names = try FileManager.default.contentsOfDirectory(atPath: out.appendingPathComponent("final").path)
        XCTAssertTrue(names.contains("adapter_model.safetensors") && !names.contains("model.safetensors"), "\(names)")
        let tensors = try SafeTensors.read(contentsOf: out.appendingPathComponent("final/adapter_model.safetensors")).tensors
        XCTAssertEqual(tensors.count, 2 * 4 * 2)
        XCTAssertNotNil(tensors["base_model.model.transformer.h.1.mlp.c_proj.lora_B.weight"])
    }
}

/// EM-DPO with LoRA: every type's policy trains adapters on its frozen copy, and `policy-<k>/` is an adapter folder
/// that opens (with its base) as a model.
final class LoRAEMDPOTests: XCTestCase {
    func testEMDPOWithLoRAWritesAdapterPolicies() throws {
        let world = try TinyWorld()
        defer { world.remove() }
        var em = EMDPOConfig()
        em.types = 2; em.rounds = 1; em.stepsPerRound = 2; em.batchSize = 8; em.beta = 0.5; em.lr = 1e-2; em.seed = 1
        let out = world.root.appendingPathComponent("em")
        var examples = try PreferenceExample.load(world.data)
        for i in examples.indices { examples[i].annotator = "\(examples[i].group)-\(i % 3)" }
        let data = world.root.appendingPathComponent("annotated.jsonl")
        try PreferenceExample.save(examples, to: data)
        var job = EMDPOJob(model: world.base, data: data, out: out, config: em)
        job.lora = LoRAConfig(r: 2, alpha: 4)
        try job.run(log: { _ in })
        for k in 0..<2 {
            let folder = out.appendingPathComponent("policy-\(k)")
            let tensors = try SafeTensors.read(contentsOf: folder.appendingPathComponent("adapter_model.safetensors")).tensors
            XCTAssertEqual(tensors.count, 2 * 2, "c_attn A and B in 2 layers")
            XCTAssertTrue(tensors.filter { $0.key.contains("lora_B") }.values.contains { $0.scalars.contains { $0 != 0 } })
            XCTAssertFalse(FileManager.default.fileExists(atPath: folder.appendingPathComponent("model.safetensors").path))
            let opened = try ModelBundle(folder).model
            XCTAssertEqual(opened.vocabularySize, try Checkpoint.load(from: world.base).vocabularySize)
        }
    }
}
