import Foundation
@testable import Datasets
import XCTest

/// The JSONL reader skips Foundation's trimming for lines that start and end with a visible ASCII character; it
/// must trim exactly as `trimmingCharacters(in: .whitespacesAndNewlines)` does for every line.
final class JSONLinesTrimTests: XCTestCase {
    func testTrimsAsFoundationDoes() {
        var ends = (0..<128).map { String(Unicode.Scalar(UInt8($0))) }
        ends += ["\u{85}", "\u{A0}", "\u{2028}", "\u{2029}", "\u{3000}", "\u{FEFF}", "\u{200B}", "é", "☕", "e\u{301}"]
        var trimmedSome = 0
        for a in ends {
            for b in ends {
                let line = a + "{\"k\": \" v \"}" + b
                let expected = line.trimmingCharacters(in: .whitespacesAndNewlines)
                XCTAssertEqual(JSONLines.trimmed(line), expected, "ends \(a.debugDescription) \(b.debugDescription)")
                if expected != line { trimmedSome += 1 }
            }
        }
        // 12 of the ends are trimmed (tab…carriage return, space, U+0085, U+00A0, U+2028, U+2029, U+3000, and
        // U+200B, which Foundation still counts as a space): every pair with one of them at either end.
        XCTAssertEqual(trimmedSome, ends.count * ends.count - (ends.count - 12) * (ends.count - 12))
        for line in ["", " ", "\r", "\t{}\r", "{}", "x", " x ", "\u{A0}{}\u{A0}"] {
            XCTAssertEqual(JSONLines.trimmed(line), line.trimmingCharacters(in: .whitespacesAndNewlines), line.debugDescription)
        }
    }

    func testCRLFLinesStillRead() throws {
        let data = Data("{\"prompt\": \"q\", \"chosen\": \"a\", \"rejected\": \"b\"}\r\n \t\r\n{\"prompt\": \"r\", \"chosen\": \"c\", \"rejected\": \"d\"} \n".utf8)
        let pairs = try PreferenceExample.decode(data, file: URL(fileURLWithPath: "p.jsonl"))
        XCTAssertEqual(pairs.map(\.prompt), ["q", "r"])
        XCTAssertEqual(pairs.map(\.line), [1, 3])
    }
}
