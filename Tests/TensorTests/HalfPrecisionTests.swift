import Foundation
import TensorCore
import XCTest

/// binary16 / bfloat16 conversions: against Swift's own `Float16` (IEEE round to nearest even) over every
/// half and a million float bit patterns, and the safetensors writer's F16/BF16 output read back.
final class HalfPrecisionTests: XCTestCase {
    func testHalfToFloatIsExactForEveryHalf() {
        #if !os(macOS) || arch(arm64)
        for bits in 0...UInt16.max {
            let ours = HalfPrecision.float(fromHalf: bits), swift = Float(Float16(bitPattern: bits))
            XCTAssertTrue(ours.bitPattern == swift.bitPattern || (ours.isNaN && swift.isNaN), "half 0x\(String(bits, radix: 16))")
        }
        #endif
    }

    func testFloatToHalfRoundsAsIEEE() {
        #if !os(macOS) || arch(arm64)
        var rng = SeededGenerator(seed: 5)
        var checked = 0
        for i in 0..<1_000_000 {
            // Random bit patterns, half of them in the binary16 range so ties and subnormals are exercised.
            var bits = UInt32.random(in: 0 ... .max, using: &rng)
            if i % 2 == 0 { bits = (bits & 0x807f_ffff) | (UInt32.random(in: 96...143, using: &rng) << 23) }
            let f = Float(bitPattern: bits)
            let ours = HalfPrecision.half(from: f), swift = Float16(f).bitPattern
            if f.isNaN { XCTAssertTrue(Float16(bitPattern: ours).isNaN); continue }
            if ours != swift { XCTFail("\(f): 0x\(String(ours, radix: 16)) vs 0x\(String(swift, radix: 16))"); return }
            checked += 1
        }
        XCTAssertGreaterThan(checked, 990_000)
        #endif
        XCTAssertEqual(HalfPrecision.half(from: 65520), 0x7c00)
        XCTAssertEqual(HalfPrecision.half(from: 1.00048828125), 0x3c00)   // tie to even
        XCTAssertEqual(HalfPrecision.half(from: 1.00146484375), 0x3c02)   // tie to even (odd below)
        XCTAssertEqual(HalfPrecision.half(from: 2.98e-8), 0x0000)          // below half the smallest subnormal
        XCTAssertEqual(HalfPrecision.half(from: 2.99e-8), 0x0001)
    }

    func testBFloatRoundsToNearestEven() {
        XCTAssertEqual(HalfPrecision.bfloat(from: Float(bitPattern: 0x3f80_8000)), 0x3f80)   // tie, even below
        XCTAssertEqual(HalfPrecision.bfloat(from: Float(bitPattern: 0x3f81_8000)), 0x3f82)   // tie, odd below
        XCTAssertEqual(HalfPrecision.bfloat(from: Float(bitPattern: 0x3f80_8001)), 0x3f81)
        XCTAssertEqual(HalfPrecision.bfloat(from: Float(bitPattern: 0x7f80_0001)), 0x7fc0)   // NaN made quiet
        XCTAssertEqual(HalfPrecision.float(fromBFloat: 0x4049), Float(bitPattern: 0x4049_0000))
    }

    func testSafeTensorsWritesF16AndBF16() throws {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("ta-half-\(UUID().uuidString).safetensors")
        defer { try? FileManager.default.removeItem(at: url) }
        let values: [Float] = [0, -1.5, 3.14159, 65520, 1e-7, -2.5e-3]
        for dtype in [SafeTensorsDType.f16, .bf16] {
            try SafeTensors.write(["w": Tensor(shape: [2, 3], values)], dtype: dtype, to: url)
            let data = try Data(contentsOf: url)
            let headerLength = Int(data.prefix(8).withUnsafeBytes { $0.loadUnaligned(as: UInt64.self) })
            let header = String(decoding: data[8..<(8 + headerLength)], as: UTF8.self)
            XCTAssertTrue(header.contains("\"dtype\":\"\(dtype.rawValue)\",\"shape\":[2,3],\"data_offsets\":[0,12]"), header)
            XCTAssertEqual(data.count, 8 + headerLength + 12)
            let back = try SafeTensors.read(contentsOf: url).tensors["w"]!
            let expected = values.map {
                dtype == .f16 ? HalfPrecision.float(fromHalf: HalfPrecision.half(from: $0)) : HalfPrecision.float(fromBFloat: HalfPrecision.bfloat(from: $0))
            }
            XCTAssertEqual(back.scalars, expected)
            XCTAssertEqual(back.shape, [2, 3])
        }
        XCTAssertEqual(HalfPrecision.float(fromHalf: HalfPrecision.half(from: 3.14159)), 3.140625)
    }
}
