import Foundation
import Tokenizer
import XCTest

/// Broken files and odd input give an error that names the problem, or a defined result.
final class BadInputTests: XCTestCase {
    var folder: URL!
    override func setUpWithError() throws { folder = try makeTemporaryFolder() }
    override func tearDownWithError() throws { try? FileManager.default.removeItem(at: folder) }

    func write(_ text: String, _ name: String = "tokenizer.json") throws -> String {
        let path = folder.appendingPathComponent(name).path
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    func assertError(_ body: @autoclosure () throws -> Any, mentions parts: [String], line: UInt = #line) {
        XCTAssertThrowsError(try body(), line: line) { error in
            let message = "\(error)"
            XCTAssertFalse(message.contains("\n"), line: line)
            for part in parts { XCTAssertTrue(message.contains(part), "'\(message)' lacks '\(part)'", line: line) }
        }
    }

    func minimalJSON(vocab: String, merges: String, modelType: String = "BPE") -> String {
        """
        {"added_tokens": [], "normalizer": null, "pre_tokenizer": {"type": "ByteLevel"}, "decoder": null,
         "model": {"type": "\(modelType)", "vocab": \(vocab), "merges": \(merges)}}
        """
    }

    func testMissingFile() {
        let path = folder.appendingPathComponent("nope.json").path
        assertError(try BPETokenizer(tokenizerJSON: path), mentions: [path, "no such file"])
    }

    func testMalformedJSON() throws {
        let path = try write("{\"model\": [1, 2")
        assertError(try BPETokenizer(tokenizerJSON: path), mentions: [path, "not valid JSON"])
        let noVocab = try write("{\"pre_tokenizer\": {\"type\": \"ByteLevel\"}, \"model\": {\"type\": \"BPE\", \"merges\": []}}")
        assertError(try BPETokenizer(tokenizerJSON: noVocab), mentions: ["model.vocab"])
        let badMerge = try write(minimalJSON(vocab: "{\"a\": 0}", merges: "[\"abc\"]"))
        assertError(try BPETokenizer(tokenizerJSON: badMerge), mentions: ["model.merges[0]"])
    }

    func testUnsupportedModelAndNormalizer() throws {
        let wordPiece = try write(minimalJSON(vocab: "{}", merges: "[]", modelType: "WordPiece"))
        assertError(try BPETokenizer(tokenizerJSON: wordPiece), mentions: ["model.type", "WordPiece", "not supported"])
        let normalized = try write("{\"normalizer\": {\"type\": \"NFC\"}, \"model\": {}}")
        assertError(try BPETokenizer(tokenizerJSON: normalized), mentions: ["normalizer", "NFC"])
    }

    func testMergeNamingUnknownToken() throws {
        let path = try write(minimalJSON(vocab: "{\"a\": 0, \"b\": 1, \"ab\": 2}", merges: "[[\"a\", \"b\"], [\"ab\", \"zz\"]]"))
        assertError(try BPETokenizer(tokenizerJSON: path), mentions: ["merge 1", "'zz'"])
        let noResult = try write(minimalJSON(vocab: "{\"a\": 0, \"b\": 1}", merges: "[\"a b\"]"))
        assertError(try BPETokenizer(tokenizerJSON: noResult), mentions: ["merge 0", "'ab'", "not in the vocabulary"])
        let mergesPath = try write("#version: 0.2\na q\n", "merges.txt")
        let vocabPath = try write("{\"a\": 0}", "vocab.json")
        assertError(try BPETokenizer(vocabJSON: vocabPath, mergesTXT: mergesPath), mentions: ["merge 0", "'q'"])
    }

    /// Invalid UTF-8 is encoded byte by byte where it is invalid, and decodeBytes gives the exact bytes back.
    func testInvalidUTF8RoundTripsThroughBytes() throws {
        let t = try BPETokenizer(tokenizerJSON: Fixture.path("hf_tokenizer.json"))
        let bytes: [UInt8] = [0x68, 0x69, 0xFF, 0xFE, 0x20, 0xC3, 0x28, 0xE2, 0x82, 0x20, 0xED, 0xA0, 0x80, 0xF0, 0x9F]
        let ids = t.encode(bytes: bytes)
        XCTAssertEqual(try t.decodeBytes(ids), bytes)
        // 0xFF alone is one byte token; HF's id for the scalar standing for byte 0xFF ("ÿ").
        XCTAssertTrue(ids.contains(t.vocab["ÿ"]!))
        // Lossy text decoding replaces the invalid bytes, like HF's from_utf8_lossy.
        XCTAssertTrue(try t.decode(ids).hasPrefix("hi\u{FFFD}"))
    }

    func testUnknownIdInDecode() throws {
        let t = try BPETokenizer(tokenizerJSON: Fixture.path("hf_tokenizer.json"))
        assertError(try t.decode([5, 800]), mentions: ["800"])
        assertError(try t.decode([-1]), mentions: ["-1"])
    }

    func testTrainingOnMissingOrNonUTF8File() throws {
        let missing = folder.appendingPathComponent("missing.txt").path
        assertError(try BPETrainer(vocabSize: 300).train(files: [missing]), mentions: [missing])
        let binary = folder.appendingPathComponent("binary.txt").path
        try Data([0x61, 0xFF, 0x62]).write(to: URL(fileURLWithPath: binary))
        assertError(try BPETrainer(vocabSize: 300).train(files: [binary]), mentions: [binary, "UTF-8"])
    }
}
