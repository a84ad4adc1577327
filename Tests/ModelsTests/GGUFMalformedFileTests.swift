import Foundation
import Models
import XCTest

/// Each bound the GGUF reader states: a hostile or damaged file ends in a one-line error naming the file and the
/// fault, never a crash or a huge allocation.
final class GGUFMalformedFileTests: XCTestCase {
    /// Little-endian GGUF bytes built field by field.
    struct Bytes {
        var data = Data()
        mutating func u32(_ v: UInt32) { withUnsafeBytes(of: v.littleEndian) { data.append(contentsOf: $0) } }
        mutating func u64(_ v: UInt64) { withUnsafeBytes(of: v.littleEndian) { data.append(contentsOf: $0) } }
        mutating func string(_ s: String) { u64(UInt64(s.utf8.count)); data.append(contentsOf: Array(s.utf8)) }
        mutating func header(tensors: UInt64, kvs: UInt64, version: UInt32 = 3) {
            u32(0x4655_4747); u32(version); u64(tensors); u64(kvs)
        }
        mutating func tensorInfo(_ name: String, dims: [UInt64], type: UInt32, offset: UInt64) {
            string(name); u32(UInt32(dims.count)); dims.forEach { u64($0) }; u32(type); u64(offset)
        }
        mutating func pad(to n: Int) { data.append(contentsOf: [UInt8](repeating: 0, count: (n - data.count % n) % n)) }
    }

    let path = "/tmp/bad.gguf"

    func assertFails(_ data: Data, _ expected: String, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertThrowsError(try GGUFFile(data: data, path: path), file: file, line: line) { e in
            let text = "\(e)"
            XCTAssertTrue(text.hasPrefix(path + ": "), "does not name the file: \(text)", file: file, line: line)
            XCTAssertTrue(text.contains(expected), "\(text)\n  does not contain: \(expected)", file: file, line: line)
            XCTAssertFalse(text.contains("\n"), "not one line: \(text)", file: file, line: line)
        }
    }

    /// A valid file with one 32-element F32 tensor, to damage.
    func valid() -> Bytes {
        var b = Bytes()
        b.header(tensors: 1, kvs: 1)
        b.string("general.architecture"); b.u32(8); b.string("llama")
        b.tensorInfo("w", dims: [32], type: 0, offset: 0)
        b.pad(to: 32)
        for i in 0..<32 { b.u32(Float(i).bitPattern) }
        return b
    }

    func testTheValidBaseFileReads() throws {
        let f = try GGUFFile(data: valid().data, path: path)
        XCTAssertEqual(f.metadata["general.architecture"]?.string, "llama")
        XCTAssertEqual(try f.tensor("w").scalars, (0..<32).map(Float.init))
    }

    func testTruncatedFileAtEveryFieldIsNamed() {
        let whole = valid().data
        assertFails(whole.prefix(3), "truncated at byte 0 reading magic")
        assertFails(whole.prefix(6), "truncated at byte 4 reading version")
        assertFails(whole.prefix(12), "truncated at byte 8 reading tensor count")
        assertFails(whole.prefix(20), "truncated at byte 16 reading metadata count")
        assertFails(whole.prefix(30), "metadata count 1 is more than the 6 bytes left could hold")
        assertFails(whole.prefix(50), "tensor count 1 is more than the 26 bytes left could hold")
        assertFails(whole.prefix(62), "truncated at byte 56 reading length of value of general.architecture (needs 8 bytes, 6 left)")
        assertFails(whole.prefix(70), "truncated at byte 69 reading length of name of tensor 0 (needs 8 bytes, 1 left)")
        assertFails(whole.prefix(86), "truncated at byte 82 reading dim 0 of tensor 'w'")
        // Cut in the data section: the tensor no longer fits.
        assertFails(whole.prefix(whole.count - 4), "tensor 'w' (128 bytes at data offset 0) extends past the end of the file (data section holds 124 bytes)")
        // Every possible cut fails cleanly, none crashes.
        for n in 0..<whole.count { XCTAssertThrowsError(try GGUFFile(data: whole.prefix(n), path: path), "cut at \(n)") }
    }

    func testBadMagicVersionAndEndianness() {
        var b = valid()
        b.data[0] = UInt8(ascii: "X")
        assertFails(b.data, "not a GGUF file (magic 0x46554758")
        var v1 = Bytes(); v1.header(tensors: 0, kvs: 0, version: 1)
        assertFails(v1.data, "unsupported GGUF: version 1; only versions 2 and 3 are supported")
        var big = Bytes(); big.header(tensors: 0, kvs: 0, version: UInt32(3).byteSwapped)
        assertFails(big.data, "big-endian GGUF")
    }

    func testVersion2Reads() throws {
        var b = Bytes(); b.header(tensors: 0, kvs: 1, version: 2)
        b.string("k"); b.u32(4); b.u32(7)
        XCTAssertEqual(try GGUFFile(data: b.data, path: path).metadata["k"], .uint32(7))
    }

    func testAbsurdCountsFailBeforeAllocating() {
        var t = Bytes(); t.header(tensors: 1 << 60, kvs: 0)
        assertFails(t.data, "tensor count 1152921504606846976 is more than the 0 bytes left could hold")
        var k = Bytes(); k.header(tensors: 0, kvs: UInt64.max)
        assertFails(k.data, "metadata count 18446744073709551615 is more than")
    }

    func testStringOrArrayLongerThanTheFile() {
        var s = Bytes(); s.header(tensors: 0, kvs: 1)
        s.u64(1 << 40); s.data.append(contentsOf: [UInt8](repeating: 65, count: 20))
        assertFails(s.data, "key of metadata entry 0 at byte 24 has length 1099511627776, longer than the 20 bytes left in the file")
        var v = Bytes(); v.header(tensors: 0, kvs: 1)
        v.string("name"); v.u32(8); v.u64(UInt64.max)
        assertFails(v.data, "value of name at byte 40 has length 18446744073709551615")
        var a = Bytes(); a.header(tensors: 0, kvs: 1)
        a.string("tokens"); a.u32(9); a.u32(8); a.u64(1 << 50)
        assertFails(a.data, "metadata tokens: array of 1125899906842624 elements is longer than the 0 bytes left in the file")
        var n = Bytes(); n.header(tensors: 0, kvs: 1)
        n.string("deep"); n.u32(9)
        for _ in 0..<20 { n.u32(9); n.u64(1) }
        assertFails(n.data, "metadata deep: arrays nested deeper than 8 levels")
        var ty = Bytes(); ty.header(tensors: 0, kvs: 1)
        ty.string("odd"); ty.u32(13); ty.u32(0)
        assertFails(ty.data, "metadata odd: unknown value type 13")
    }

    func testUnknownTensorType() {
        var b = Bytes(); b.header(tensors: 1, kvs: 0)
        b.tensorInfo("blk.0.attn_q.weight", dims: [32], type: 99, offset: 0)
        assertFails(b.data, "unsupported GGUF: tensor 'blk.0.attn_q.weight' has unknown ggml type 99")
    }

    func testDimsWhoseProductOverflows() {
        var b = Bytes(); b.header(tensors: 1, kvs: 0)
        b.tensorInfo("huge", dims: [1 << 32, 1 << 32], type: 0, offset: 0)
        assertFails(b.data, "tensor 'huge' dims [4294967296, 4294967296] multiply past 9223372036854775807 elements")
        var five = Bytes(); five.header(tensors: 1, kvs: 0)
        five.tensorInfo("t", dims: [1, 1, 1, 1, 1], type: 0, offset: 0)
        assertFails(five.data, "tensor 't' has 5 dims, more than 4")
        var rows = Bytes(); rows.header(tensors: 1, kvs: 0)
        rows.tensorInfo("q", dims: [48, 2], type: 8, offset: 0)
        assertFails(rows.data, "tensor 'q' of type Q8_0 has a row of 48 elements, not a multiple of its block size 32")
    }

    func testTensorExtendingPastTheEnd() {
        var b = Bytes(); b.header(tensors: 1, kvs: 0)
        b.tensorInfo("w", dims: [1 << 30], type: 0, offset: 0)
        b.pad(to: 32); b.data.append(contentsOf: [UInt8](repeating: 0, count: 64))
        assertFails(b.data, "tensor 'w' (4294967296 bytes at data offset 0) extends past the end of the file (data section holds 64 bytes)")
        var o = Bytes(); o.header(tensors: 1, kvs: 0)
        o.tensorInfo("w", dims: [4], type: 0, offset: 1 << 62)
        o.pad(to: 32)
        assertFails(o.data, "tensor 'w' (16 bytes at data offset 4611686018427387904) extends past the end of the file")
        var u = Bytes(); u.header(tensors: 1, kvs: 0)
        u.tensorInfo("w", dims: [4], type: 0, offset: 4)
        u.pad(to: 32); u.data.append(contentsOf: [UInt8](repeating: 0, count: 64))
        assertFails(u.data, "tensor 'w' offset 4 is not a multiple of the alignment 32")
    }

    func testAlignmentAndDuplicates() {
        var a = Bytes(); a.header(tensors: 0, kvs: 1)
        a.string("general.alignment"); a.u32(4); a.u32(48)
        assertFails(a.data, "general.alignment 48 is not a power of two")
        var t = Bytes(); t.header(tensors: 0, kvs: 1)
        t.string("general.alignment"); t.u32(10); t.u64(64)
        assertFails(t.data, "general.alignment must be a uint32, found uint64")
        var d = Bytes(); d.header(tensors: 0, kvs: 2)
        d.string("k"); d.u32(0); d.data.append(1)
        d.string("k"); d.u32(0); d.data.append(2)
        assertFails(d.data, "duplicate metadata key 'k'")
        var n = Bytes(); n.header(tensors: 2, kvs: 0)
        n.tensorInfo("w", dims: [1], type: 0, offset: 0)
        n.tensorInfo("w", dims: [1], type: 0, offset: 32)
        assertFails(n.data, "duplicate tensor name 'w'")
    }

    func testATypeWeCannotDequantizeIsNamedOnRead() throws {
        var b = Bytes(); b.header(tensors: 1, kvs: 0)
        b.tensorInfo("iq", dims: [256], type: 17, offset: 0)
        b.pad(to: 32); b.data.append(contentsOf: [UInt8](repeating: 0, count: 74))
        let f = try GGUFFile(data: b.data, path: path)
        XCTAssertThrowsError(try f.tensor("iq")) { e in
            XCTAssertEqual("\(e)", "/tmp/bad.gguf: unsupported GGUF: tensor 'iq' has type IQ2_XS, which TinyAlign cannot dequantize")
        }
        XCTAssertThrowsError(try f.tensor("nope")) { e in XCTAssertEqual("\(e)", "gguf: /tmp/bad.gguf has no tensor 'nope'") }
        XCTAssertThrowsError(try GGUFFile(contentsOf: URL(fileURLWithPath: "/nonexistent/x.gguf"))) { e in
            XCTAssertTrue("\(e)".hasPrefix("/nonexistent/x.gguf: cannot read"), "\(e)")
        }
    }
}
