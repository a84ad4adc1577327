import Foundation
import TestSupport
import XCTest

/// `tinyalign tokenizer train | encode | decode` through the real binary.
final class TokenizerCLITests: XCTestCase {
    func testTrainEncodeDecodeAndErrors() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("ta-tok-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let corpus = dir.appendingPathComponent("corpus.txt"), tok = dir.appendingPathComponent("tokenizer.json")
        try Data(String(repeating: "the cat sat on the mat. ünïcode 猫 🐈\n", count: 40).utf8).write(to: corpus)

        let train = try TinyAlignBinary.run(["tokenizer", "train", "--input", corpus.path, "--vocab-size", "280", "--out", tok.path])
        XCTAssertEqual(train.status, 0, train.err)
        let text = "the cat 猫 🐈 sat"
        let byText = try TinyAlignBinary.run(["tokenizer", "encode", "--tokenizer", tok.path, "--text", text])
        let byStdin = try TinyAlignBinary.run(["tokenizer", "encode", "--tokenizer", tok.path], stdin: text)
        XCTAssertEqual(byText.status, 0, byText.err)
        XCTAssertEqual(byText.out, byStdin.out)
        let ids = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(byText.out.utf8)) as? [Int])
        XCTAssertLessThan(ids.count, text.utf8.count, "merges were learned and used")
        let decoded = try TinyAlignBinary.run(["tokenizer", "decode", "--tokenizer", tok.path, "--ids", byText.out])
        XCTAssertEqual(decoded.status, 0, decoded.err)
        XCTAssertEqual(decoded.out, text)

        let broken = dir.appendingPathComponent("broken.json")
        try Data("{\"model\": ".utf8).write(to: broken)
        let bad = try TinyAlignBinary.run(["tokenizer", "encode", "--tokenizer", broken.path, "--text", "x"])
        XCTAssertNotEqual(bad.status, 0)
        XCTAssertTrue(bad.err.contains("broken.json"), bad.err)
        XCTAssertEqual(bad.err.split(separator: "\n").count, 1, bad.err)
    }
}
