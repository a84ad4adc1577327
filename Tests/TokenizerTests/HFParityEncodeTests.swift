import Tokenizer
import XCTest

/// Our encoder loaded from HF's files gives HF's ids for every line of the mixed-script test text.
final class HFParityEncodeTests: XCTestCase {
    func assertMatchesHF(_ tokenizer: BPETokenizer, file: StaticString = #filePath, line: UInt = #line) throws {
        let rows = try Fixture.encodings()
        XCTAssertEqual(rows.count, 23, file: file, line: line)
        for row in rows {
            XCTAssertEqual(tokenizer.encode(row.text), row.ids, "line \(row.text.debugDescription)", file: file, line: line)
        }
    }

    func testTokenizerJSONWithPairMerges() throws {
        try assertMatchesHF(try BPETokenizer(tokenizerJSON: Fixture.path("hf_tokenizer.json")))
    }

    func testTokenizerJSONWithStringMerges() throws {
        try assertMatchesHF(try BPETokenizer(tokenizerJSON: Fixture.path("hf_tokenizer_string_merges.json")))
    }

    func testGPT2VocabAndMergesFiles() throws {
        let tokenizer = try BPETokenizer(vocabJSON: Fixture.path("hf_vocab.json"), mergesTXT: Fixture.path("hf_merges.txt"),
                                         specialTokens: ["<|endoftext|>", "<|pad|>"])
        try assertMatchesHF(tokenizer)
    }

    func testSpecialTokensInTextAreOneIdEach() throws {
        let tokenizer = try BPETokenizer(tokenizerJSON: Fixture.path("hf_tokenizer.json"))
        XCTAssertEqual(tokenizer.encode("<|endoftext|>"), [0])
        XCTAssertEqual(tokenizer.encode("<|pad|><|pad|>"), [1, 1])
        let ids = tokenizer.encode("a<|endoftext|>b")
        XCTAssertEqual(ids.count, 3)
        XCTAssertEqual(ids[1], 0)
        XCTAssertEqual(try tokenizer.decode(ids), "a<|endoftext|>b")
        XCTAssertEqual(try tokenizer.decode(ids, skipSpecialTokens: true), "ab")
    }

    func testDecodeInvertsHFIds() throws {
        let tokenizer = try BPETokenizer(tokenizerJSON: Fixture.path("hf_tokenizer.json"))
        for row in try Fixture.encodings() { XCTAssertEqual(try tokenizer.decode(row.ids), row.text) }
    }
}
