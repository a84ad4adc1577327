import Autograd
import Foundation
@testable import Models
import TensorCore
import TestSupport
import XCTest

/// LoRA against PEFT (fixtures from Fixtures/lora/make_lora_fixtures.py: random-weight Llama and GPT-2 bases,
/// adapters saved by PEFT, logits and gradients computed by transformers + PEFT). Tolerance 1e-4 absolute on
/// logits and gradients.
final class LoRAParityTests: XCTestCase {
    static let families = ["llama", "gpt2"]

    func fixture(_ name: String) -> URL { Fixtures.url("lora/\(name)") }

    func expected(_ family: String) throws -> [String: Tensor] {
        try SafeTensors.read(contentsOf: fixture("\(family)_expected.safetensors")).tensors
    }

    func ids(_ e: [String: Tensor]) -> [Int32] { e["ids"]!.scalars.map { Int32($0) } }

    /// Next-token targets of each row of 8, the last position ignored (transformers' `labels = ids`).
    func targets(_ ids: [Int32], rows: Int) -> [Int32] {
        let t = ids.count / rows
        return (0..<ids.count).map { i in i % t == t - 1 ? -100 : ids[i + 1] }
    }

    /// An adapter saved by PEFT (all-linear with rsLoRA on Llama; c_attn/c_proj/c_fc on GPT-2's Conv1D) gives
    /// PEFT's logits in TinyAlign; with the adapters switched off the model gives the base logits.
    func testPEFTSavedAdapterGivesPEFTLogits() throws {
        for family in Self.families {
            let e = try expected(family)
            let model = try Checkpoint.load(from: fixture("\(family)_base"))
            let adapters = try PEFTAdapterFolder.attach(fixture("\(family)_peft_adapter"), to: model, baseFingerprint: nil)
            XCTAssertEqual(adapters.modules.count, family == "llama" ? 14 : 8, family)
            let logits = try withNoGrad { try model.logits(ids(e), batch: 2) }
            assertClose(logits.value.scalars, e["peft_logits"]!.scalars, rtol: 0, atol: 1e-4, "\(family) adapted")
            let base = try withAdaptersDisabled { try withNoGrad { try model.logits(ids(e), batch: 2) } }
            assertClose(base.value.scalars, e["base_logits"]!.scalars, rtol: 0, atol: 1e-4, "\(family) adapters off")
            // The fixture adapter really moves the logits, so the comparison above can fail.
            let moved = zip(e["peft_logits"]!.scalars, e["base_logits"]!.scalars).map { abs($0 - $1) }.max()!
            XCTAssertGreaterThan(moved, 0.5, family)
        }
    }

    /// merge_and_unload's logits equal the unmerged model's, in TinyAlign and in PEFT.
    func testMergedAndUnmergedForwardPassesAgree() throws {
        for family in Self.families {
            let e = try expected(family)
            let model = try Checkpoint.load(from: fixture("\(family)_base"))
            let adapters = try PEFTAdapterFolder.attach(fixture("\(family)_peft_adapter"), to: model, baseFingerprint: nil)
            let unmerged = try withNoGrad { try model.logits(ids(e), batch: 2) }.value.scalars
            try adapters.mergeAndUnload(from: model)
            XCTAssertTrue(model.linearModules.allSatisfy { $0.1.adapter == nil })
            let merged = try withNoGrad { try model.logits(ids(e), batch: 2) }.value.scalars
            assertClose(merged, unmerged, rtol: 0, atol: 1e-4, "\(family) merged vs unmerged")
            assertClose(merged, e["merged_logits"]!.scalars, rtol: 0, atol: 1e-4, "\(family) merged vs PEFT merged")
        }
    }

    /// The gradient of the mean next-token cross-entropy with respect to every lora_A and lora_B equals PEFT's,
    /// and the frozen base gets none.
    func testLoRAGradientsMatchPEFT() throws {
        for family in Self.families {
            let e = try expected(family)
            let model = try Checkpoint.load(from: fixture("\(family)_base"))
            let adapters = try PEFTAdapterFolder.attach(fixture("\(family)_peft_adapter"), to: model, baseFingerprint: nil)
            let x = ids(e)
            let loss = try model.loss(x, targets: targets(x, rows: 2), batch: 2)
            assertClose(loss.value.item, e["loss"]!.scalars[0], rtol: 1e-5, atol: 1e-5, "\(family) loss")
            loss.backward()
            for m in adapters.modules {
                for (which, v) in [("A", m.adapter.a), ("B", m.adapter.b)] {
                    let name = "grad." + LoRAAdapters.peftName(module: m.name, which)
                    let want = try XCTUnwrap(e[name], name)
                    assertClose(try XCTUnwrap(v.grad, name).scalars, want.scalars, rtol: 1e-3, atol: 1e-5, name)
                }
            }
            XCTAssertTrue(model.parameters.allSatisfy { $0.grad == nil && !$0.requiresGrad }, "\(family): base stays frozen")
        }
    }

    /// The adapter TinyAlign writes (r 2 on three module kinds, B drawn non-zero) is byte for byte the committed
    /// `<family>_tinyalign_adapter/`, which PEFT loaded onto the transformers model: PEFT's logits with it equal
    /// TinyAlign's. With TINYALIGN_WRITE_LORA_FIXTURES=1 the test rewrites the committed folder instead (then
    /// rerun make_lora_fixtures.py).
    func testTinyAlignAdapterFilesAreUnchangedAndPEFTGivesTinyAlignsLogits() throws {
        for family in Self.families {
            let e = try expected(family)
            let model = try Checkpoint.load(from: fixture("\(family)_base"))
            let targets = family == "llama" ? ["q_proj", "v_proj", "down_proj"] : ["c_attn", "c_fc"]
            let adapters = try LoRAAdapters.attach(to: model, config: LoRAConfig(r: 2, alpha: 4, targets: targets), seed: 5)
            var rng = SeededGenerator(seed: 77)
            for m in adapters.modules { m.adapter.b.assign(.normal(m.adapter.b.shape, std: 0.3, using: &rng)) }
            let staging = FileManager.default.temporaryDirectory.appendingPathComponent("lora-fixture-\(UUID().uuidString)")
            try FileManager.default.createDirectory(at: staging, withIntermediateDirectories: true)
            defer { try? FileManager.default.removeItem(at: staging) }
            try PEFTAdapterFolder.write(adapters, of: model, into: staging, baseModel: "\(family)_base", baseFingerprint: nil)
            let committed = fixture("\(family)_tinyalign_adapter")
            if ProcessInfo.processInfo.environment["TINYALIGN_WRITE_LORA_FIXTURES"] == "1" {
                let source = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
                    .appendingPathComponent("Fixtures/lora/\(family)_tinyalign_adapter")
                try? FileManager.default.removeItem(at: source)
                try FileManager.default.copyItem(at: staging, to: source)
                continue
            }
            for file in [PEFTAdapterFolder.configFile, PEFTAdapterFolder.weightsFile] {
                XCTAssertEqual(try Data(contentsOf: staging.appendingPathComponent(file)),
                               try Data(contentsOf: committed.appendingPathComponent(file)), "\(family) \(file)")
            }
            let logits = try withNoGrad { try model.logits(ids(e), batch: 2) }.value.scalars
            let peft = try XCTUnwrap(e["tinyalign_adapter_logits"], "rerun make_lora_fixtures.py").scalars
            assertClose(logits, peft, rtol: 0, atol: 1e-4, "\(family): PEFT with TinyAlign's adapter")
            let moved = zip(peft, e["base_logits"]!.scalars).map { abs($0 - $1) }.max()!
            XCTAssertGreaterThan(moved, 0.05, family)
            // Reading the folder back gives the same adapter.
            let again = try Checkpoint.load(from: fixture("\(family)_base"))
            _ = try PEFTAdapterFolder.attach(committed, to: again, baseFingerprint: nil)
            assertClose(try withNoGrad { try again.logits(ids(e), batch: 2) }.value.scalars, logits, rtol: 0, atol: 0)
        }
    }
}
