import Foundation
import Models
import TensorCore
import XCTest

/// `config.json` is trusted only within stated limits and only after the weights agree with it.
final class ConfigLimitsTests: XCTestCase {
    var dir: URL!
    override func setUp() { dir = FileManager.default.temporaryDirectory.appendingPathComponent("ta-limits-\(UUID().uuidString)") }
    override func tearDown() { try? FileManager.default.removeItem(at: dir) }

    let config = GPTConfig(vocabSize: 50, nPositions: 16, nEmbd: 16, nLayer: 2, nHead: 2)

    /// The message of loading `dir` after replacing keys of its config.json.
    private func loadError(with changes: [String: Any]) throws -> String {
        try Checkpoint.save(try GPT(config, seed: 1), to: dir)
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

    func testAbsurdSizesNameTheKey() throws {
        let path = dir.appendingPathComponent("config.json").path
        XCTAssertEqual(try loadError(with: ["n_layer": Int.max]), "\(path): invalid config: n_layer 9223372036854775807 exceeds the limit of 1024")
        XCTAssertEqual(try loadError(with: ["n_embd": 1 << 40, "vocab_size": 1 << 40]),
                       "\(path): invalid config: vocab_size 1099511627776 exceeds the limit of 4194304")
        XCTAssertEqual(try loadError(with: ["n_embd": 1_000_000]), "\(path): invalid config: n_embd 1000000 exceeds the limit of 65536")
        XCTAssertEqual(try loadError(with: ["n_layer": 1000, "n_embd": 4096, "n_head": 4]),
                       "\(path): invalid config: the model would have more than 4294967296 parameters "
                       + "(n_layer 1000, n_embd 4096, vocab_size 50, n_positions 16)")
    }

    func testEpsilonAndTokenIdsAreChecked() throws {
        let path = dir.appendingPathComponent("config.json").path
        XCTAssertEqual(try loadError(with: ["layer_norm_epsilon": -1]), "\(path): invalid config: layer_norm_epsilon must be in (0, 1), got -1.0")
        XCTAssertEqual(try loadError(with: ["bos_token_id": 1e9]), "\(path): invalid config: bos_token_id 1000000000 is outside the vocabulary of 50")
        XCTAssertEqual(try loadError(with: ["eos_token_id": -3]), "\(path): invalid config: eos_token_id -3 is outside the vocabulary of 50")
    }

    /// A config within the limits but far larger than its weights (300 layers of width 1024: 15 GB) fails on the
    /// first disagreeing tensor from the header alone, without building the model.
    func testConfigIsCheckedAgainstTheWeightsBeforeBuilding() throws {
        let before = peakRSSBytes
        let text = try loadError(with: ["n_layer": 300, "n_embd": 1024, "n_head": 4])
        XCTAssertEqual(text, dir.appendingPathComponent("model.safetensors").path
                       + ": tensor transformer.wte.weight has shape [50, 16], config needs [50, 1024]")
        XCTAssertLessThan(peakRSSBytes - before, 500_000_000)
        // Same width, more layers: the first missing block is named.
        XCTAssertEqual(try loadError(with: ["n_layer": 900]),
                       dir.appendingPathComponent("model.safetensors").path + ": missing tensor transformer.h.2.ln_1.weight")
    }

    /// The shapes computed from the config are exactly the model's parameters.
    func testTensorShapesMatchTheModel() throws {
        let model = try GPT(config, seed: 0)
        XCTAssertEqual(config.tensorShapes.map(\.0), model.namedParameters.map(\.0))
        XCTAssertEqual(config.tensorShapes.map(\.1), model.namedParameters.map { $0.1.shape })
    }
}
