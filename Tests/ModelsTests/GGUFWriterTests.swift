import Foundation
import Models
import TensorCore
import XCTest

/// Files written by TinyAlign's GGUF writer: read back by TinyAlign's reader with the same metadata and tensors,
/// and byte-identical to the committed copies that Fixtures/gguf/check_tinyalign_gguf.py verifies with gguf-py
/// (`GGUFReader` opens them; every stored tensor equals `gguf.quants.quantize` of its source).
/// Set TINYALIGN_WRITE_GGUF_FIXTURES=1 to refresh the committed copies, then run the script.
final class GGUFWriterTests: XCTestCase {
    var dir: URL!
    override func setUp() {
        dir = FileManager.default.temporaryDirectory.appendingPathComponent("ta-gguf-w-\(UUID().uuidString)")
        try? FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    }
    override func tearDown() { try? FileManager.default.removeItem(at: dir) }

    static let metadata: [(String, GGUFValue)] = [
        ("general.architecture", .string("llama")),
        ("general.name", .string("tinyalign ✓")),
        ("t.u8", .uint8(250)), ("t.i8", .int8(-7)), ("t.u16", .uint16(65535)), ("t.i16", .int16(-32768)),
        ("t.u32", .uint32(123_456_789)), ("t.i32", .int32(-5)), ("t.u64", .uint64(1 << 63)), ("t.i64", .int64(-(1 << 40))),
        ("t.f32", .float32(0.25)), ("t.f64", .float64(-1e-300)), ("t.bool", .bool(true)), ("t.empty_string", .string("")),
        ("t.strings", .array(elementType: .string, [.string("a b"), .string("Ġx"), .string("")])),
        ("t.floats", .array(elementType: .float32, [.float32(1.5), .float32(-2)])),
        ("t.nested", .array(elementType: .array, [.array(elementType: .int64, [.int64(1), .int64(-2)]),
                                                  .array(elementType: .int64, [.int64(3)])])),
    ]

    /// 4 rows of 64 values: smooth values, two zero blocks' worth of edge cases, a binary16 tie and overflow.
    static func source() -> Tensor {
        var v = (0..<256).map { i in Float(sin(Double(i) * 0.37) * 3 + Double(i % 7) * 0.01) }
        for i in 64..<96 { v[i] = 0 }
        v[100] = 65520; v[101] = -1e-8; v[102] = 1.00048828125; v[103] = 6.0e-5
        return Tensor(shape: [4, 64], v)
    }

    static func writer() throws -> GGUFWriter {
        var w = try GGUFWriter()
        for (k, v) in metadata { try w.set(k, v) }
        let s = source()
        try w.add("source", s, as: .f32)
        try w.add("as_f16", s, as: .f16)
        try w.add("as_bf16", s, as: .bf16)
        try w.add("as_q8_0", s, as: .q8_0)
        try w.add("cube_q8_0", try s.reshaped([2, 2, 64]), as: .q8_0)
        let types = try GGUFFile(contentsOf: Fixtures.url("gguf/types.gguf"))
        let q4k = try XCTUnwrap(types.info("Q4_K"))
        try w.addRaw("copied_q4_k", dims: q4k.dims, type: .q4_K, bytes: Array(types.rawData(of: q4k)))
        return w
    }

    /// Where the committed fixtures live in the source tree (for refreshing them).
    static func sourceFixture(_ name: String) -> URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures/gguf/\(name)")
    }

    func checkAgainstCommitted(_ url: URL, _ name: String) throws {
        if ProcessInfo.processInfo.environment["TINYALIGN_WRITE_GGUF_FIXTURES"] == "1" {
            try? FileManager.default.removeItem(at: Self.sourceFixture(name))
            try FileManager.default.copyItem(at: url, to: Self.sourceFixture(name))
        }
        let committed = try Data(contentsOf: Fixtures.url("gguf/\(name)"))
        XCTAssertEqual(try Data(contentsOf: url), committed, "\(name) differs from the committed copy gguf-py checked")
    }

    func testWrittenFileReadsBackAndMatchesTheGGUFPyCheckedCopy() throws {
        let url = dir.appendingPathComponent("tinyalign_written.gguf")
        try Self.writer().write(to: url)
        let f = try GGUFFile(contentsOf: url)
        XCTAssertEqual(f.version, 3)
        XCTAssertEqual(f.metadataKeys, Self.metadata.map(\.0))
        for (k, v) in Self.metadata { XCTAssertEqual(f.metadata[k], v, k) }
        XCTAssertEqual(f.tensors.map(\.name), ["source", "as_f16", "as_bf16", "as_q8_0", "cube_q8_0", "copied_q4_k"])
        XCTAssertTrue(f.tensors.allSatisfy { $0.offset % 32 == 0 })
        let s = Self.source()
        XCTAssertEqual(try f.tensor("source").scalars, s.scalars)
        XCTAssertEqual(f.info("cube_q8_0")?.dims, [64, 2, 2])
        XCTAssertEqual(try f.tensor("cube_q8_0").scalars, try f.tensor("as_q8_0").scalars)
        // Lossy types stay within their rounding of the source.
        let f16 = try f.tensor("as_f16").scalars, q8 = try f.tensor("as_q8_0").scalars
        XCTAssertEqual(f16[100], .infinity)          // 65520 rounds past binary16's largest finite value
        XCTAssertEqual(f16[102], 1.0)                 // a tie rounds to even
        XCTAssertEqual(q8[64..<96].allSatisfy { $0 == 0 }, true)
        for i in 0..<64 { XCTAssertEqual(q8[i], s.scalars[i], accuracy: 3.1 / 127 / 2 * 1.001, "q8_0 \(i)") }
        let types = try GGUFFile(contentsOf: Fixtures.url("gguf/types.gguf"))
        XCTAssertEqual(try f.tensor("copied_q4_k").scalars, try types.tensor("Q4_K").scalars)
        try checkAgainstCommitted(url, "tinyalign_written.gguf")
    }

    func testConvertedTinyLlamaQ8_0MatchesTheGGUFPyCheckedCopy() throws {
        let hf = dir.appendingPathComponent("hf")
        try GGUFConversion.ggufToHuggingFace(Fixtures.url("gguf/tiny_llama.gguf"), folder: hf)
        let url = dir.appendingPathComponent("tinyalign_tiny_llama_q8_0.gguf")
        try GGUFConversion.huggingFaceToGGUF(hf, gguf: url, type: .q8_0, name: "tiny-llama")
        try checkAgainstCommitted(url, "tinyalign_tiny_llama_q8_0.gguf")
    }

    func testWriterRejectsBadRequests() throws {
        var w = try GGUFWriter()
        try w.set("a", .uint8(1))
        XCTAssertThrowsError(try w.set("a", .uint8(2))) { XCTAssertEqual("\($0)", "gguf: metadata key 'a' is empty or already set") }
        XCTAssertThrowsError(try w.set("mixed", .array(elementType: .int32, [.int32(1), .string("x")]))) {
            XCTAssertEqual("\($0)", "gguf: metadata mixed: array of int32 holds a string")
        }
        XCTAssertThrowsError(try w.add("q", Tensor(shape: [2, 48], repeating: 1), as: .q8_0)) {
            XCTAssertEqual("\($0)", "gguf: tensor 'q' of type Q8_0 has a row of 48 elements, not a multiple of its block size 32")
        }
        XCTAssertThrowsError(try w.add("k", Tensor(shape: [256], repeating: 1), as: .q4_K)) {
            XCTAssertEqual("\($0)", "gguf: tensor 'k': cannot write type Q4_K (F32, F16, BF16 or Q8_0)")
        }
        try w.add("x", Tensor(shape: [2], [1, 2]), as: .f32)
        XCTAssertThrowsError(try w.add("x", Tensor(shape: [2], [1, 2]), as: .f32)) {
            XCTAssertEqual("\($0)", "gguf: tensor name 'x' is empty or already used")
        }
        XCTAssertThrowsError(try w.addRaw("r", dims: [32], type: .q8_0, bytes: [1, 2])) {
            XCTAssertEqual("\($0)", "gguf: tensor 'r': 2 bytes given, Q8_0 dims [32] need 34")
        }
        XCTAssertThrowsError(try GGUFWriter(alignment: 48)) { XCTAssertEqual("\($0)", "gguf: alignment 48 is not a power of two") }
        // Custom alignment is recorded and honoured.
        var a = try GGUFWriter(alignment: 128)
        try a.add("t", Tensor(shape: [3], [1, 2, 3]), as: .f32)
        try a.add("u", Tensor(shape: [1], [4]), as: .f32)
        let url = dir.appendingPathComponent("a.gguf")
        try a.write(to: url)
        let f = try GGUFFile(contentsOf: url)
        XCTAssertEqual(f.alignment, 128)
        XCTAssertEqual(f.info("u")?.offset, 128)
        XCTAssertEqual(f.dataOffset % 128, 0)
        XCTAssertEqual(try f.tensor("u").scalars, [4])
        // Nothing temporary is left beside the file.
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: dir.path).sorted(), ["a.gguf"])
    }
}
