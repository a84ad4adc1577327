import Foundation
import Models
import XCTest

/// config.json reading for the Llama family: HF keys and defaults, and a one-line error naming the key for
/// every unsupported option or absurd size.
final class LlamaConfigTests: XCTestCase {
    let base: [String: Any] = [
        "model_type": "llama", "vocab_size": 100, "hidden_size": 32, "intermediate_size": 48, "num_hidden_layers": 2,
        "num_attention_heads": 4, "num_key_value_heads": 2, "max_position_embeddings": 64,
    ]

    func decode(_ changes: [String: Any?]) throws -> LlamaConfig {
        var object = base
        for (k, v) in changes { object[k] = v }
        return try JSONDecoder().decode(LlamaConfig.self, from: JSONSerialization.data(withJSONObject: object))
    }

    func assertRejected(_ changes: [String: Any?], mentioning text: String, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertThrowsError(try decode(changes), file: file, line: line) { e in
            let message = "\(e)"
            XCTAssertTrue(message.contains(text), message, file: file, line: line)
            XCTAssertFalse(message.contains("\n"), "one line: \(message)", file: file, line: line)
        }
    }

    func testDefaultsAndDerivedSizes() throws {
        let c = try decode([:])
        XCTAssertEqual(c.headDim, 8)
        XCTAssertEqual(c.ropeTheta, 10000)
        XCTAssertEqual(c.ropeScaling, .none)
        XCTAssertEqual(c.activation, .silu)
        XCTAssertFalse(c.tieWordEmbeddings)
        XCTAssertEqual(c.contextLength, 64)
        let gemma = try decode(["model_type": "gemma", "head_dim": nil])
        XCTAssertEqual(gemma.headDim, 256)
        XCTAssertEqual(gemma.activation, .geluTanh)
        XCTAssertTrue(gemma.tieWordEmbeddings)
        XCTAssertTrue(try decode(["model_type": "qwen2"]).qkvBias)
        XCTAssertFalse(try decode(["model_type": "qwen2"]).outputBias)
    }

    func testTokenIdsAsIntOrList() throws {
        XCTAssertEqual(try decode(["eos_token_id": [2, 7]]).eosTokenIds, [2, 7])
        XCTAssertEqual(try decode(["eos_token_id": 5]).eosTokenIds, [5])
        assertRejected(["eos_token_id": "x"], mentioning: "eos_token_id")
        assertRejected(["eos_token_id": 100], mentioning: "eos_token_id")
    }

    func testRoPEScalingBothSpellings() throws {
        let v4 = try decode(["rope_theta": 500000.0, "rope_scaling": ["rope_type": "llama3", "factor": 32.0, "low_freq_factor": 1.0,
                                                                      "high_freq_factor": 4.0, "original_max_position_embeddings": 8192]])
        XCTAssertEqual(v4.ropeTheta, 500000)
        XCTAssertEqual(v4.ropeScaling, .llama3(factor: 32, lowFreqFactor: 1, highFreqFactor: 4, originalMaxPositions: 8192))
        let v5 = try decode(["rope_parameters": ["rope_type": "linear", "factor": 2.0, "rope_theta": 1000.0]])
        XCTAssertEqual(v5.ropeTheta, 1000)
        XCTAssertEqual(v5.ropeScaling, .linear(factor: 2))
        let dynamic = try decode(["rope_scaling": ["type": "dynamic", "factor": 4.0]])
        XCTAssertEqual(dynamic.contextLength, 256, "dynamic NTK extends the context by its factor")
    }

    func testUnsupportedOptionsNameTheirKey() {
        assertRejected(["hidden_act": "relu"], mentioning: "hidden_act \"relu\"")
        assertRejected(["rope_scaling": ["rope_type": "yarn", "factor": 4.0]], mentioning: "rope_scaling.rope_type \"yarn\"")
        assertRejected(["rope_scaling": ["rope_type": "llama3", "factor": 8.0]], mentioning: "rope_scaling.low_freq_factor")
        assertRejected(["num_key_value_heads": 3], mentioning: "num_attention_heads (4) is not divisible by num_key_value_heads (3)")
        assertRejected(["num_hidden_layers": 1_000_000], mentioning: "num_hidden_layers 1000000 exceeds")
        assertRejected(["hidden_size": -1], mentioning: "hidden_size must be positive")
        assertRejected(["vocab_size": nil], mentioning: "missing key vocab_size")
        assertRejected(["vocab_size": "many"], mentioning: "vocab_size has the wrong type")
        assertRejected(["model_type": "falcon"], mentioning: "model_type \"falcon\"")
        assertRejected(["head_dim": 7], mentioning: "head_dim 7 must be even")
        assertRejected(["pretraining_tp": 2], mentioning: "pretraining_tp")
        // Every size under its limit, but together too many parameters: refused before allocating.
        assertRejected(["hidden_size": 65536, "intermediate_size": 262144, "num_hidden_layers": 1000, "head_dim": 128],
                       mentioning: "parameters, above the limit")
    }

    func testSlidingWindowBoundsTheContext() throws {
        XCTAssertEqual(try decode(["model_type": "mistral", "sliding_window": 16]).contextLength, 16)
        XCTAssertEqual(try decode(["model_type": "qwen2", "sliding_window": 16]).contextLength, 64, "inert without use_sliding_window")
        XCTAssertEqual(try decode(["model_type": "qwen2", "sliding_window": 16, "use_sliding_window": true]).contextLength, 16)
        let model = try Llama(decode(["model_type": "mistral", "sliding_window": 8]))
        XCTAssertThrowsError(try model.logits(Array(repeating: 1, count: 9), batch: 1)) { e in
            XCTAssertTrue("\(e)".contains("longer than the context of 8"), "\(e)")
        }
    }

    /// Unknown keys survive a write/read, and the written config reads back equal.
    func testEncodeRoundTripKeepsExtras() throws {
        let c = try decode(["use_cache": true, "transformers_version": "4.44.0", "eos_token_id": [2, 3],
                            "rope_scaling": ["rope_type": "dynamic", "factor": 2.0]])
        let back = try JSONDecoder().decode(LlamaConfig.self, from: JSONEncoder().encode(c))
        XCTAssertEqual(back, c)
        XCTAssertEqual(back.extras["transformers_version"], .string("4.44.0"))
    }
}
