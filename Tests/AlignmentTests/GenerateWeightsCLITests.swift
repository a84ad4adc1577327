import Foundation
import Models
@testable import Recipes
import TensorCore
import TestSupport
import Tokenizer
import XCTest

/// `generate --weights bf16` through the real binary: the greedy continuation equals the in-process model's with
/// BF16 decoding weights (and the F32 run's equals plain decoding), and a bad `--weights` is refused in one line.
final class GenerateWeightsCLITests: XCTestCase {
    private var root: URL!
    private static let fixture = Bundle.module.resourceURL!.appendingPathComponent("Fixtures/chat_parity/smollm2")

    override func setUpWithError() throws {
        root = FileManager.default.temporaryDirectory.appendingPathComponent("ta-weights-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)
    }

    override func tearDown() { try? FileManager.default.removeItem(at: root) }

    func testBF16GenerateMatchesInProcessBF16Decoding() throws {
        let tokenizerURL = Self.fixture.appendingPathComponent("tokenizer.json")
        let tokenizer = try TokenizerLoader.load(tokenizerURL)
        let eos = tokenizer.id(for: "<|im_end|>")!
        // std 0.5 weights, so BF16 rounding is large enough to matter somewhere in the logits.
        var config = LlamaConfig(vocabSize: tokenizer.vocabularySize, hiddenSize: 48, intermediateSize: 96, numLayers: 2,
                                 numHeads: 3, numKeyValueHeads: 1, maxPositions: 128, tieWordEmbeddings: true,
                                 bosTokenId: eos, eosTokenId: eos)
        config.initializerRange = 0.5
        let folder = root.appendingPathComponent("model")
        try Checkpoint.save(try Llama(config, seed: 7), to: folder, extraFiles: ["tokenizer.json": try Data(contentsOf: tokenizerURL)])

        func inProcess(bf16: Bool) throws -> String {
            let bundle = try ModelBundle(folder)
            let llama = try XCTUnwrap(bundle.model as? Llama)
            if bf16 { try llama.useBF16WeightsForDecoding() }
            let prompt = bundle.tokenizer.encode("Is tea").map(Int32.init)
            let ids = try llama.generate(prompt: prompt, maxNewTokens: 10, sampling: SamplingOptions(temperature: 0), eos: bundle.eos)
            return try GeneratedText.text(ids, from: prompt.count, includePrompt: true, tokenizer: bundle.tokenizer,
                                          stops: GeneratedText.stopIds(tokenizer: bundle.tokenizer, eos: bundle.eos))
        }
        let args = ["generate", "--model", folder.path, "--prompt", "Is tea", "--temperature", "0", "--max-new-tokens", "10"]
        var r = try TinyAlignBinary.run(args + ["--weights", "bf16"])
        XCTAssertEqual(r.status, 0, r.err)
        XCTAssertEqual(r.out, try inProcess(bf16: true) + "\n")
        r = try TinyAlignBinary.run(args)
        XCTAssertEqual(r.status, 0, r.err)
        XCTAssertEqual(r.out, try inProcess(bf16: false) + "\n")

        r = try TinyAlignBinary.run(args + ["--weights", "int4"])
        XCTAssertNotEqual(r.status, 0)
        XCTAssertTrue(r.err.contains("--weights must be f32 or bf16, not int4"), r.err)
        XCTAssertEqual(r.err.split(separator: "\n").filter { $0.contains("--weights") }.count, 1, r.err)
    }
}
