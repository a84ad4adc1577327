import Foundation
import Models
import TensorCore
import XCTest

/// The bounds `PEFTAdapterFolder.read` states: typed config values, a rank from 1 to `maxRank` that the tensors
/// really have, PEFT's tensor names in A/B pairs, and shapes checked against the model before any adapter is
/// allocated — one test per bound, each on a folder written here (the fuzz target FuzzPEFTAdapter covers the rest).
final class PEFTAdapterBoundsTests: XCTestCase {
    let module = "transformer.h.0.attn.c_attn"
    var scratch: URL!

    override func setUpWithError() throws {
        scratch = FileManager.default.temporaryDirectory.appendingPathComponent("peft-bounds-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true)
    }

    override func tearDown() { try? FileManager.default.removeItem(at: scratch) }

    /// A tiny GPT-2 whose c_attn maps 8 -> 24.
    func model() throws -> GPT { try GPT(GPTConfig(vocabSize: 16, nPositions: 8, nEmbd: 8, nLayer: 1, nHead: 2), seed: 1) }

    /// An adapter folder with PEFT's config keys (`changes` applied, nil values removed) and `tensors`
    /// (default: a rank-2 pair that fits c_attn).
    func folder(_ changes: [String: Any?] = [:], tensors: [String: Tensor]? = nil) throws -> URL {
        var config: [String: Any] = ["peft_type": "LORA", "r": 2, "lora_alpha": 4, "lora_dropout": 0.0, "use_rslora": false,
                                     "target_modules": ["c_attn"], "bias": "none", "base_model_name_or_path": "base"]
        for (k, v) in changes { config[k] = v }
        let dir = scratch.appendingPathComponent(UUID().uuidString)
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        try JSONSerialization.data(withJSONObject: config).write(to: dir.appendingPathComponent(PEFTAdapterFolder.configFile))
        let pair = [LoRAAdapters.peftName(module: module, "A"): Tensor(shape: [2, 8], repeating: 0.5),
                    LoRAAdapters.peftName(module: module, "B"): Tensor(shape: [24, 2], repeating: 0.25)]
        try SafeTensors.write(tensors ?? pair, to: dir.appendingPathComponent(PEFTAdapterFolder.weightsFile))
        return dir
    }

    func assertRefused(_ dir: URL, _ part: String, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertThrowsError(try PEFTAdapterFolder.read(dir), file: file, line: line) { error in
            XCTAssertTrue("\(error)".contains(part), "'\(error)' lacks '\(part)'", file: file, line: line)
        }
    }

    func testAWellFormedAdapterReadsAndAttaches() throws {
        let contents = try PEFTAdapterFolder.read(try folder())
        XCTAssertEqual(contents.config.r, 2)
        XCTAssertEqual(contents.config.alpha, 4)
        XCTAssertEqual(contents.modules, [module])
        let adapters = try PEFTAdapterFolder.attach(try folder(), to: try model(), baseFingerprint: nil)
        XCTAssertEqual(adapters.modules.map(\.adapter.b.value.shape), [[24, 2]])
        XCTAssertEqual(adapters.modules[0].adapter.b.value[flat: 0], 0.25)
    }

    func testRankMustBeAnIntegerFromOneToMaxRank() throws {
        for bad: Any in [0, -3, PEFTAdapterFolder.maxRank + 1, 1e30, 2.5, NSNull()] {
            assertRefused(try folder(["r": bad]), "field r: must be an integer from 1 to \(PEFTAdapterFolder.maxRank)")
        }
        for bad: Any in [true, "2", [2]] { assertRefused(try folder(["r": bad]), "field r: must be a number") }
        assertRefused(try folder(["r": nil]), "field r")
    }

    func testTypedFieldsAreRefusedByName() throws {
        assertRefused(try folder(["lora_alpha": true]), "field lora_alpha")
        assertRefused(try folder(["lora_alpha": -1]), "field lora_alpha")
        assertRefused(try folder(["lora_dropout": 1.5]), "field lora_dropout: must lie in [0, 1)")
        assertRefused(try folder(["lora_dropout": "0.1"]), "field lora_dropout: must be a number")
        assertRefused(try folder(["use_rslora": 1]), "field use_rslora: must be true or false")
        assertRefused(try folder(["use_dora": "yes"]), "field use_dora: must be true or false")
        assertRefused(try folder(["target_modules": [1, 2]]), "field target_modules")
        assertRefused(try folder(["target_modules": 7]), "field target_modules")
        assertRefused(try folder(["base_model_name_or_path": 3]), "field base_model_name_or_path")
    }

    func testAClaimedRankTheTensorsDoNotHaveIsRefused() throws {
        assertRefused(try folder(["r": 64]), "a rank-64 adapter's lora_A is [64, in]")
        let wrongB = [LoRAAdapters.peftName(module: module, "A"): Tensor(shape: [2, 8], repeating: 0),
                      LoRAAdapters.peftName(module: module, "B"): Tensor(shape: [24, 3], repeating: 0)]
        assertRefused(try folder(tensors: wrongB), "lora_B is [out, 2]")
    }

    func testTensorsMustBeTwoDimensionalPairsUnderPEFTNames() throws {
        assertRefused(try folder(tensors: [LoRAAdapters.peftName(module: module, "A"): Tensor(shape: [2, 8], repeating: 0)]),
                      "module \(module) has lora_A but no lora_B")
        assertRefused(try folder(tensors: [LoRAAdapters.peftName(module: module, "A"): Tensor(shape: [2], repeating: 0),
                                           LoRAAdapters.peftName(module: module, "B"): Tensor(shape: [24, 2], repeating: 0)]),
                      "has shape [2]")
        assertRefused(try folder(tensors: ["base_model.model.lora_A.weight": Tensor(shape: [2, 8], repeating: 0)]),
                      "is not a LoRA A/B weight under PEFT's names")
        assertRefused(try folder(tensors: ["model.layers.0.q_proj.weight": Tensor(shape: [2, 8], repeating: 0)]),
                      "is not a LoRA A/B weight under PEFT's names")
    }

    /// A huge rank over thin tensors (the file is small, the adapters it asks for are not) is refused against the
    /// model's widths before anything is attached: the model is left untouched, still trainable and adapter-free.
    func testAnAbsurdRankOverThinTensorsIsRefusedBeforeAttaching() throws {
        let r = 100_000
        let dir = try folder(["r": r], tensors: [LoRAAdapters.peftName(module: module, "A"): Tensor(shape: [r, 1], repeating: 0),
                                                 LoRAAdapters.peftName(module: module, "B"): Tensor(shape: [1, r], repeating: 0)])
        XCTAssertEqual(try PEFTAdapterFolder.read(dir).config.r, r)
        let m = try model()
        XCTAssertThrowsError(try PEFTAdapterFolder.attach(dir, to: m, baseFingerprint: nil)) { error in
            XCTAssertTrue("\(error)".contains("has shape [100000, 1], but this model's \(module) (8 -> 24) needs [100000, 8]"), "\(error)")
        }
        XCTAssertTrue(m.linearModules.allSatisfy { $0.1.adapter == nil })
        XCTAssertTrue(m.parameters.allSatisfy(\.requiresGrad))
    }

    func testAModuleTheModelLacksIsRefused() throws {
        let other = "model.layers.0.self_attn.q_proj"
        let dir = try folder(tensors: [LoRAAdapters.peftName(module: other, "A"): Tensor(shape: [2, 8], repeating: 0),
                                       LoRAAdapters.peftName(module: other, "B"): Tensor(shape: [8, 2], repeating: 0)])
        XCTAssertThrowsError(try PEFTAdapterFolder.attach(dir, to: try model(), baseFingerprint: nil)) { error in
            XCTAssertTrue("\(error)".contains("the adapter adapts \(other), which this --model does not have"), "\(error)")
        }
    }

    func testBadJSONIsRefused() throws {
        let dir = try folder()
        try Data("{\"peft_type\": \"LORA\", ".utf8).write(to: dir.appendingPathComponent(PEFTAdapterFolder.configFile))
        assertRefused(dir, "adapter_config.json: not a JSON object")
    }
}
