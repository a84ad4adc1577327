import Foundation
import Models
import TensorCore
import XCTest

/// GGUF files written by gguf-py (Fixtures/gguf/make_gguf_fixtures.py) read by TinyAlign: every tensor type
/// dequantizes bit-for-bit as `gguf.quants.dequantize`, metadata of every type reads as `GGUFReader` reads it,
/// and TinyAlign's encoders (F16, BF16, Q8_0) produce the bytes gguf-py's `quantize` produced.
final class GGUFParityTests: XCTestCase {
    static let types = ["F32", "F16", "BF16", "Q8_0", "Q4_0", "Q4_1", "Q5_0", "Q5_1", "Q4_K", "Q5_K", "Q6_K", "cube"]

    func open(_ name: String) throws -> GGUFFile { try GGUFFile(contentsOf: Fixtures.url("gguf/\(name)")) }

    func testEveryTypeDequantizesBitForBitAsGGUFPy() throws {
        let file = try open("types.gguf")
        let expected = try SafeTensors.read(contentsOf: Fixtures.url("gguf/types_expected.safetensors")).tensors
        XCTAssertEqual(file.alignment, 64)
        XCTAssertEqual(file.version, 3)
        XCTAssertEqual(file.tensors.map(\.name), Self.types)
        for name in Self.types {
            let info = try XCTUnwrap(file.info(name))
            XCTAssertEqual(info.type.name, name == "cube" ? "Q8_0" : name)
            let ours = try file.tensor(name)
            let theirs = try XCTUnwrap(expected[name], name)
            XCTAssertEqual(ours.shape, theirs.shape, name)
            let a = ours.scalars.map(\.bitPattern), b = theirs.scalars.map(\.bitPattern)
            let mismatches = zip(a, b).enumerated().filter { $0.element.0 != $0.element.1 }
            XCTAssertTrue(mismatches.isEmpty, "\(name): \(mismatches.count) of \(a.count) elements differ, first at \(mismatches.first.map { "\($0.offset): \(Float(bitPattern: $0.element.0)) vs \(Float(bitPattern: $0.element.1))" } ?? "")")
            // A non-trivial tensor: not all zeros, and the values vary.
            XCTAssertGreaterThan(Set(b).count, 8, name)
        }
        // The 3-d tensor pins the dims order: numpy shape (2, 3, 32) is ggml ne [32, 3, 2].
        XCTAssertEqual(file.info("cube")?.dims, [32, 3, 2])
        XCTAssertEqual(try file.tensor("cube").shape, [2, 3, 32])
    }

    func testEncodersMatchGGUFPyQuantize() throws {
        let file = try open("types.gguf")
        let sources = try SafeTensors.read(contentsOf: Fixtures.url("gguf/types_expected.safetensors")).tensors
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("ta-gguf-enc-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: dir) }
        var writer = try GGUFWriter()
        for name in ["F32", "F16", "BF16", "Q8_0"] {
            try writer.add(name, try XCTUnwrap(sources["source." + name]), as: try XCTUnwrap(GGMLType(name: name)))
        }
        let url = dir.appendingPathComponent("enc.gguf")
        try writer.write(to: url)
        let ours = try GGUFFile(contentsOf: url)
        for name in ["F32", "F16", "BF16", "Q8_0"] {
            let a = ours.rawData(of: try XCTUnwrap(ours.info(name)))
            let b = file.rawData(of: try XCTUnwrap(file.info(name)))
            XCTAssertEqual(a.count, b.count, name)
            let differing = zip(a, b).enumerated().filter { $0.element.0 != $0.element.1 }.map(\.offset)
            XCTAssertEqual(differing, [], "\(name): bytes differ from gguf-py's quantize at \(differing.prefix(5))")
        }
    }

    func testMetadataOfEveryTypeReadsAsGGUFReader() throws {
        let file = try open("types.gguf")
        let json = try JSONSerialization.jsonObject(with: Data(contentsOf: Fixtures.url("gguf/types_metadata.json"))) as! [String: Any]
        XCTAssertEqual(Set(file.metadataKeys), Set(json.keys))
        XCTAssertEqual(json.count, 22)
        for key in file.metadataKeys {
            let entry = json[key] as! [String: Any]
            let value = try XCTUnwrap(file.metadata[key])
            XCTAssertEqual(Self.typeNames(value), entry["types"] as? [String], key)
            XCTAssertTrue(Self.matches(value, entry["value"]!), "\(key): \(value) vs \(entry["value"]!)")
        }
        XCTAssertEqual(file.metadata["test.string"]?.string, "héllo, GGUF ✓")
        XCTAssertEqual(file.metadata["test.u64"], .uint64(18_000_000_000_000_000_000))
        XCTAssertEqual(file.metadata["test.f32"], .float32(0.1))
        XCTAssertEqual(file.metadata["test.nested"],
                       .array(elementType: .array, [.array(elementType: .int32, [.int32(1), .int32(2)]),
                                                    .array(elementType: .int32, [.int32(3)]),
                                                    .array(elementType: .int32, [.int32(4), .int32(5), .int32(6)])]))
    }

    /// gguf-py's `ReaderField.types`: the value's type, then (for arrays) the first element's types.
    static func typeNames(_ v: GGUFValue) -> [String] {
        let own = String(describing: v.type).uppercased()
        guard case let .array(elementType, items) = v else { return [own] }
        return [own] + (items.first.map(typeNames) ?? [String(describing: elementType).uppercased()])
    }

    static func matches(_ v: GGUFValue, _ json: Any) -> Bool {
        let n = json as? NSNumber
        switch v {
        case let .uint8(x): return n?.uint64Value == UInt64(x)
        case let .uint16(x): return n?.uint64Value == UInt64(x)
        case let .uint32(x): return n?.uint64Value == UInt64(x)
        case let .uint64(x): return n?.uint64Value == x
        case let .int8(x): return n?.int64Value == Int64(x)
        case let .int16(x): return n?.int64Value == Int64(x)
        case let .int32(x): return n?.int64Value == Int64(x)
        case let .int64(x): return n?.int64Value == x
        case let .float32(x): return n.map { Float($0.doubleValue) } == x
        case let .float64(x): return n?.doubleValue == x
        case let .bool(b): return (json as? Bool) == b
        case let .string(s): return (json as? String) == s
        case let .array(_, items):
            guard let list = json as? [Any], list.count == items.count else { return false }
            return zip(items, list).allSatisfy { matches($0, $1) }
        }
    }
}
