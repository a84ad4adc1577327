import Foundation
import Tokenizer
import XCTest

/// Hostile or broken tokenizer.json files (issue 17) give one-line errors naming the field, never a crash or a
/// huge allocation, through both BPETokenizer and HFTokenizer.
final class TokenizerJSONHardeningTests: XCTestCase {
    func file(model: String, added: String = "[]", pre: String = #"{"type":"ByteLevel"}"#, extra: String = "") -> Data {
        Data(#"{"added_tokens":\#(added),"pre_tokenizer":\#(pre),"model":\#(model)\#(extra)}"#.utf8)
    }

    func assertBoth(_ data: Data, mention parts: [String], line: UInt = #line) {
        for (name, load) in [("BPETokenizer", { _ = try BPETokenizer(tokenizerJSONData: data) }),
                             ("HFTokenizer", { _ = try HFTokenizer(json: data) })] as [(String, () throws -> Void)] {
            XCTAssertThrowsError(try load(), name, line: line) { error in
                let message = "\(error)"
                XCTAssertFalse(message.contains("\n"), line: line)
                for part in parts { XCTAssertTrue(message.contains(part), "\(name): '\(message)' lacks '\(part)'", line: line) }
            }
        }
    }

    /// The 94-byte file of issue 17: one token with id 2^62 used to allocate 2^62 slots.
    func testHugeIdIsRejectedBeforeAllocation() {
        let data = file(model: #"{"type":"BPE","vocab":{"a":4611686018427387904},"merges":[]}"#)
        assertBoth(data, mention: ["model.vocab[\"a\"]", "4611686018427387904", "outside 0...0"])
        XCTAssertThrowsError(try BPETokenizer(vocab: ["a": 1 << 62], merges: [])) { error in
            XCTAssertTrue("\(error)".contains("outside 0..<1"), "\(error)")
        }
    }

    func testIdJustPastTheTokenCountIsRejected() {
        // Two vocab entries and one added token: ids must be below 3.
        let data = file(model: #"{"type":"BPE","vocab":{"a":0,"b":3},"merges":[]}"#,
                        added: #"[{"id":2,"content":"<s>","special":true}]"#)
        assertBoth(data, mention: ["model.vocab[\"b\"]", "outside 0...2"])
    }

    func testRepeatedIdsAreRejected() {
        assertBoth(file(model: #"{"type":"BPE","vocab":{"a":0,"b":0},"merges":[]}"#), mention: ["model.vocab[\"b\"]", "repeats id 0"])
        assertBoth(file(model: #"{"type":"BPE","vocab":{"a":0},"merges":[]}"#,
                        added: #"[{"id":1,"content":"<s>"},{"id":1,"content":"</s>"}]"#),
                   mention: ["added_tokens[1].id", "repeats id 1"])
        assertBoth(file(model: #"{"type":"BPE","vocab":{"a":0},"merges":[]}"#, added: #"[{"id":0,"content":"<s>"}]"#),
                   mention: ["added_tokens[0].id", "'a'"])
        XCTAssertThrowsError(try BPETokenizer(vocab: ["a": 0, "b": 0], merges: [])) { error in
            XCTAssertTrue("\(error)".contains("share id 0"), "\(error)")
        }
    }

    func testDuplicateKeyIsRejected() {
        let data = Data(("{\"pre_tokenizer\":{\"type\":\"ByteLevel\"},\n\"model\":{\"type\":\"BPE\",\"vocab\":{},\"merges\":[]},\n"
                         + "\"model\":{\"type\":\"BPE\",\"vocab\":{\"a\":0},\"merges\":[]}}").utf8)
        assertBoth(data, mention: ["duplicate key \"model\"", "line 3"])
        assertBoth(file(model: #"{"type":"BPE","vocab":{"a":0,"a":1},"merges":[]}"#), mention: ["duplicate key \"a\""])
    }

    func testWrongTypesNameTheKey() {
        assertBoth(file(model: #"{"type":"BPE","vocab":{"a":0},"merges":[],"ignore_merges":"yes"}"#),
                   mention: ["model.ignore_merges", "is a string, expected a boolean"])
        assertBoth(file(model: #"{"type":"BPE","vocab":{"a":"0"},"merges":[]}"#), mention: ["model.vocab[\"a\"]", "expected an integer"])
        assertBoth(file(model: #"{"type":"BPE","vocab":{"a":0.5},"merges":[]}"#), mention: ["model.vocab[\"a\"]", "not an integer"])
        assertBoth(file(model: #"{"type":"BPE","vocab":[],"merges":[]}"#), mention: ["model.vocab", "expected an object"])
        assertBoth(file(model: #"{"type":"BPE","vocab":{"a":0},"merges":[]}"#, added: #"[{"id":0,"content":"a","special":1}]"#),
                   mention: ["added_tokens[0].special", "expected a boolean"])
        assertBoth(file(model: #"{"type":"BPE","vocab":{"a":0},"merges":[]}"#, pre: #"{"type":"ByteLevel","use_regex":"no"}"#),
                   mention: ["pre_tokenizer.use_regex", "expected a boolean"])
    }

    func testUnknownComponentTypesAreNamed() {
        let model = #"{"type":"BPE","vocab":{"a":0},"merges":[]}"#
        let cases: [(String, String)] = [
            (#","normalizer":{"type":"Precompiled","precompiled_charsmap":""}"#, "normalizer type 'Precompiled'"),
            (#","decoder":{"type":"CTC"}"#, "decoder type 'CTC'"),
            (#","post_processor":{"type":"Nope"}"#, "post_processor type 'Nope'"),
        ]
        for (extra, expected) in cases {
            XCTAssertThrowsError(try HFTokenizer(json: file(model: model, extra: extra))) { error in
                XCTAssertTrue("\(error)".contains(expected) && "\(error)".contains("is not supported"), "\(error)")
            }
        }
        XCTAssertThrowsError(try HFTokenizer(json: file(model: model, pre: #"{"type":"Sequence","pretokenizers":[{"type":"UnicodeScripts"}]}"#))) {
            XCTAssertEqual("\($0)", "tokenizer.json: pre_tokenizer.pretokenizers[0] type 'UnicodeScripts' is not supported")
        }
        XCTAssertThrowsError(try HFTokenizer(json: file(model: #"{"type":"Unigram","vocab":[]}"#))) {
            XCTAssertTrue("\($0)".contains("model.type 'Unigram' is not supported"), "\($0)")
        }
        XCTAssertThrowsError(try HFTokenizer(json: file(model: #"{"type":"BPE","dropout":0.1,"vocab":{},"merges":[]}"#))) {
            XCTAssertTrue("\($0)".contains("model.dropout"), "\($0)")
        }
    }

    func testRegexThatDoesNotCompileIsNamed() {
        let pre = #"{"type":"Split","pattern":{"Regex":"(\\p{L}+"},"behavior":"Isolated","invert":false}"#
        XCTAssertThrowsError(try HFTokenizer(json: file(model: #"{"type":"BPE","vocab":{"a":0},"merges":[]}"#, pre: pre))) {
            XCTAssertEqual("\($0)", #"tokenizer.json: field 'pre_tokenizer.pattern.Regex' regex "(\\p{L}+" does not compile"#)
        }
        let behavior = #"{"type":"Split","pattern":{"String":" "},"behavior":"Sideways","invert":false}"#
        XCTAssertThrowsError(try HFTokenizer(json: file(model: #"{"type":"BPE","vocab":{"a":0},"merges":[]}"#, pre: behavior))) {
            XCTAssertTrue("\($0)".contains("pre_tokenizer.behavior"), "\($0)")
        }
    }

    func testNestingAndSyntaxBounds() {
        let deep = Data((String(repeating: "[", count: 100) + String(repeating: "]", count: 100)).utf8)
        XCTAssertThrowsError(try HFTokenizer(json: deep)) { XCTAssertTrue("\($0)".contains("nesting deeper than 64"), "\($0)") }
        XCTAssertThrowsError(try HFTokenizer(json: Data("{\"model\": [1, 2".utf8))) { XCTAssertTrue("\($0)".contains("not valid JSON")) }
        XCTAssertThrowsError(try HFTokenizer(json: Data("{\"a\":\"\\ud800\"}".utf8))) { XCTAssertTrue("\($0)".contains("surrogate")) }
    }

    func testUnknownIdInDecode() throws {
        let t = try HFTokenizer(json: file(model: #"{"type":"BPE","vocab":{"a":0},"merges":[]}"#))
        XCTAssertEqual(try t.decode([0]), "a")
        XCTAssertThrowsError(try t.decode([1])) { XCTAssertTrue("\($0)".contains("token id 1")) }
    }
}

/// GPT-2's vocab.json goes through the same strict reader.
final class GPT2FilesHardeningTests: XCTestCase {
    func testVocabJSONIdsAndDuplicateKeys() throws {
        let folder = try makeTemporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let merges = folder.appendingPathComponent("merges.txt").path
        try "#version: 0.2\n".write(toFile: merges, atomically: true, encoding: .utf8)
        for (vocab, expected) in [(#"{"a":0,"b":4611686018427387904}"#, "outside 0...1"), (#"{"a":0,"a":1}"#, "duplicate key \"a\""),
                                  (#"{"a":"0"}"#, "expected an integer")] {
            let path = folder.appendingPathComponent("vocab.json").path
            try vocab.write(toFile: path, atomically: true, encoding: .utf8)
            XCTAssertThrowsError(try BPETokenizer(vocabJSON: path, mergesTXT: merges)) { error in
                XCTAssertTrue("\(error)".contains(expected) && "\(error)".contains(path), "\(error)")
            }
        }
    }
}
