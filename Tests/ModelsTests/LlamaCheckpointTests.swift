import Autograd
import Foundation
import Models
import TensorCore
import XCTest

/// Loading Llama-family folders: sharded files, missing shards and tensors, shapes that disagree with the
/// config, and the protocol path (Checkpoint.load → logits / loss / generate) every trainer uses.
final class LlamaCheckpointTests: XCTestCase {
    var dir: URL!
    override func setUp() { dir = FileManager.default.temporaryDirectory.appendingPathComponent("ta-llama-\(UUID().uuidString)") }
    override func tearDown() { try? FileManager.default.removeItem(at: dir) }

    let config = LlamaConfig(modelType: "qwen3", vocabSize: 60, hiddenSize: 16, intermediateSize: 24, numLayers: 2,
                             numHeads: 4, numKeyValueHeads: 2, headDim: 8, maxPositions: 32, tieWordEmbeddings: false)

    /// Splits a saved model.safetensors into two shards with an index, as save_pretrained does.
    func shard(_ folder: URL) throws {
        let tensors = try Checkpoint.loadTensors(from: folder)
        let names = tensors.keys.sorted()
        var map: [String: String] = [:]
        for (i, part) in [names.prefix(names.count / 2), names.suffix(from: names.count / 2)].enumerated() {
            let file = "model-0000\(i + 1)-of-00002.safetensors"
            try SafeTensors.write(Dictionary(uniqueKeysWithValues: part.map { ($0, tensors[$0]!) }), to: folder.appendingPathComponent(file))
            for n in part { map[n] = file }
        }
        try FileManager.default.removeItem(at: folder.appendingPathComponent("model.safetensors"))
        try JSONSerialization.data(withJSONObject: ["metadata": ["total_size": 0], "weight_map": map])
            .write(to: folder.appendingPathComponent("model.safetensors.index.json"))
    }

    func testShardedFolderLoadsThroughTheRegistry() throws {
        let model = try Llama(config, seed: 5)
        try Checkpoint.save(model, to: dir)
        try shard(dir)
        let back = try Checkpoint.load(from: dir)
        XCTAssertTrue(back is Llama)
        let ids: [Int32] = [3, 9, 27, 4, 1, 59]
        XCTAssertEqual(try back.logits(ids, batch: 2).value.scalars, try model.logits(ids, batch: 2).value.scalars)
        // The protocol path: loss, backward into every parameter, and cached generation equal to uncached.
        let loss = try back.loss(ids, targets: [9, 27, -100, 1, 59, -100], batch: 2)
        loss.backward()
        XCTAssertTrue(back.parameters.allSatisfy { $0.grad != nil })
        XCTAssertEqual(try back.generate(prompt: [3, 9], maxNewTokens: 12), try back.generate(prompt: [3, 9], maxNewTokens: 12, useCache: false))
    }

    func testMissingShardIsNamed() throws {
        try Checkpoint.save(try Llama(config, seed: 1), to: dir)
        try shard(dir)
        try FileManager.default.removeItem(at: dir.appendingPathComponent("model-00002-of-00002.safetensors"))
        XCTAssertThrowsError(try Checkpoint.load(from: dir)) { e in
            XCTAssertTrue("\(e)".contains("shard model-00002-of-00002.safetensors is listed but missing"), "\(e)")
        }
    }

    func testMissingTensorAndWrongShapeAreNamed() throws {
        try Checkpoint.save(try Llama(config, seed: 1), to: dir)
        var tensors = try Checkpoint.loadTensors(from: dir)
        tensors["model.layers.1.self_attn.k_norm.weight"] = nil
        try SafeTensors.write(tensors, to: dir.appendingPathComponent("model.safetensors"))
        XCTAssertThrowsError(try Checkpoint.load(from: dir)) { e in
            XCTAssertTrue("\(e)".contains("missing tensor model.layers.1.self_attn.k_norm.weight"), "\(e)")
        }
        tensors["model.layers.1.self_attn.k_norm.weight"] = .zeros([8])
        tensors["model.layers.0.self_attn.k_proj.weight"] = .zeros([8, 16])
        try SafeTensors.write(tensors, to: dir.appendingPathComponent("model.safetensors"))
        XCTAssertThrowsError(try Checkpoint.load(from: dir)) { e in
            XCTAssertTrue("\(e)".contains("tensor model.layers.0.self_attn.k_proj.weight has shape [8, 16], config needs [16, 16]"), "\(e)")
        }
    }

    /// A config.json claiming a million layers fails on the config, before any weight is allocated or read.
    func testAbsurdConfigFailsBeforeAllocating() throws {
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        var object = try JSONSerialization.jsonObject(with: Llama(config).configJSON()) as! [String: Any]
        object["num_hidden_layers"] = 1_000_000
        try JSONSerialization.data(withJSONObject: object).write(to: dir.appendingPathComponent("config.json"))
        XCTAssertThrowsError(try Checkpoint.load(from: dir)) { e in
            XCTAssertTrue("\(e)".contains("num_hidden_layers 1000000 exceeds"), "\(e)")
        }
    }

    /// The cache starts small and grows as decoding passes its capacity, keeping what it holds.
    func testKVCacheGrowsPastItsFirstCapacity() throws {
        var big = config
        big.maxPositions = 600
        let model = try Llama(big, seed: 2)
        XCTAssertEqual(model.makeKVCache().capacity, 256)
        let prompt = (0..<300).map { Int32($0 % 60) }
        var cache = model.makeKVCache()
        let cached = try model.forwardCached(prompt, cache: &cache)
        XCTAssertGreaterThanOrEqual(cache.capacity, 300)
        let step = try model.forwardCached([7], cache: &cache)
        assertCloseArrays(cached.scalars, try model.lastLogits(prompt).scalars)
        assertCloseArrays(step.scalars, try model.lastLogits(prompt + [7]).scalars)
    }

    func assertCloseArrays(_ a: [Float], _ b: [Float], file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertEqual(a.count, b.count, file: file, line: line)
        let worst = zip(a, b).map { abs($0 - $1) / (abs($1) + 1e-3) }.max() ?? 0
        XCTAssertLessThan(worst, 1e-3, file: file, line: line)
    }
}
