import XCTest

/// Asserts |actual − expected| ≤ atol + rtol·|expected| elementwise, reporting the worst element.
public func assertClose(_ actual: [Float], _ expected: [Float], rtol: Float = 1e-5, atol: Float = 1e-6,
                        _ message: String = "", file: StaticString = #filePath, line: UInt = #line) {
    XCTAssertEqual(actual.count, expected.count, "element count \(message)", file: file, line: line)
    var worst = (index: -1, error: Float(0))
    for i in 0..<min(actual.count, expected.count) {
        let err = abs(actual[i] - expected[i])
        if !(err <= atol + rtol * abs(expected[i])) && (worst.index < 0 || err > worst.error || err.isNaN) {
            worst = (i, err)
        }
    }
    if worst.index >= 0 {
        XCTFail("element \(worst.index): \(actual[worst.index]) vs expected \(expected[worst.index]) (error \(worst.error)) \(message)",
                file: file, line: line)
    }
}

/// Scalar form of `assertClose`.
public func assertClose(_ actual: Float, _ expected: Float, rtol: Float = 1e-5, atol: Float = 1e-6,
                        _ message: String = "", file: StaticString = #filePath, line: UInt = #line) {
    assertClose([actual], [expected], rtol: rtol, atol: atol, message, file: file, line: line)
}
