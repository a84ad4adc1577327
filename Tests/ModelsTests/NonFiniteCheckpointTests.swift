import Foundation
import Models
import TensorCore
import XCTest

/// Issue 17, item 8: a checkpoint whose weights hold ±Inf or NaN (a diverged run's) is refused at load time with
/// one line naming the tensor, so `generate` cannot load it and exit 0; a finite one still loads bit for bit.
final class NonFiniteCheckpointTests: XCTestCase {
    func testNonFiniteWeightsAreRefusedNamingTheTensor() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("nonfinite-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: dir) }
        let model = try GPT(GPTConfig(vocabSize: 16, nPositions: 8, nEmbd: 8, nLayer: 1, nHead: 2), seed: 3)
        try Checkpoint.save(model, to: dir)
        let loaded = try Checkpoint.load(from: dir)
        XCTAssertEqual(loaded.namedParameters.map(\.1.value.scalars), model.namedParameters.map(\.1.value.scalars))

        for bad: Float in [.infinity, -.infinity, .nan] {
            let (name, p) = model.namedParameters[model.namedParameters.count / 2]
            var value = p.value
            value[flat: value.count - 1] = bad
            p.assign(value)
            try FileManager.default.removeItem(at: dir)
            try Checkpoint.save(model, to: dir)
            XCTAssertThrowsError(try Checkpoint.load(from: dir)) { error in
                let text = "\(error)"
                XCTAssertTrue(text.contains("model.safetensors: tensor ") && text.contains("holds NaN or infinite values"), text)
                XCTAssertTrue(text.contains(name.replacingOccurrences(of: "transformer.", with: "")), "\(text) lacks \(name)")
            }
        }
    }
}
