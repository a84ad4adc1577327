import Foundation
import Tokenizer
import XCTest

/// The seeds of the fuzz target FuzzHFTokenizer (`Fuzz/Corpus/FuzzHFTokenizer`, written by
/// `Fuzz/Seeds/make_tokenizer_seeds.py`) are `tokenizer.json` files, one per pipeline fixture, each the fixture's
/// tokenizer byte for byte in meaning: until session 6 they were the fixture files themselves (`{"tokenizer": …,
/// "cases": …}`), so every input failed at the missing `model` and the pipelines were never fuzzed.
final class FuzzTokenizerSeedsTests: XCTestCase {
    func testEverySeedLoadsAndEncodesLikeItsFixture() throws {
        let corpus = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
            .appendingPathComponent("../../Fuzz/Corpus/FuzzHFTokenizer").standardizedFileURL
        let seeds = try FileManager.default.contentsOfDirectory(atPath: corpus.path).filter { $0.hasSuffix(".json") }.sorted()
        XCTAssertEqual(seeds, ["gemma", "gpt2", "llama2", "llama3", "metaspace", "qwen2", "roberta", "smollm2", "wordish"].map { $0 + ".json" })
        for name in seeds {
            let seed = try HFTokenizer(json: Data(contentsOf: corpus.appendingPathComponent(name)), path: name)
            let (fixture, cases) = try HFPipelineParityTests.load(String(name.dropLast(5)))
            XCTAssertEqual(seed.vocabularySize, fixture.vocabularySize, name)
            for c in cases.prefix(5) {
                XCTAssertEqual(seed.encode(c.text), c.ids, "\(name): \(c.text.debugDescription)")
            }
        }
    }
}
