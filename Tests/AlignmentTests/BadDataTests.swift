import Alignment
@testable import Datasets
@testable import Recipes
@testable import Report
import Training
import Autograd
import Foundation
import Models
import TensorCore
import XCTest

/// Bad input is refused with a one-line message naming the file, line or field, before anything is trained.
final class BadDataTests: XCTestCase {
    func write(_ text: String) throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("ta-bad-\(UUID().uuidString).jsonl")
        try Data(text.utf8).write(to: url)
        return url
    }

    func message(_ body: () throws -> Void) -> String {
        do { try body(); return "no error" } catch { return "\(error)" }
    }

    func testEmptyResponseNonStringFieldAndEmptyFile() throws {
        let empty = try write("{\"prompt\": \"q\", \"chosen\": \"\", \"rejected\": \"B\"}\n")
        XCTAssertEqual(message { _ = try PreferenceExample.load(empty) }, "\(empty.path):1: field \"chosen\" is empty")
        let number = try write("\n{\"prompt\": \"q\", \"chosen\": \"A\", \"rejected\": 3}\n")
        XCTAssertEqual(message { _ = try PreferenceExample.load(number) }, "\(number.path):2: field \"rejected\" must be a string, got a number")
        let array = try write("[1, 2]\n")
        XCTAssertEqual(message { _ = try PreferenceExample.load(array) }, "\(array.path):1: expected a JSON object")
        let blank = try write("\n\n")
        XCTAssertEqual(message { _ = try PreferenceExample.load(blank) }, "\(blank.path): no examples in the file")
        let sft = try write("{\"prompt\": \"q\"}\n")
        XCTAssertEqual(message { _ = try SFTExample.load(sft) }, "\(sft.path):1: missing field \"completion\" (or \"chosen\")")
        for url in [empty, number, array, blank, sft] { try? FileManager.default.removeItem(at: url) }
    }

    func testUnknownMethodIsNamed() {
        var config = AlignConfig()
        config.method = "gr-nope"
        XCTAssertTrue(message { _ = try PreferenceLosses.loss(for: config) }.hasPrefix("unknown method \"gr-nope\""))
    }

    /// A non-finite loss stops training with the step named, and no parameter is touched.
    func testNaNLossStopsWithoutUpdating() throws {
        let model = try GPT(GPTConfig(vocabSize: 20, nPositions: 8, nEmbd: 8, nLayer: 1, nHead: 2))
        let loop = try OptimizerStep(parameters: model.parameters, settings: TrainingSettings(steps: 10, lr: 0.1, minLR: 0.1, warmupSteps: 0))
        let before = model.parameters.map(\.value.scalars)
        let text = message {
            _ = try loop(4) { try model.loss([1, 2, 3], targets: [2, 3, -100], batch: 1) * Float.nan }
        }
        XCTAssertEqual(text, "invalid input: step 5: the loss is nan; nothing was updated (lower --lr or check the data)")
        XCTAssertEqual(model.parameters.map(\.value.scalars), before)
    }
}
