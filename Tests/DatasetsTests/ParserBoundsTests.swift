import Datasets
import Foundation
import XCTest

/// Each Datasets parser's stated bound, and the silent coercions it refuses.
final class ParserBoundsTests: XCTestCase {
    /// 40k levels of nesting (80 KB) is an error saying so, not a stack overflow; the limit itself parses.
    func testPythonLiteralNestingDepth() throws {
        let deep = String(repeating: "[", count: 40_000) + String(repeating: "]", count: 40_000)
        XCTAssertThrowsError(try PythonLiteral.parse(deep)) { e in
            XCTAssertEqual("\(e)", "containers nest deeper than 100 levels (at character 100)")
        }
        let deepDicts = String(repeating: "{'a': ", count: 101) + "1" + String(repeating: "}", count: 101)
        XCTAssertThrowsError(try PythonLiteral.parse(deepDicts)) { e in XCTAssertTrue("\(e)".hasPrefix("containers nest deeper than 100")) }
        var ok = PythonLiteral.integer(1)
        for _ in 0..<100 { ok = .list([ok]) }
        XCTAssertEqual(try PythonLiteral.parse(String(repeating: "[", count: 100) + "1" + String(repeating: "]", count: 100)), ok)
    }
}
