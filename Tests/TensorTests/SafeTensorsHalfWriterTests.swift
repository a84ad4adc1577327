import Foundation
import TensorCore
import XCTest

/// BF16 and F16 writing: exact bit patterns of known values (round to nearest even, as torch casts), and a
/// write/read round trip that reports the stored dtype.
final class SafeTensorsHalfWriterTests: XCTestCase {
    func stored(_ values: [Float], _ dtype: SafeTensorsDType) throws -> (bits: [UInt16], back: [Float], dtype: SafeTensorsDType?) {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("half-\(UUID().uuidString).safetensors")
        defer { try? FileManager.default.removeItem(at: url) }
        try SafeTensors.write(["t": Tensor(shape: [values.count], values)], dtype: dtype, to: url)
        let data = try Data(contentsOf: url)
        let headerLength = Int(data.withUnsafeBytes { $0.loadUnaligned(as: UInt64.self) })
        let bits = (0..<values.count).map { i in
            data.withUnsafeBytes { $0.loadUnaligned(fromByteOffset: 8 + headerLength + 2 * i, as: UInt16.self) }
        }
        let file = try SafeTensors.read(contentsOf: url)
        return (bits, file.tensors["t"]!.scalars, file.dtypes["t"])
    }

    func testBFloat16BitsAndRoundTrip() throws {
        // 1/3 = 0x3EAAAAAB rounds up to 0x3EAB; 1 + 2⁻⁸ is a tie and goes to even (0x3F80); 1 + 3·2⁻⁸ to 0x3F82.
        let r = try stored([1, -2, 1.0 / 3, 1 + 0x1p-8, 1 + 3 * 0x1p-8, 0], .bf16)
        XCTAssertEqual(r.bits, [0x3F80, 0xC000, 0x3EAB, 0x3F80, 0x3F82, 0])
        XCTAssertEqual(r.back, [1, -2, Float(bitPattern: 0x3EAB_0000), 1, 1 + 4 * 0x1p-8, 0])
        XCTAssertEqual(r.dtype, .bf16)
    }

    func testFloat16BitsIncludingSubnormalsAndOverflow() throws {
        // 65520 rounds past the largest half (65504) to +∞; 2⁻²⁴ is the smallest subnormal; 2⁻²⁶ rounds to 0.
        let r = try stored([1, -0.5, 1.0 / 3, 65504, 65520, 0x1p-24, 0x1p-26, 3 * 0x1p-25], .f16)
        XCTAssertEqual(r.bits, [0x3C00, 0xB800, 0x3555, 0x7BFF, 0x7C00, 0x0001, 0x0000, 0x0002])
        XCTAssertEqual(r.back[3], 65504)
        XCTAssertEqual(r.back[4], .infinity)
        XCTAssertEqual(r.dtype, .f16)
    }
}
