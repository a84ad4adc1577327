@testable import Datasets
import Foundation
import XCTest

/// `str()`/`repr()` of parsed literals against CPython's own output (Fixtures/make_python_str_cases.py).
final class PythonTextTests: XCTestCase {
    struct Case: Decodable { var literal: String; var str: String; var repr: String }

    func testStrAndReprMatchCPython() throws {
        let url = try XCTUnwrap(Bundle.module.url(forResource: "python_str_cases", withExtension: "json", subdirectory: "Fixtures"))
        let cases = try JSONDecoder().decode([Case].self, from: Data(contentsOf: url))
        XCTAssertGreaterThan(cases.count, 100)
        for c in cases {
            let value = try PythonLiteral.parse(c.literal)
            XCTAssertEqual(value.pythonStr, c.str, "str(\(c.literal))")
            XCTAssertEqual(value.pythonRepr, c.repr, "repr(\(c.literal))")
        }
    }

    func testIntsAndFloatsStayApart() throws {
        XCTAssertEqual(try PythonLiteral.parse("3"), .integer(3))
        XCTAssertEqual(try PythonLiteral.parse("3.0"), .number(3))
        XCTAssertNotEqual(PythonLiteral.integer(3), PythonLiteral.number(3))
        XCTAssertEqual(try PythonLiteral.parse("[1, 1.0, 1e16]").pythonStr, "[1, 1.0, 1e+16]")
        XCTAssertEqual(try PythonLiteral.parse("-7").numberValue, -7)
        XCTAssertThrowsError(try PythonLiteral.parse("123456789012345678901234567890")) {
            XCTAssertEqual("\($0)", "integer '123456789012345678901234567890' does not fit in 64 bits (at character 0)")
        }
    }
}
