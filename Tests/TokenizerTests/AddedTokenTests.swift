import Foundation
import Tokenizer
import XCTest

/// Added tokens with lstrip, rstrip and single_word match where HF's do (fixture added_tokens.json).
final class AddedTokenTests: XCTestCase {
    func testStripAndSingleWordMatchHF() throws {
        let data = try Data(contentsOf: URL(fileURLWithPath: Fixture.path("added_tokens.json")))
        let root = try JSONSerialization.jsonObject(with: data) as! [String: Any]
        let json = try JSONSerialization.data(withJSONObject: root["tokenizer"]!)
        let tokenizer = try BPETokenizer(tokenizerJSONData: json)
        XCTAssertEqual(tokenizer.addedTokens.map(\.content), ["<|endoftext|>", "<|pad|>", "<mask>", "<R>", "word"])
        let rows = root["encodings"] as! [[String: Any]]
        XCTAssertEqual(rows.count, 9)
        for row in rows {
            let text = row["text"] as! String
            XCTAssertEqual(tokenizer.encode(text), (row["ids"] as! [NSNumber]).map(\.intValue), text.debugDescription)
        }
    }

    func testNonSpecialAddedTokenSurvivesSkipSpecial() throws {
        let data = try Data(contentsOf: URL(fileURLWithPath: Fixture.path("added_tokens.json")))
        let root = try JSONSerialization.jsonObject(with: data) as! [String: Any]
        let tokenizer = try BPETokenizer(tokenizerJSONData: try JSONSerialization.data(withJSONObject: root["tokenizer"]!))
        XCTAssertEqual(try tokenizer.decode([800, 802, 0], skipSpecialTokens: true), "word")
        XCTAssertEqual(try tokenizer.decode([800, 802, 0]), "<mask>word<|endoftext|>")
    }
}
