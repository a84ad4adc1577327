import ArgumentParser
import Datasets
import Foundation
import Recipes
import Report
import Training
import Tokenizer

/// `tinyalign bench tokenizer`: BPE training time and single-threaded encode speed on a ~10 MB corpus, through
/// BPETokenizer and through the general HFTokenizer pipeline; with `--shapes DIR`, also HFTokenizer's encode speed
/// for every `DIR/<shape>.json` (the model-family shapes scripts/bench_tokenizer_shapes.py trains with HF
/// `tokenizers` and times on the same corpus).
struct BenchTokenizer: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tokenizer", abstract: "Training time and encode MB/s of the byte-level BPE (single thread).")

    @Option(help: "UTF-8 corpus; a deterministic ~10 MB text is synthesised when omitted.") var corpus: String?
    @Option(help: "Where to save the synthesised corpus (to run the HF peer on the same text).") var saveCorpus: String?
    @Option(help: "Vocabulary size to train.") var vocabSize = 4096
    @Option(help: "Timed repetitions of encoding.") var iterations = 5
    @Option(help: "Timed repetitions of training.") var trainIterations = 1
    @Option(help: "Folder of tokenizer.json files (one per shape) to time with HFTokenizer.") var shapes: String?

    func run() throws {
        let path: String
        if let corpus {
            path = corpus
        } else {
            path = saveCorpus ?? FileManager.default.temporaryDirectory.appendingPathComponent("tinyalign-bench-corpus.txt").path
            try Data(SyntheticCorpus.make(bytes: 10_000_000).utf8).write(to: URL(fileURLWithPath: path))
        }
        let text = try String(contentsOfFile: path, encoding: .utf8)
        let megabytes = Double(text.utf8.count) / 1e6
        // One call per line, like the peer's per-line loop: lines keep their "\n" (Python's splitlines(keepends=True)
        // also splits at rarer separators such as U+2028, which this does not).
        var lines = text.split(separator: "\n", omittingEmptySubsequences: false).map { String($0) + "\n" }
        if text.hasSuffix("\n") || text.isEmpty { lines.removeLast() } else { lines[lines.count - 1].removeLast() }

        let trainer = BPETrainer(vocabSize: vocabSize, minFrequency: 0, specialTokens: ["<|endoftext|>"])
        var tokenizer: BPETokenizer?
        let trainTimes = try Timing.measure(warmup: 0, iterations: trainIterations) {
            tokenizer = try trainer.train(files: [path])
        }
        var row = Timing.summary(trainTimes)
        row["bench"] = "tokenizer_train"; row["vocab_size"] = vocabSize; row["corpus_mb"] = megabytes
        row["mb_per_s"] = megabytes / ((row["ms_median"] as! Double) / 1000)
        Timing.emit(row)

        let json = Data(tokenizer!.tokenizerJSONString().utf8)
        var tokens = 0
        // Cold: a fresh tokenizer whose word cache starts empty.
        let cold = try Timing.measure(warmup: 0, iterations: 1) {
            let fresh = try BPETokenizer(tokenizerJSONData: json)
            tokens = 0
            for line in lines { tokens += fresh.encode(line).count }
        }
        let warmTokenizer = try BPETokenizer(tokenizerJSONData: json)
        let warm = Timing.measure(warmup: 1, iterations: iterations) {
            tokens = 0
            for line in lines { tokens += warmTokenizer.encode(line).count }
        }
        for (name, times) in [("tokenizer_encode_cold_cache", cold), ("tokenizer_encode", warm)] {
            var row = Timing.summary(times)
            row["bench"] = name; row["threads"] = 1; row["tokens"] = tokens; row["corpus_mb"] = megabytes
            row["mb_per_s"] = megabytes / ((row["ms_median"] as! Double) / 1000)
            Timing.emit(row)
        }
        try emitPipeline(HFTokenizer(json: json), shape: "gpt2-trained-here", lines: lines, megabytes: megabytes)
        guard let shapes else { return }
        let files = try FileManager.default.contentsOfDirectory(atPath: shapes).filter { $0.hasSuffix(".json") }.sorted()
        for name in files {
            let tokenizer = try HFTokenizer.load(URL(fileURLWithPath: shapes).appendingPathComponent(name))
            try emitPipeline(tokenizer, shape: String(name.dropLast(5)), lines: lines, megabytes: megabytes)
        }
    }

    /// Warm single-thread encode speed of one HFTokenizer, one call per line with special tokens.
    private func emitPipeline(_ tokenizer: HFTokenizer, shape: String, lines: [String], megabytes: Double) throws {
        var tokens = 0
        let times = Timing.measure(warmup: 1, iterations: iterations) {
            tokens = 0
            for line in lines { tokens += tokenizer.encode(line).count }
        }
        var row = Timing.summary(times)
        row["bench"] = "tokenizer_pipeline_encode"; row["shape"] = shape; row["threads"] = 1; row["tokens"] = tokens
        row["vocab_size"] = tokenizer.vocabularySize; row["corpus_mb"] = megabytes
        row["mb_per_s"] = megabytes / ((row["ms_median"] as! Double) / 1000)
        Timing.emit(row)
    }
}

/// A deterministic English-like text with numbers, punctuation, contractions and some non-Latin lines.
enum SyntheticCorpus {
    static func make(bytes target: Int) -> String {
        var state: UInt64 = 0x5EED
        func next() -> UInt64 {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return state >> 33
        }
        let syllables = ["the", "an", "re", "con", "ing", "ed", "er", "pro", "ta", "mi", "lo", "ver", "sa", "tion",
                         "de", "in", "al", "ly", "ous", "ment", "pre", "um", "ka", "so", "ri", "be", "st", "ch"]
        let common = ["the", "of", "and", "to", "a", "in", "is", "that", "it's", "for", "was", "on", "don't", "with",
                      "they're", "as", "we've", "at", "by", "I'm", "this", "from", "or", "you'll"]
        let foreign = ["Привет, как дела?", "Καλημέρα σας.", "你好，今天天气很好。", "こんにちは世界！", "مرحبا بكم",
                       "안녕하세요.", "Grüße aus München — schön!", "naïve café 🙂"]
        let punct = [".", ",", "!", "?", ";", ":", " --", "..."]
        // A fixed lexicon of 5000 invented words, drawn with a Zipf-like skew (squared uniform).
        var lexicon: [String] = []
        for _ in 0..<5000 {
            var w = ""
            for _ in 0..<(1 + Int(next() % 3)) { w += syllables[Int(next() % UInt64(syllables.count))] }
            lexicon.append(w)
        }
        var out = ""
        out.reserveCapacity(target + 1000)
        while out.utf8.count < target {
            let r = next() % 100
            if r < 4 {
                out += foreign[Int(next() % UInt64(foreign.count))] + "\n"
                continue
            }
            var line = ""
            for k in 0..<(8 + Int(next() % 20)) {
                if k > 0 { line += " " }
                let u = Double(next() % 10_000) / 10_000
                let kind = next() % 10
                if kind < 4 { line += common[Int(next() % UInt64(common.count))] }
                else if kind == 9 { line += String(next() % 100_000) }
                else { line += lexicon[Int(u * u * Double(lexicon.count))] }
                if next() % 8 == 0 { line += punct[Int(next() % UInt64(punct.count))] }
            }
            out += line + "\n"
        }
        return out
    }
}
