import Foundation
import Models
import TensorCore
import TestSupport
import XCTest

/// `tinyalign convert` through the built binary, both directions, and its one-line errors.
final class GGUFConvertCLITests: XCTestCase {
    var dir: URL!
    override func setUp() {
        dir = FileManager.default.temporaryDirectory.appendingPathComponent("ta-gguf-cli-\(UUID().uuidString)")
        try? FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    }
    override func tearDown() { try? FileManager.default.removeItem(at: dir) }

    func testConvertBothWays() throws {
        let fixture = Fixtures.url("gguf/tiny_llama.gguf").path
        let hf = dir.appendingPathComponent("hf").path
        let a = try TinyAlignBinary.run(["convert", "--gguf", fixture, "--out", hf, "--dtype", "bf16"])
        XCTAssertEqual(a.status, 0, a.err)
        XCTAssertEqual(a.out, "wrote \(hf) (BF16 safetensors) from \(fixture)\n")
        let original = try SafeTensors.read(contentsOf: Fixtures.url("gguf/tiny_llama_hf.safetensors")).tensors
        let bf16 = try SafeTensors.read(contentsOf: URL(fileURLWithPath: hf + "/model.safetensors")).tensors
        for (name, t) in original {
            XCTAssertEqual(bf16[name]!.scalars, t.scalars.map { HalfPrecision.float(fromBFloat: HalfPrecision.bfloat(from: $0)) }, name)
        }
        let config = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: hf + "/config.json"))) as! [String: Any]
        XCTAssertEqual(config["torch_dtype"] as? String, "bfloat16")

        let out = dir.appendingPathComponent("m.gguf").path
        let b = try TinyAlignBinary.run(["convert", "--model", hf, "--out", out, "--type", "q8_0"])
        XCTAssertEqual(b.status, 0, b.err)
        XCTAssertTrue(b.out.hasPrefix("wrote \(out) (Q8_0) from \(hf)\nnote: blk.0.ffn_down.weight: rows of 48"), b.out)
        let f = try GGUFFile(contentsOf: URL(fileURLWithPath: out))
        XCTAssertEqual(f.info("blk.0.attn_q.weight")?.type, .q8_0)
        XCTAssertEqual(f.metadata["general.name"]?.string, "hf")
        XCTAssertEqual(f.metadata["tokenizer.ggml.tokens"], try GGUFFile(contentsOf: Fixtures.url("gguf/tiny_llama.gguf")).metadata["tokenizer.ggml.tokens"])
    }

    func testErrorsAreOneLine() throws {
        let r = try TinyAlignBinary.run(["convert", "--gguf", "/nonexistent.gguf", "--out", dir.appendingPathComponent("x").path])
        XCTAssertNotEqual(r.status, 0)
        XCTAssertEqual(r.err.trimmingCharacters(in: .newlines).split(separator: "\n").count, 1, r.err)
        XCTAssertTrue(r.err.contains("/nonexistent.gguf: cannot read"), r.err)
        let bad = dir.appendingPathComponent("bad.gguf")
        try Data("GGUF\u{3}\0\0\0".utf8).write(to: bad)
        let t = try TinyAlignBinary.run(["convert", "--gguf", bad.path, "--out", dir.appendingPathComponent("y").path])
        XCTAssertTrue(t.err.contains("\(bad.path): malformed GGUF: truncated at byte 8 reading tensor count"), t.err)
        let v = try TinyAlignBinary.run(["convert", "--model", dir.path, "--out", "x.gguf", "--type", "q4_k"])
        XCTAssertTrue(v.err.contains("--type must be f32, f16 or q8_0, got q4_k"), v.err)
        let both = try TinyAlignBinary.run(["convert", "--out", "x"])
        XCTAssertTrue(both.err.contains("give exactly one of --gguf"), both.err)
    }
}
