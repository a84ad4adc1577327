import Alignment
import Foundation
import Tokenizer
import XCTest

/// A response that cannot fit the context is dropped before it is tokenised, with exactly the result the full
/// encoding gives; one that can fit is encoded as before.
final class LongLineEncodingTests: XCTestCase {
    func testHugeResponseIsDroppedWithoutTokenising() throws {
        let tokenizer = try BPETrainer(vocabSize: 300).train(texts: [String(repeating: "Is tea good? tea tea good ", count: 50)])
        let encoder = SequenceEncoder(tokenizer: tokenizer, eos: 0, context: 32)
        let huge = String(repeating: " tea", count: 5_000_000)           // 20 MB
        let start = Date()
        XCTAssertNil(encoder.encode(prompt: "Is tea good?", response: huge))
        XCTAssertLessThan(Date().timeIntervalSince(start), 0.5, "the 20 MB response was tokenised")
        // Just below and above the bound both give the answer of the full encoding (a response this long is
        // dropped either way: it has more tokens than the context).
        let ids = tokenizer.encode(" tea tea tea")
        XCTAssertFalse(ids.isEmpty)
        for count in [2, 5, 8, 40, 400] {
            let response = String(repeating: " tea", count: count)
            let expectedFits = tokenizer.encode("Is tea good?" + response).count - tokenizer.encode("Is tea good?").count + 1 + 1 <= 32
            XCTAssertEqual(encoder.encode(prompt: "Is tea good?", response: response) != nil, expectedFits, "\(count)")
        }
    }
}
