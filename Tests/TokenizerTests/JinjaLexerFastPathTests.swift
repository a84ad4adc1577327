import Foundation
@testable import Tokenizer
import XCTest

/// The lexer's shortcuts (ASCII answered without the Unicode property tables, newlines normalised in one pass over
/// the scalars instead of two Foundation replacements, delimiters compared in place) must lex exactly as the
/// general code did: same classes for every scalar tried, same tokens for every line-ending mix.
final class JinjaLexerFastPathTests: XCTestCase {
    func testASCIIClassesMatchTheUnicodeProperties() {
        var checked = 0
        let others: [UInt32] = [0x85, 0xA0, 0x1680, 0x2000, 0x2028, 0x3000, 0xAA, 0xBA, 0xE9, 0x3B1, 0x65E5, 0x1F600, 0xFEFF]
        for v in Array(0..<128) + others {
            let c = Unicode.Scalar(v)!
            XCTAssertEqual(JinjaLexer.isWhitespace(c), c.properties.isWhitespace, "White_Space of U+\(String(v, radix: 16))")
            XCTAssertEqual(JinjaLexer.isAlphabetic(c), c.properties.isAlphabetic, "Alphabetic of U+\(String(v, radix: 16))")
            checked += 1
        }
        XCTAssertEqual(checked, 141)
        // The ASCII answers are not vacuous: six spaces, 52 letters.
        XCTAssertEqual((0..<128).filter { JinjaLexer.isWhitespace(Unicode.Scalar(UInt8($0))) }.count, 6)
        XCTAssertEqual((0..<128).filter { JinjaLexer.isAlphabetic(Unicode.Scalar(UInt8($0))) }.count, 52)
    }

    /// The text tokens of `source` as lexed.
    private func texts(_ source: String) throws -> [String] {
        var lexer = JinjaLexer(source)
        return try lexer.tokenize().compactMap { if case let .text(t) = $0.kind { return t } else { return nil } }
    }

    func testLineEndingsAreNormalisedAsBefore() throws {
        let sources = ["a\r\nb", "a\rb", "a\r\r\nb", "a\n\rb", "\r\n", "x\r", "x\n", "x\n\n", "x\r\n\r\n", "\r\r", "é\r\n☕\r",
                       "{% if 1 %}\r\n  a\r\n{% endif %}\r\n", "  {%- if 1 -%}\r\r\n b {# c\r\n #}\r\n"]
        for source in sources {
            // The definition the lexer used to apply: Foundation's replacements, then one trailing newline dropped.
            var expected = source.replacingOccurrences(of: "\r\n", with: "\n").replacingOccurrences(of: "\r", with: "\n")
            if expected.hasSuffix("\n") { expected.removeLast() }
            // `expected` has no `\r` left; the newline added is the one trailing newline the lexer drops.
            XCTAssertEqual(try texts(source), try texts(expected + "\n"), "source \(source.debugDescription)")
            XCTAssertFalse(try texts(source).joined().contains("\r"), "source \(source.debugDescription)")
        }
        XCTAssertEqual(try texts("a\r\r\nb"), ["a\n\nb"])
        XCTAssertEqual(try texts("x\n\n"), ["x\n"])
        XCTAssertEqual(try texts("x\r\n\r\n"), ["x\n"])
        XCTAssertEqual(try texts("\r\r"), ["\n"])
        XCTAssertEqual(try texts("{% if 1 %}\r\n  a\r\n{% endif %}\r\n"), ["  a\n"])
    }

    func testOperatorsAndDelimitersLexAsBefore() throws {
        var lexer = JinjaLexer("{{ a // b ** c == d != e <= f >= g ~ (h) [i] {j: 1} | k . l % m - n + o * p / q < r > s = t }}{# c #}x")
        let ops = try lexer.tokenize().compactMap { if case let .op(o) = $0.kind { return o } else { return nil } }
        XCTAssertEqual(ops, ["//", "**", "==", "!=", "<=", ">=", "~", "(", ")", "[", "]", "{", ":", "}", "|", ".", "%", "-",
                             "+", "*", "/", "<", ">", "="])
        var bad = JinjaLexer("{{ a ! b }}")
        XCTAssertThrowsError(try bad.tokenize())
        var unclosed = JinjaLexer("a {# b")
        XCTAssertThrowsError(try unclosed.tokenize())
        var raw = JinjaLexer("{% raw %}{{ x }}{%- endraw %}")
        XCTAssertEqual(try raw.tokenize().compactMap { if case let .text(t) = $0.kind { return t } else { return nil } }, ["{{ x }}"])
    }
}
