import Foundation
@testable import Models
import XCTest

/// Inputs `make fuzz` found (`Fuzz/Sources/FuzzGGUF`), kept as regression tests of the normal suite.
final class GGUFFuzzRegressionTests: XCTestCase {
    private func u32(_ v: UInt32) -> Data { var x = v.littleEndian; return withUnsafeBytes(of: &x) { Data($0) } }
    private func u64(_ v: UInt64) -> Data { var x = v.littleEndian; return withUnsafeBytes(of: &x) { Data($0) } }

    /// A GGUF v3 file with one F32 tensor of `dims` (file order, innermost first) and no data.
    private func file(dims: [UInt64]) -> Data {
        var d = Data("GGUF".utf8) + u32(3) + u64(1) + u64(0)
        d += u64(1) + Data("w".utf8) + u32(UInt32(dims.count))
        for x in dims { d += u64(x) }
        d += u32(0) + u64(0)
        while d.count % 32 != 0 { d.append(0) }
        return d
    }

    /// FuzzGGUF crash 71520ffb: a tensor whose first (innermost) dim is 0 and whose others multiply past Int.max
    /// passed the reader's check (0 × anything never overflows) and then trapped when its row-major shape was
    /// multiplied out front to back to allocate it. The reader now bounds the product of the non-zero dims.
    func testAZeroDimDoesNotHideAnOverflowingShape() throws {
        XCTAssertThrowsError(try GGUFFile(data: file(dims: [0, 1 << 40, 1 << 40]), path: "zero.gguf")) { error in
            XCTAssertTrue("\(error)".contains("multiply past"), "\(error)")
        }
        let found = try Data(contentsOf: Fixtures.url("fuzz/gguf-zero-dim-overflow.gguf"))
        if let parsed = try? GGUFFile(data: found, path: "found.gguf") {
            for info in parsed.tensors where info.elementCount <= 1 << 20 { _ = try? parsed.tensor(info) }
        }
        // An empty tensor of sane dims still reads, as an empty tensor of its shape.
        let empty = try GGUFFile(data: file(dims: [0, 3]), path: "empty.gguf")
        XCTAssertEqual(try empty.tensor("w").shape, [3, 0])
    }
}
