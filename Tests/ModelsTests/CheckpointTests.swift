import Autograd
import Foundation
import Models
import TensorCore
import XCTest

final class CheckpointTests: XCTestCase {
    var dir: URL!
    override func setUp() {
        dir = FileManager.default.temporaryDirectory.appendingPathComponent("ta-ckpt-\(UUID().uuidString)")
    }
    override func tearDown() { try? FileManager.default.removeItem(at: dir) }

    let config = GPTConfig(vocabSize: 50, nPositions: 16, nEmbd: 16, nLayer: 2, nHead: 2)

    func testRoundTripKeepsEveryParameter() throws {
        let model = try GPT(config, seed: 3)
        try Checkpoint.save(model, to: dir.appendingPathComponent("m"), extraFiles: ["tokenizer.json": Data("{}".utf8)])
        let back = try Checkpoint.load(GPT.self, from: dir.appendingPathComponent("m"))
        XCTAssertEqual(back.config, config)
        for ((n1, p1), (n2, p2)) in zip(model.namedParameters, back.namedParameters) {
            XCTAssertEqual(n1, n2)
            XCTAssertEqual(p1.value.scalars, p2.value.scalars, n1)
        }
        XCTAssertTrue(FileManager.default.fileExists(atPath: dir.appendingPathComponent("m/tokenizer.json").path))
        // Nothing temporary is left beside the folder.
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: dir.path), ["m"])
    }

    func testMissingTensorIsNamed() throws {
        let model = try GPT(config, seed: 3)
        try Checkpoint.save(model, to: dir)
        var tensors = try Checkpoint.loadTensors(from: dir)
        tensors["transformer.h.1.mlp.c_fc.bias"] = nil
        try SafeTensors.write(tensors, to: dir.appendingPathComponent("model.safetensors"))
        XCTAssertThrowsError(try Checkpoint.load(from: dir)) { e in
            XCTAssertTrue("\(e)".contains("missing tensor transformer.h.1.mlp.c_fc.bias"), "\(e)")
        }
    }

    func testShapeDisagreeingWithConfigIsNamed() throws {
        let model = try GPT(config, seed: 3)
        try Checkpoint.save(model, to: dir)
        var bigger = config
        bigger.nEmbd = 32
        try JSONEncoder().encode(bigger).write(to: dir.appendingPathComponent("config.json"))
        XCTAssertThrowsError(try Checkpoint.load(from: dir)) { e in
            XCTAssertTrue("\(e)".contains("transformer.wte.weight has shape [50, 16], config needs [50, 32]"), "\(e)")
        }
    }

    func testConfigRejectsIndivisibleHeads() {
        XCTAssertThrowsError(try GPT(GPTConfig(vocabSize: 10, nPositions: 8, nEmbd: 10, nLayer: 1, nHead: 3))) { e in
            XCTAssertEqual("\(e)", "invalid config: n_embd (10) is not divisible by n_head (3)")
        }
    }

    func testConfigJSONUsesHuggingFaceKeys() throws {
        let json = try JSONSerialization.jsonObject(with: JSONEncoder().encode(config)) as! [String: Any]
        XCTAssertEqual(json["n_embd"] as? Int, 16)
        XCTAssertEqual(json["n_layer"] as? Int, 2)
        XCTAssertEqual(json["model_type"] as? String, "gpt2")
        XCTAssertEqual(json["activation_function"] as? String, "gelu_new")
        XCTAssertEqual(try JSONDecoder().decode(GPTConfig.self, from: JSONEncoder().encode(config)), config)
    }
}
