@testable import Tokenizer
import XCTest

/// The scanner splits like GPT-2's regex; expectations are what HF's ByteLevel pre-tokenizer returns.
final class PreTokenizerTests: XCTestCase {
    func pieces(_ s: String) -> [String] {
        let bytes = Array(s.utf8)
        var out: [String] = []
        bytes.withUnsafeBufferPointer { b in
            GPT2PreTokenizer.forEachPiece(b.baseAddress!, from: 0, to: b.count) { s, e in
                out.append(String(decoding: bytes[s..<e], as: UTF8.self))
            }
        }
        return out
    }

    func testWhitespaceRuns() {
        XCTAssertEqual(pieces("a  b"), ["a", " ", " b"])
        XCTAssertEqual(pieces(" \t a"), [" \t", " a"])
        XCTAssertEqual(pieces("x\n  y"), ["x", "\n ", " y"])
        XCTAssertEqual(pieces("end   "), ["end", "   "])
        XCTAssertEqual(pieces("a\u{A0}\u{A0}b"), ["a", "\u{A0}", "\u{A0}", "b"])
        XCTAssertEqual(pieces("a\u{3000}\u{3000}b"), ["a", "\u{3000}", "\u{3000}", "b"])
    }

    func testContractionsAndClasses() {
        XCTAssertEqual(pieces("don't we'll I'M"), ["don", "'t", " we", "'ll", " I", "'", "M"])
        XCTAssertEqual(pieces("!'s"), ["!'", "s"])
        XCTAssertEqual(pieces("abc123 45x"), ["abc", "123", " 45", "x"])
        XCTAssertEqual(pieces("e\u{301}\u{301} x"), ["e", "\u{301}\u{301}", " x"])
        XCTAssertEqual(pieces("ⅠⅡ ٣٤"), ["ⅠⅡ", " ٣٤"])
        XCTAssertEqual(pieces("x\u{1C}\u{1C}y"), ["x", "\u{1C}\u{1C}", "y"])
        XCTAssertEqual(pieces("a\u{200B}\u{200B}b"), ["a", "\u{200B}\u{200B}", "b"])
    }

    func testPiecesTileInvalidUTF8() {
        let bytes: [UInt8] = [0x61, 0xFF, 0xC3, 0x20, 0xE2, 0x82, 0x62, 0xF0, 0x9F, 0x99, 0x82]
        var covered: [Int] = []
        bytes.withUnsafeBufferPointer { b in
            GPT2PreTokenizer.forEachPiece(b.baseAddress!, from: 0, to: b.count) { s, e in covered.append(contentsOf: s..<e) }
        }
        XCTAssertEqual(covered, Array(0..<bytes.count))
    }
}

/// Every code point gets the class HF's regex engine gives it (fixture probed from HF one code point at a time).
final class ScalarClassTests: XCTestCase {
    func testEveryCodePointMatchesHF() throws {
        let runs = try Fixture.text("scalar_classes.txt").split(whereSeparator: \.isWhitespace)
        XCTAssertGreaterThan(runs.count, 1000)
        let letters: [Character: GPT2PreTokenizer.Class] = ["L": .letter, "N": .number, "S": .space, "O": .other]
        var mismatches: [String] = []
        for (k, run) in runs.enumerated() {
            let start = UInt32(run.dropLast(), radix: 16)!
            let end = k + 1 < runs.count ? UInt32(runs[k + 1].dropLast(), radix: 16)! : 0x110000
            let expected = letters[run.last!]!
            for v in start..<end {
                guard let s = Unicode.Scalar(v) else { continue }  // surrogates are never decoded
                if GPT2PreTokenizer.classify(s) != expected && mismatches.count < 5 {
                    mismatches.append(String(v, radix: 16))
                }
            }
        }
        XCTAssertEqual(mismatches, [])
    }

    /// U+A7CE was assigned in Unicode 17, after the tables HF's regex engine uses, so it is not a letter there.
    func testScalarNewerThanRegexTablesIsOther() {
        XCTAssertEqual(GPT2PreTokenizer.classify("\u{A7CE}"), .other)
        XCTAssertEqual(GPT2PreTokenizer.classify("\u{A7CA}"), .letter)
    }
}
