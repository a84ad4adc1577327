@testable import Datasets
import Foundation
import XCTest

/// The CSV reader and the Python-literal parser behind the GlobalOpinionQA import.
final class SurveyParsingTests: XCTestCase {
    func records(_ text: String) throws -> [CSVReader.Record] { try CSVReader.parse(Data(text.utf8), file: "t.csv") }

    func testCSVQuotingNewlinesAndCRLF() throws {
        let r = try records("a,b,c\r\n\"x, y\",\"say \"\"hi\"\"\",\"two\nlines\"\r\n\n,\"\",z")
        XCTAssertEqual(r.map(\.line), [1, 2, 5])
        XCTAssertEqual(r[0].fields, ["a", "b", "c"])
        XCTAssertEqual(r[1].fields, ["x, y", "say \"hi\"", "two\nlines"])
        XCTAssertEqual(r[2].fields, ["", "", "z"])
        XCTAssertEqual(try records("\u{FEFF}h\nv\n").map(\.fields), [["h"], ["v"]], "a byte-order mark is dropped")
    }

    func testCSVErrorsNameTheLine() {
        XCTAssertThrowsError(try records("a,b\n1,2\n\"x\"y,3\n")) {
            XCTAssertEqual("\($0)", "t.csv:3: unexpected character 'y' after a closing quote")
        }
        XCTAssertThrowsError(try records("a,b\n1,2\nab\"c,3\n")) {
            XCTAssertEqual("\($0)", "t.csv:3: a quote inside an unquoted field")
        }
        XCTAssertThrowsError(try records("a,b\n1,2\n3,\"open\nand never\nclosed\n")) {
            XCTAssertEqual("\($0)", "t.csv:3: quoted field opened on this line is never closed")
        }
    }

    func testPythonLiterals() throws {
        XCTAssertEqual(try PythonLiteral.parse("defaultdict(<class 'list'>, {'Nigeria': [0.1, 0.9], 'India (Current national sample)': [1e-2, -3]})"),
                       .dict([(.string("Nigeria"), .list([.number(0.1), .number(0.9)])),
                              (.string("India (Current national sample)"), .list([.number(0.01), .integer(-3)]))]))
        XCTAssertEqual(try PythonLiteral.parse(#"['Yes', "Don't know", 'it\'s \"ok\"', 'caf\xe9 \u2014 \\n', "a\tb",]"#),
                       .list([.string("Yes"), .string("Don't know"), .string("it's \"ok\""), .string("café — \\n"),
                              .string("a\tb")]))
        XCTAssertEqual(try PythonLiteral.parse(#""a\tb\n""#), .string("a\tb\n"))
        XCTAssertEqual(try PythonLiteral.parse(" ( None , True, False, nan, -inf, 1_000 ) "),
                       .list([.none, .bool(true), .bool(false), .number(.nan), .number(-.infinity), .integer(1000)]))
        XCTAssertEqual(try PythonLiteral.parse("{}"), .dict([]))
        XCTAssertEqual(try PythonLiteral.parse("'Ünïcödé'"), .string("Ünïcödé"))
    }

    func testPythonLiteralErrorsGiveThePosition() {
        func message(_ s: String) -> String {
            do { _ = try PythonLiteral.parse(s); return "no error" } catch { return "\(error)" }
        }
        XCTAssertEqual(message("['a', 'b"), "unterminated string (at character 6)")
        XCTAssertEqual(message("[1 2]"), "expected ',' or ']' (at character 3)")
        XCTAssertEqual(message("{'a' [1]}"), "expected ':' (at character 5)")
        XCTAssertEqual(message("[1, oops]"), "unknown name 'oops' (at character 4)")
        XCTAssertEqual(message("[1] x"), "unexpected text after the value (at character 4)")
        XCTAssertEqual(message("defaultdict(<class 'list'>, [1])"), "defaultdict must wrap a dict (at character 31)")
    }
}
