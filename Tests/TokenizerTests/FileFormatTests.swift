import Foundation
import Tokenizer
import XCTest

/// Writing reproduces HF's files byte for byte, reading back gives the same tokenizer, and writes are atomic.
final class FileFormatTests: XCTestCase {
    func testTokenizerJSONRoundTripsByteForByte() throws {
        let folder = try makeTemporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let original = try BPETokenizer(tokenizerJSON: Fixture.path("hf_tokenizer_string_merges.json"))
        let out = folder.appendingPathComponent("tokenizer.json").path
        try original.writeTokenizerJSON(to: out)
        XCTAssertEqual(try String(contentsOfFile: out, encoding: .utf8), try Fixture.text("hf_tokenizer.json"))
        let reloaded = try BPETokenizer(tokenizerJSON: out)
        XCTAssertEqual(reloaded.vocab, original.vocab)
        XCTAssertEqual(reloaded.merges, original.merges)
        XCTAssertEqual(reloaded.addedTokens, original.addedTokens)
        // Only the destination is left: the temporary file was renamed, not copied.
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: folder.path), ["tokenizer.json"])
    }

    func testGPT2FilesMatchHFModelSave() throws {
        let folder = try makeTemporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let tokenizer = try BPETokenizer(tokenizerJSON: Fixture.path("hf_tokenizer.json"))
        let vocabPath = folder.appendingPathComponent("vocab.json").path
        let mergesPath = folder.appendingPathComponent("merges.txt").path
        try tokenizer.writeGPT2Files(vocabJSON: vocabPath, mergesTXT: mergesPath)
        XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: vocabPath)),
                       try Data(contentsOf: URL(fileURLWithPath: Fixture.path("hf_vocab.json"))))
        XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: mergesPath)),
                       try Data(contentsOf: URL(fileURLWithPath: Fixture.path("hf_merges.txt"))))
        let reloaded = try BPETokenizer(vocabJSON: vocabPath, mergesTXT: mergesPath)
        XCTAssertEqual(reloaded.merges, tokenizer.merges)
        XCTAssertEqual(reloaded.merges.count, 542)
    }

    func testOverwriteReplacesWholeFile() throws {
        let folder = try makeTemporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let out = folder.appendingPathComponent("tokenizer.json").path
        try String(repeating: "x", count: 1_000_000).write(toFile: out, atomically: false, encoding: .utf8)
        let small = try BPETrainer(vocabSize: 258, specialTokens: ["<|endoftext|>", "<|pad|>"]).train(texts: ["hi"])
        try small.writeTokenizerJSON(to: out)
        XCTAssertEqual(try BPETokenizer(tokenizerJSON: out).vocab.count, 258)
    }
}
