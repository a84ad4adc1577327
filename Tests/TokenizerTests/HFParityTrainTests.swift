import Tokenizer
import XCTest

/// Training on the fixture corpus with HF's settings reproduces HF's vocabulary, merges and file bytes.
final class HFParityTrainTests: XCTestCase {
    func assertSameAsHF(_ trainer: BPETrainer, _ fixture: String) throws {
        let ours = try trainer.train(files: [Fixture.path("corpus.txt")])
        let hf = try Fixture.hfModel(fixture)
        XCTAssertEqual(ours.vocab, hf.vocab)
        XCTAssertEqual(ours.merges.count, hf.merges.count)
        for (i, (m, h)) in zip(ours.merges, hf.merges).enumerated() where [m.left, m.right] != h {
            XCTFail("merge \(i): ours \(m.left) \(m.right), HF \(h.joined(separator: " "))")
            break
        }
        XCTAssertEqual(ours.tokenizerJSONString(), try Fixture.text(fixture))
    }

    func testVocabularyAndMergesMatchHF() throws {
        try assertSameAsHF(BPETrainer(vocabSize: 800, minFrequency: 2), "hf_tokenizer.json")
    }

    /// Here training stops because the best pair falls below the minimum frequency, before the vocabulary is full.
    func testMinimumFrequencyStopMatchesHF() throws {
        let hf = try Fixture.hfModel("hf_tokenizer_minfreq.json")
        XCTAssertLessThan(hf.vocab.count, 5000)
        try assertSameAsHF(BPETrainer(vocabSize: 5000, minFrequency: 40), "hf_tokenizer_minfreq.json")
    }

    func testTrainingIsDeterministic() throws {
        let trainer = BPETrainer(vocabSize: 400, minFrequency: 2)
        let a = try trainer.train(files: [Fixture.path("corpus.txt")])
        let b = try trainer.train(files: [Fixture.path("corpus.txt")])
        XCTAssertEqual(a.merges, b.merges)
        XCTAssertEqual(a.vocab, b.vocab)
    }

    /// Ids: special tokens first, then the 256 byte scalars in scalar order ("!" is the smallest), then merges.
    func testIdLayout() throws {
        let t = try BPETrainer(vocabSize: 260, specialTokens: ["<|endoftext|>", "<|pad|>"]).train(texts: ["aaab aaab"])
        XCTAssertEqual(t.vocab["<|endoftext|>"], 0)
        XCTAssertEqual(t.vocab["<|pad|>"], 1)
        XCTAssertEqual(t.vocab["!"], 2)
        XCTAssertEqual(t.vocab["a"], 2 + 0x61 - 0x21)
        XCTAssertEqual(t.vocab["Ġ"], 2 + 188 + 0x20)  // 188 printable bytes, then U+0100…; U+0120 is the 33rd
        // Words "aaab" and "Ġaaab": (a, a) counts 4 (overlapping windows). Then (aa, a) and (a, b) tie at 2 and
        // the smaller id pair (a, b) = (66, 67) wins over (aa, a) = (258, 66); HF gives the same two merges.
        XCTAssertEqual(t.merges, [BPEMerge("a", "a"), BPEMerge("a", "b")])
        XCTAssertEqual(t.vocab.count, 260)
    }

    func testVocabSizeBelowAlphabetIsAnError() {
        XCTAssertThrowsError(try BPETrainer(vocabSize: 100).train(texts: ["abc"])) { error in
            XCTAssertTrue("\(error)".contains("vocab size 100"))
        }
    }
}
