import Foundation
import TestSupport
import XCTest
@testable import TensorCore

/// Reads files written by the real `safetensors` package (Fixtures/make_safetensors_fixtures.py).
final class SafeTensorsReaderTests: XCTestCase {
    private struct Expected: Decodable {
        struct Entry: Decodable { var dtype: String; var shape: [Int]; var values: [Double] }
        var metadata: [String: String]
        var tensors: [String: Entry]
    }

    private func fixture(_ name: String, _ ext: String) throws -> URL {
        try XCTUnwrap(Bundle.module.url(forResource: name, withExtension: ext, subdirectory: "Fixtures"), "missing fixture \(name).\(ext)")
    }

    func testReadsReferenceFileExactly() throws {
        let file = try SafeTensors.read(contentsOf: fixture("reference_mixed", "safetensors"))
        let expected = try JSONDecoder().decode(Expected.self, from: Data(contentsOf: fixture("reference_mixed", "json")))
        XCTAssertEqual(file.metadata, expected.metadata)
        XCTAssertEqual(Set(file.tensors.keys), Set(expected.tensors.keys))
        XCTAssertEqual(Set(expected.tensors.values.map(\.dtype)), ["F32", "F16", "BF16"], "fixture covers every dtype")
        for (name, want) in expected.tensors {
            let t = try XCTUnwrap(file.tensors[name], name)
            XCTAssertEqual(t.shape, want.shape, name)
            // Every fixture value is exact in its dtype, so the conversion must be bit-exact.
            XCTAssertEqual(t.scalars, want.values.map { Float($0) }, name)
        }
    }

    func testReferenceValuesFollowTheirFormulas() throws {
        // Independent of the JSON: the arange-based tensors recomputed here.
        let file = try SafeTensors.read(contentsOf: fixture("reference_mixed", "safetensors"))
        XCTAssertEqual(file.tensors["f32.matrix"]?.scalars, (0..<12).map { (Float($0) - 5.5) / 4 })
        XCTAssertEqual(file.tensors["bf16.cube"]?.scalars, (0..<12).map { (Float($0) - 6) / 8 })
        XCTAssertEqual(file.tensors["f32.scalar"]?.shape, [])
        XCTAssertEqual(file.tensors["f32.scalar"]?.item, -2.5)
        XCTAssertEqual(file.tensors["f32.empty"]?.shape, [0, 3])
        XCTAssertEqual(file.tensors["f16.one"]?.scalars, [3.140625])
        XCTAssertEqual(file.tensors["f16.vector"]?.scalars[5], 65504)
        XCTAssertEqual(file.tensors["f16.vector"]?.scalars[6], 0x1p-24)
        XCTAssertEqual(file.tensors["bf16.wide"]?.scalars, [0x1p100, -0x1p-100, 1.0078125])
    }

    #if !(os(macOS) && arch(x86_64))  // Float16 is unavailable on Intel Macs
    func testHalfConversionMatchesFloat16ForEveryBitPattern() {
        for bits in 0...UInt16.max {
            let ours = SafeTensorsDType.float(fromHalfBits: bits)
            let reference = Float(Float16(bitPattern: bits))
            if reference.isNaN {
                XCTAssertTrue(ours.isNaN, "bits \(bits)")
            } else {
                XCTAssertEqual(ours.bitPattern, reference.bitPattern, "bits \(bits)")
            }
        }
    }
    #endif

    func testBFloat16IsTheHighHalfOfFloat32() throws {
        // 1.5 = 0x3FC0_0000, -2 = 0xC000_0000, +inf = 0x7F80_0000: the BF16 bits are the top 16.
        let url = try SafeTensorsFixtureFiles.raw(
            header: #"{"b":{"dtype":"BF16","shape":[3],"data_offsets":[0,6]}}"#,
            buffer: [0xC0, 0x3F, 0x00, 0xC0, 0x80, 0x7F], in: temporaryFolder())
        XCTAssertEqual(try SafeTensors.read(contentsOf: url).tensors["b"]?.scalars, [1.5, -2, .infinity])
    }

    func testFileWithoutMetadataAndUnpaddedHeader() throws {
        let url = try SafeTensorsFixtureFiles.raw(
            header: #"{"x":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}"#,
            buffer: SafeTensorsFixtureFiles.bytes([7, -0.25]), in: temporaryFolder())
        let file = try SafeTensors.read(contentsOf: url)
        XCTAssertEqual(file.metadata, [:])
        XCTAssertEqual(file.tensors["x"]?.scalars, [7, -0.25])
    }

    private func temporaryFolder() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("safetensors-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        addTeardownBlock { try? FileManager.default.removeItem(at: url) }
        return url
    }
}

/// Builds raw safetensors files byte by byte, so tests can produce exactly the fault they want.
enum SafeTensorsFixtureFiles {
    /// Length field (the header's byte count unless `declaredLength` overrides it), header, buffer.
    static func raw(header: String, buffer: [UInt8], declaredLength: UInt64? = nil, in folder: URL,
                    name: String = "t.safetensors") throws -> URL {
        let h = Array(header.utf8)
        let length = declaredLength ?? UInt64(h.count)
        let bytes = withUnsafeBytes(of: length.littleEndian, Array.init) + h + buffer
        let url = folder.appendingPathComponent(name)
        try Data(bytes).write(to: url)
        return url
    }

    /// Little-endian Float32 bytes.
    static func bytes(_ values: [Float]) -> [UInt8] {
        values.flatMap { withUnsafeBytes(of: $0.bitPattern.littleEndian, Array.init) }
    }
}
