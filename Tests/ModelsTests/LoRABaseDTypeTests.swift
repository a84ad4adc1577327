import Autograd
import Foundation
@testable import Models
import TensorCore
import TestSupport
import XCTest

/// `--base-dtype bf16|f16`: the frozen projection weights are held as 16-bit values (their F32 copies released)
/// and widened for each product; adapters stay F32.
final class LoRABaseDTypeTests: XCTestCase {
    func base() throws -> any CausalLanguageModel { try Checkpoint.load(from: Fixtures.url("lora/llama_base")) }

    /// The narrowed model computes exactly what the F32 model computes with its projection weights rounded to
    /// that dtype, holds no F32 copy of them, and still trains its adapters.
    func testNarrowedBaseEqualsTheRoundedF32ModelAndFreesTheF32Weights() throws {
        let ids: [Int32] = [3, 17, 5, 42, 9, 0, 63, 12]
        for (name, dtype) in [("bf16", SafeTensorsDType.bf16), ("f16", .f16)] {
            let narrowed = try base()
            let adapters = try LoRAAdapters.attach(to: narrowed, config: LoRAConfig(r: 2, targets: ["all-linear"], baseDType: name), seed: 1)
            XCTAssertTrue(narrowed.linearModules.allSatisfy { $0.1.weight.shape == [0] && $0.1.narrowedWeight?.dtype == dtype }, name)
            XCTAssertEqual(adapters.modules.first?.layer.inFeatures, 16)
            let rounded = try base()
            for (_, layer) in rounded.linearModules {
                let t = layer.weight.value
                layer.weight.assign(Tensor(shape: t.shape, t.scalars.map {
                    dtype == .bf16 ? HalfPrecision.float(fromBFloat: HalfPrecision.bfloat(from: $0))
                                   : HalfPrecision.float(fromHalf: HalfPrecision.half(from: $0))
                }))
            }
            let want = try withNoGrad { try rounded.logits(ids, batch: 1) }.value.scalars
            let got = try withNoGrad { try narrowed.logits(ids, batch: 1) }.value.scalars
            assertClose(got, want, rtol: 0, atol: 1e-5, name)
            let f32 = try withNoGrad { try base().logits(ids, batch: 1) }.value.scalars
            XCTAssertGreaterThan(zip(f32, got).map { abs($0 - $1) }.max()!, 1e-6, "\(name) really rounds")
            let loss = try narrowed.loss(ids, targets: ids.dropFirst() + [-100], batch: 1)
            loss.backward()
            XCTAssertTrue(adapters.modules.allSatisfy { $0.adapter.b.grad != nil }, name)
            XCTAssertThrowsError(try Checkpoint.write(narrowed, into: FileManager.default.temporaryDirectory)) { error in
                XCTAssertTrue("\(error)".contains("held in a narrowed dtype"), "\(error)")
            }
            XCTAssertThrowsError(try adapters.mergeAndUnload(from: narrowed))
        }
    }

    /// PEFT's initialisation: A ~ U(−1/√in, 1/√in) (Kaiming-uniform with a = √5), B = 0, scale α/r or α/√r.
    func testFreshAdaptersFollowPEFTsInitialisationAndScaling() throws {
        let model = try base()
        let adapters = try LoRAAdapters.attach(to: model, config: LoRAConfig(r: 4, alpha: 8, targets: ["down_proj"]), seed: 3)
        XCTAssertEqual(adapters.modules.map(\.name), ["model.layers.0.mlp.down_proj", "model.layers.1.mlp.down_proj"])
        for m in adapters.modules {
            let a = m.adapter.a.value.scalars, bound = 1 / Float(32).squareRoot()
            XCTAssertEqual(m.adapter.a.shape, [4, 32])
            XCTAssertTrue(a.allSatisfy { abs($0) <= bound })
            XCTAssertGreaterThan(a.map(abs).max()!, 0.8 * bound)
            XCTAssertEqual(m.adapter.b.value.scalars, [Float](repeating: 0, count: 16 * 4))
            XCTAssertEqual(m.adapter.scaling, 2)
        }
        XCTAssertEqual(LoRAConfig(r: 4, alpha: 8, useRSLoRA: true).scaling, 4)
        XCTAssertTrue(model.parameters.allSatisfy { !$0.requiresGrad })
        XCTAssertEqual(adapters.parameters.count, 4)
    }
}
