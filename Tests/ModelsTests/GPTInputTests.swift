import Autograd
import Models
import TensorCore
import TestSupport
import XCTest

final class GPTInputTests: XCTestCase {
    let config = GPTConfig(vocabSize: 40, nPositions: 12, nEmbd: 16, nLayer: 2, nHead: 4)

    func testRejectsOutOfRangeIdsAndLongSequences() throws {
        let model = try GPT(config)
        XCTAssertThrowsError(try model.logits([1, 2, 40], batch: 1)) { e in
            XCTAssertEqual("\(e)", "invalid input: token id 40 is outside the vocabulary of 40")
        }
        XCTAssertThrowsError(try model.logits(Array(repeating: 1, count: 13), batch: 1)) { e in
            XCTAssertEqual("\(e)", "invalid input: sequence of 13 tokens is longer than the context of 12")
        }
        XCTAssertThrowsError(try model.generate(prompt: Array(repeating: 1, count: 13), maxNewTokens: 1)) { e in
            XCTAssertTrue("\(e)".contains("longer than the context"), "\(e)")
        }
    }

    func testInitialLossIsNearLogVocab() throws {
        let model = try GPT(config, seed: 1)
        var rng = SeededGenerator(seed: 2)
        let ids = (0..<24).map { _ in Int32(rng.nextInt(below: 40)) }
        let targets = (0..<24).map { _ in Int32(rng.nextInt(below: 40)) }
        let loss = try model.loss(ids, targets: targets, batch: 2).value.item
        XCTAssertEqual(loss, log(40), accuracy: 0.05)
    }

    func testGreedyDecodingWithAndWithoutCacheAgree() throws {
        let model = try GPT(config, seed: 9)
        // Larger weights so the argmax is not decided by rounding noise between the two paths.
        for p in model.parameters { p.updateValue { $0.scale(by: 20) } }
        let cached = try model.generate(prompt: [3, 7, 1], maxNewTokens: 8, useCache: true)
        let uncached = try model.generate(prompt: [3, 7, 1], maxNewTokens: 8, useCache: false)
        XCTAssertEqual(cached, uncached)
        XCTAssertEqual(cached.count, 11)
        // And the cached logits equal the full forward pass's.
        var cache = KVCache(for: config)
        _ = try model.forwardCached([3, 7], cache: &cache)
        let step = try model.forwardCached([1], cache: &cache)
        assertClose(step.scalars, try model.lastLogits([3, 7, 1]).scalars, rtol: 1e-4, atol: 1e-4)
    }

    func testSamplingIsSeededAndRespectsTopK() throws {
        let logits = Tensor(shape: [5], [0, 3, 2.5, -1, 1])
        var a = SeededGenerator(seed: 5), b = SeededGenerator(seed: 5)
        let opts = SamplingOptions(temperature: 1, topK: 2)
        let draws = (0..<200).map { _ in Sampler.pick(logits, options: opts, rng: &a) }
        XCTAssertEqual(draws, (0..<200).map { _ in Sampler.pick(logits, options: opts, rng: &b) })
        XCTAssertEqual(Set(draws), [1, 2])
        let top = (0..<50).map { _ in Sampler.pick(logits, options: SamplingOptions(temperature: 1, topP: 0.01), rng: &a) }
        XCTAssertEqual(Set(top), [1])
    }
}
