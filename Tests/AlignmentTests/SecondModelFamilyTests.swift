import Alignment
import Autograd
@testable import Datasets
import Foundation
import Models
@testable import Recipes
import TensorCore
import Training
import XCTest

/// A second, test-only architecture: a bigram language model (token embedding, a tanh, an untied head). It
/// exists to prove that a family registered by `model_type` trains with SFT and DPO through the unchanged jobs.
final class BigramLanguageModel: CausalLanguageModel {
    struct Config: Codable {
        var modelType = "test-bigram"
        var vocabSize: Int
        var hiddenSize: Int
        var maxPositionEmbeddings: Int
        enum CodingKeys: String, CodingKey {
            case modelType = "model_type", vocabSize = "vocab_size", hiddenSize = "hidden_size"
            case maxPositionEmbeddings = "max_position_embeddings"
        }
    }
    let config: Config
    let embed: Variable, head: Variable

    init(_ config: Config, seed: UInt64) {
        self.config = config
        var rng = SeededGenerator(seed: seed)
        embed = Variable(.normal([config.vocabSize, config.hiddenSize], std: 0.5, using: &rng), requiresGrad: true)
        head = Variable(.normal([config.vocabSize, config.hiddenSize], std: 0.5, using: &rng), requiresGrad: true)
    }

    static var modelTypes: [String] { ["test-bigram"] }
    static func make(configJSON: Data, seed: UInt64) throws -> BigramLanguageModel {
        BigramLanguageModel(try JSONDecoder().decode(Config.self, from: configJSON), seed: seed)
    }
    func configJSON() throws -> Data { try JSONEncoder().encode(config) }
    var vocabularySize: Int { config.vocabSize }
    var contextLength: Int { config.maxPositionEmbeddings }
    var hiddenSize: Int { config.hiddenSize }
    var configEOSTokenId: Int32? { nil }
    var namedParameters: [(String, Variable)] { [("embed.weight", embed), ("lm_head.weight", head)] }

    func lastHiddenStates(_ ids: [Int32], batch: Int) throws -> Variable {
        let t = try checkInput(ids, batch: batch)
        return try Variable.embedding(weight: embed, ids: ids, shape: [batch, t]).tanh()
    }
    func outputLogits(_ hidden: Variable) throws -> Variable { try Variable.matmul(hidden, head, transposeB: true) }
    func makeKVCache() -> KVCache { KVCache(layers: 0, capacity: config.maxPositionEmbeddings, width: 0) }
    func forwardCached(_ ids: [Int32], cache: inout KVCache) throws -> Tensor {
        cache.length += ids.count
        return try withNoGrad { try logits([ids.last!], batch: 1) }.value.reshaped([config.vocabSize])
    }
}

final class SecondModelFamilyTests: XCTestCase {
    func testSFTAndDPOTrainAModelFamilyRegisteredByModelType() throws {
        ModelRegistry.register(BigramLanguageModel.self)
        let world = try TinyWorld()
        defer { world.remove() }
        let tokenizerJSON = try Data(contentsOf: world.base.appendingPathComponent("tokenizer.json"))
        let vocab = try Checkpoint.load(from: world.base).vocabularySize
        let base = world.root.appendingPathComponent("bigram")
        let model = BigramLanguageModel(.init(vocabSize: vocab, hiddenSize: 8, maxPositionEmbeddings: 64), seed: 3)
        try Checkpoint.save(model, to: base, extraFiles: ["tokenizer.json": tokenizerJSON])
        XCTAssertTrue(try Checkpoint.load(from: base) is BigramLanguageModel)

        var sft = SFTConfig()
        sft.steps = 12; sft.batchSize = 8; sft.lr = 3e-2; sft.warmupSteps = 0; sft.evalEvery = 12
        var sftJob = SFTJob(model: base, data: world.data, out: world.root.appendingPathComponent("sft"), config: sft)
        sftJob.showProgress = false
        try sftJob.run(log: { _ in })
        let sftLines = try MetricsLog.read(world.root.appendingPathComponent("sft/metrics.jsonl")).filter { $0["split"] as? String == "train" }
        let first = (sftLines.first!["loss"] as! NSNumber).doubleValue, last = (sftLines.last!["loss"] as! NSNumber).doubleValue
        XCTAssertLessThan(last, first - 0.3, "SFT lowers the loss of the bigram model")
        let sftModel = world.root.appendingPathComponent("sft/final")
        XCTAssertTrue(try Checkpoint.load(from: sftModel) is BigramLanguageModel)

        var align = AlignConfig()
        align.method = "gr-dpo"; align.steps = 10; align.batchSize = 8; align.lr = 3e-2; align.warmupSteps = 0; align.evalEvery = 5
        align.etaAlpha = 0.5
        var alignJob = AlignJob(model: sftModel, data: world.data, out: world.root.appendingPathComponent("dpo"), config: align)
        alignJob.showProgress = false
        let result = try alignJob.run(log: { _ in })
        let lines = try MetricsLog.read(world.root.appendingPathComponent("dpo/metrics.jsonl")).filter { $0["split"] as? String == "train" }
        // Step 1 starts at the reference (the reference log-probs came through the protocol): every pair's loss is ln 2.
        XCTAssertEqual((lines.first!["loss"] as! NSNumber).doubleValue, log(2), accuracy: 1e-5)
        XCTAssertEqual(lines.count, 10)
        // A bigram model sees only the token before the answer, which every prompt shares, so it cannot fit
        // preferences that depend on the question; but the policy moved, and so did the robust weights.
        let before = try Checkpoint.load(from: sftModel).parameters.map(\.value.scalars)
        XCTAssertNotEqual(try Checkpoint.load(from: world.root.appendingPathComponent("dpo/final")).parameters.map(\.value.scalars), before)
        XCTAssertEqual(result.groups, ["east", "north", "south"])
        XCTAssertNotEqual(result.alpha, [1.0 / 3, 1.0 / 3, 1.0 / 3])
        XCTAssertNotNil(result.metrics["worst_group/loss"])
        let aligned = try Checkpoint.load(from: world.root.appendingPathComponent("dpo/final"))
        XCTAssertTrue(aligned is BigramLanguageModel)
        XCTAssertEqual(try aligned.generate(prompt: [1, 2], maxNewTokens: 3).count, 5)
    }
}
