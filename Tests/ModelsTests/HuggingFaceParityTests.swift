import Autograd
import Foundation
import Models
import TensorCore
import TestSupport
import XCTest

/// Our GPT against `transformers.GPT2LMHeadModel` on the same random checkpoint and token ids.
final class HuggingFaceParityTests: XCTestCase {
    func expected() throws -> [String: Tensor] {
        try SafeTensors.read(contentsOf: Fixtures.url("hf_gpt2_expected.safetensors")).tensors
    }

    func ids(_ e: [String: Tensor]) -> [Int32] { e["input_ids"]!.scalars.map { Int32($0) } }

    /// Next-token targets for (2, 16) ids: position t predicts t+1, the last position of each row is ignored.
    func targets(_ ids: [Int32], t: Int) -> [Int32] {
        (0..<ids.count).map { i in i % t == t - 1 ? -100 : ids[i + 1] }
    }

    func testLogitsLossAndGradientsMatchTransformers() throws {
        let e = try expected()
        let model = try Checkpoint.load(GPT.self, from: Fixtures.url("hf_gpt2"))
        XCTAssertEqual(model.config, GPTConfig(vocabSize: 300, nPositions: 32, nEmbd: 64, nLayer: 2, nHead: 4))
        let x = ids(e)
        let logits = try model.logits(x, batch: 2)
        assertClose(logits.value.scalars, e["logits"]!.scalars, rtol: 1e-4, atol: 1e-5, "logits")
        let loss = try model.loss(x, targets: targets(x, t: 16), batch: 2)
        assertClose(loss.value.item, e["loss"]!.item, rtol: 1e-5, atol: 0, "loss")
        loss.backward()
        let params = Dictionary(uniqueKeysWithValues: model.namedParameters)
        for (key, grad) in e where key.hasPrefix("grad.") {
            let name = String(key.dropFirst(5))
            let ours = try XCTUnwrap(params[name]?.grad, name)
            // Gradients of tiny magnitude are compared with an absolute floor relative to the tensor's scale.
            let scale = grad.scalars.map(abs).max()!
            assertClose(ours.scalars, grad.scalars, rtol: 1e-4, atol: 1e-5 * scale, name)
        }
    }

    /// A folder written by TinyAlign (committed as tinyalign_gpt2/) loads in transformers: the script's
    /// recorded logits match ours, and our writer still produces that folder byte for byte.
    func testOurCheckpointLoadsInTransformers() throws {
        let model = try GPT(GPTConfig(vocabSize: 300, nPositions: 32, nEmbd: 64, nLayer: 2, nHead: 4), seed: 42)
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("ta-ckpt-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: dir) }
        try Checkpoint.save(model, to: dir)
        for file in ["model.safetensors", "config.json"] {
            XCTAssertEqual(try Data(contentsOf: dir.appendingPathComponent(file)),
                           try Data(contentsOf: Fixtures.url("tinyalign_gpt2/\(file)")), file)
        }
        let hf = try SafeTensors.read(contentsOf: Fixtures.url("tinyalign_gpt2_hf_logits.safetensors")).tensors["logits"]!
        let ours = try withNoGrad { try model.logits(ids(try expected()), batch: 2) }
        assertClose(ours.value.scalars, hf.scalars, rtol: 1e-4, atol: 1e-6)
    }
}
