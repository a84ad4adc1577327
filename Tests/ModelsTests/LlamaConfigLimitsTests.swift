import Foundation
@testable import Models
import TensorCore
import XCTest

/// A Llama-family `config.json` is trusted only within stated limits and only after the weights agree with it, as
/// a GPT-2 one (`ConfigLimitsTests`): `Llama.expectedTensorShapes` lets `Checkpoint.load` compare the header with
/// the config before building anything. Before it, the loader built the model the config described first (a
/// config claiming 100 layers of width 1024 allocated 7 GB), and two RoPE numbers trapped on conversion.
final class LlamaConfigLimitsTests: XCTestCase {
    var dir: URL!
    override func setUp() { dir = FileManager.default.temporaryDirectory.appendingPathComponent("ta-llama-limits-\(UUID().uuidString)") }
    override func tearDown() { try? FileManager.default.removeItem(at: dir) }

    private func tiny(_ type: String) -> LlamaConfig {
        LlamaConfig(modelType: type, vocabSize: 50, hiddenSize: 16, intermediateSize: 24, numLayers: 2, numHeads: 4,
                    numKeyValueHeads: 2, headDim: type == "gemma" || type == "qwen3" ? 8 : nil,
                    attentionBias: type == "llama" ? true : nil, mlpBias: type == "mistral",
                    tieWordEmbeddings: type == "qwen2" ? true : nil)
    }

    /// The message of loading a saved tiny `type` model after replacing keys of its config.json.
    private func loadError(_ type: String = "llama", with changes: [String: Any]) throws -> String {
        try Checkpoint.save(try Llama(tiny(type), seed: 1), to: dir)
        let url = dir.appendingPathComponent("config.json")
        var object = try JSONSerialization.jsonObject(with: Data(contentsOf: url)) as! [String: Any]
        for (k, v) in changes { object[k] = v }
        try JSONSerialization.data(withJSONObject: object).write(to: url)
        do { _ = try Checkpoint.load(from: dir) } catch { return "\(error)" }
        return "loaded"
    }

    private var peakRSSBytes: Int {
        var usage = rusage()
        getrusage(RUSAGE_SELF.rawValue, &usage)
        return usage.ru_maxrss * 1024
    }

    /// Every family's variant (biases on q/k/v and o, Qwen2's biases, Qwen3's q/k norms, MLP biases, tied heads):
    /// the shapes from the config alone are the built model's parameters, names and order included.
    func testExpectedShapesAreTheBuiltModelsParameters() throws {
        for type in LlamaConfig.families {
            let config = tiny(type)
            let model = try Llama(config, seed: 0)
            let shapes = try XCTUnwrap(Llama.expectedTensorShapes(configJSON: try model.configJSON()), type)
            XCTAssertEqual(shapes.map(\.0), model.namedParameters.map(\.0), type)
            XCTAssertEqual(shapes.map(\.1), model.namedParameters.map { $0.1.shape }, type)
            // parameterCount, which the limit uses, counts every bias a family could have: an upper bound.
            XCTAssertLessThanOrEqual(shapes.reduce(0) { $0 + $1.1.reduce(1, *) }, try config.parameterCount(), type)
        }
    }

    /// A config within the limits but far larger than its weights (100 layers of width 1024: 6.7 GB as Float32)
    /// fails on the first disagreeing tensor from the header alone, without building the model.
    func testConfigIsCheckedAgainstTheWeightsBeforeBuilding() throws {
        let weights = dir.appendingPathComponent("model.safetensors").path
        let before = peakRSSBytes
        let text = try loadError(with: ["num_hidden_layers": 100, "hidden_size": 1024, "intermediate_size": 4096,
                                        "num_attention_heads": 16, "num_key_value_heads": 16, "head_dim": 64])
        XCTAssertEqual(text, weights + ": tensor model.embed_tokens.weight has shape [50, 16], config needs [50, 1024]")
        XCTAssertLessThan(peakRSSBytes - before, 500_000_000)
        XCTAssertEqual(try loadError(with: ["num_hidden_layers": 900]), weights + ": missing tensor model.layers.2.input_layernorm.weight")
        XCTAssertEqual(try loadError("qwen2", with: ["tie_word_embeddings": false]), weights + ": missing tensor lm_head.weight")
        XCTAssertEqual(try loadError("qwen3", with: ["head_dim": 4]),
                       weights + ": tensor model.layers.0.self_attn.q_proj.weight has shape [32, 16], config needs [16, 16]")
        XCTAssertEqual(try loadError(with: [:]), "loaded")
    }

    /// Stored names without the `model.` prefix (as some exporters write them) pass the header check.
    func testUnprefixedNamesPassTheHeaderCheck() throws {
        let model = try Llama(tiny("llama"), seed: 3)
        try Checkpoint.save(model, to: dir)
        let file = dir.appendingPathComponent("model.safetensors")
        let tensors = try SafeTensors.read(contentsOf: file).tensors
        var renamed: [String: Tensor] = [:]
        for (name, t) in tensors { renamed[name.hasPrefix("model.") ? String(name.dropFirst(6)) : name] = t }
        try SafeTensors.write(renamed, to: file)
        let loaded = try XCTUnwrap(try Checkpoint.load(from: dir) as? Llama)
        XCTAssertEqual(loaded.embedTokens.value.scalars, model.embedTokens.value.scalars)
    }

    /// Numbers that used to trap (a Double too large for Int, a context stretched past any bound) are errors now.
    func testRoPENumbersAreBounded() throws {
        let path = dir.appendingPathComponent("config.json").path
        XCTAssertEqual(try loadError(with: ["rope_scaling": ["rope_type": "dynamic", "factor": 1e300]]),
                       "\(path): invalid config: rope_scaling.factor must be in [1, 1024], got 1e+300")
        XCTAssertEqual(try loadError(with: ["max_position_embeddings": 1 << 20, "rope_scaling": ["rope_type": "dynamic", "factor": 1000]]),
                       "\(path): invalid config: max_position_embeddings × rope_scaling.factor (1048576 × 1000.0) exceeds the limit of 16777216")
        XCTAssertEqual(try loadError(with: ["rope_scaling": ["rope_type": "llama3", "factor": 8, "low_freq_factor": 1,
                                                             "high_freq_factor": 4, "original_max_position_embeddings": 1e300]]),
                       "\(path): invalid config: rope_scaling.original_max_position_embeddings must be an integer in [1, 16777216], got 1e+300")
        XCTAssertEqual(try loadError(with: ["rms_norm_eps": 1e300]), "\(path): invalid config: rms_norm_eps must be in (0, 1), got 1e+300")
        XCTAssertEqual(try loadError(with: ["initializer_range": 1e300]),
                       "\(path): invalid config: initializer_range must be in [0, 1000), got 1e+300")
    }
}
