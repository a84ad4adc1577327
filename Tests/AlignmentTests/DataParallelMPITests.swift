import Alignment
@testable import Datasets
import Foundation
import Models
import Recipes
import TensorCore
import TestSupport
import Training
import XCTest

/// Data parallelism through the real binary under `mpirun -np 2 --oversubscribe --allow-run-as-root` (what CI
/// runs as root): 2 ranks with per-rank batch B take the same steps as one process with batch 2B (losses, α and
/// final weights to 1e-5); a 2-rank run killed at a checkpoint and resumed ends with the bytes of an
/// uninterrupted one; killing one rank stops the job with one line from rank 0 and a loadable checkpoint; ranks
/// that disagree, a global batch that does not divide, and MPI missing at run time are refused before anything
/// is written.
///
/// The model is a tiny Llama (no biases): GPT-2's key bias has an exactly-zero true gradient (softmax ignores a
/// shift of every score of a row), so its computed gradient is rounding noise that Adam normalises into ±lr
/// steps, and two correct runs differ there by up to 2·Σlr whatever the parallelism.
final class DataParallelMPITests: XCTestCase {
    var world: TinyWorld!
    var base: URL!
    var root: URL { world.root }

    override func setUpWithError() throws {
        world = try TinyWorld()
        let tokenizerJSON = try Data(contentsOf: world.base.appendingPathComponent("tokenizer.json"))
        let vocab = try Checkpoint.load(from: world.base).vocabularySize
        let eos = try XCTUnwrap(try ModelBundle(world.base).tokenizer.id(for: "<|endoftext|>"))
        let config = LlamaConfig(vocabSize: vocab, hiddenSize: 32, intermediateSize: 64, numLayers: 2, numHeads: 4,
                                 numKeyValueHeads: 2, maxPositions: 64, tieWordEmbeddings: false, bosTokenId: eos, eosTokenId: eos)
        base = root.appendingPathComponent("llama-base")
        try Checkpoint.save(try Llama(config, seed: 3), to: base, extraFiles: ["tokenizer.json": tokenizerJSON])
    }

    override func tearDown() { world.remove() }

    /// Open MPI's launcher, from PATH or where Debian puts it.
    static var mpirun: URL? {
        let dirs = (ProcessInfo.processInfo.environment["PATH"] ?? "").split(separator: ":").map(String.init) + ["/usr/bin"]
        return dirs.map { URL(fileURLWithPath: $0).appendingPathComponent("mpirun") }
            .first { FileManager.default.isExecutableFile(atPath: $0.path) }
    }

    /// Exit status, stdout and stderr of `executable args` with `environment` added.
    @discardableResult
    func run(_ executable: URL, _ args: [String], environment: [String: String] = [:]) throws -> (status: Int32, out: String, err: String) {
        let p = Process()
        p.executableURL = executable
        p.arguments = args
        p.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        let (out, err) = try outputFiles()
        p.standardOutput = try FileHandle(forWritingTo: out)
        p.standardError = try FileHandle(forWritingTo: err)
        p.standardInput = FileHandle.nullDevice
        try p.run()
        p.waitUntilExit()
        return (p.terminationStatus, try String(contentsOf: out, encoding: .utf8), try String(contentsOf: err, encoding: .utf8))
    }

    /// Two new empty files for a child's stdout and stderr (files, not pipes: nothing blocks on a full pipe).
    func outputFiles() throws -> (URL, URL) {
        let id = UUID().uuidString
        let out = root.appendingPathComponent("stdout-\(id)"), err = root.appendingPathComponent("stderr-\(id)")
        for f in [out, err] { FileManager.default.createFile(atPath: f.path, contents: nil) }
        return (out, err)
    }

    /// The launcher's arguments for `ranks` copies of `tinyalign args`.
    func mpirunArguments(_ ranks: Int, _ args: [String]) -> [String] {
        ["-np", "\(ranks)", "--oversubscribe", "--allow-run-as-root", TinyAlignBinary.url.path] + args
    }

    /// `tinyalign args` on `ranks` ranks.
    @discardableResult
    func mpi(_ ranks: Int, _ args: [String]) throws -> (status: Int32, out: String, err: String) {
        let launcher = try XCTUnwrap(Self.mpirun, "mpirun not found: `make setup` installs Open MPI (openmpi-bin)")
        return try run(launcher, mpirunArguments(ranks, args))
    }

    /// The train lines of a run folder.
    func trainLines(_ folder: URL) throws -> [[String: Any]] {
        try MetricsLog.read(folder.appendingPathComponent("metrics.jsonl")).filter { $0["split"] as? String == "train" }
    }

    /// Asserts equal step counts and, per step, `keys` (every numeric key starting with one of `prefixes`)
    /// within 1e-5 relative; and the final weights within 1e-5 absolute.
    func assertSameRun(_ a: URL, _ b: URL, prefixes: [String], from initial: URL?, file: StaticString = #filePath, line: UInt = #line) throws {
        let x = try trainLines(a), y = try trainLines(b)
        XCTAssertEqual(x.count, y.count, file: file, line: line)
        XCTAssertFalse(x.isEmpty, file: file, line: line)
        var compared = 0
        for (s, t) in zip(x, y) {
            for (key, value) in s where prefixes.contains(where: { key.hasPrefix($0) }) {
                let u = (value as! NSNumber).doubleValue
                let v = try XCTUnwrap(t[key] as? NSNumber, "\(key) missing in \(b.lastPathComponent)", file: file, line: line).doubleValue
                XCTAssertEqual(u, v, accuracy: 1e-5 * max(1, abs(u)), "step \(s["step"]!) \(key)", file: file, line: line)
                compared += 1
            }
        }
        XCTAssertGreaterThan(compared, 0, file: file, line: line)
        let wa = try SafeTensors.read(contentsOf: a.appendingPathComponent("final/model.safetensors")).tensors
        let wb = try SafeTensors.read(contentsOf: b.appendingPathComponent("final/model.safetensors")).tensors
        let w0 = try initial.map { try SafeTensors.read(contentsOf: $0.appendingPathComponent("model.safetensors")).tensors } ?? wa
        XCTAssertEqual(Set(wa.keys), Set(wb.keys), file: file, line: line)
        var largestDifference: Float = 0, largestUpdate: Float = 0
        for (name, t) in wa {
            let u = wb[name]!.scalars, z = w0[name]!.scalars
            for (i, v) in t.scalars.enumerated() {
                largestDifference = max(largestDifference, abs(v - u[i]))
                largestUpdate = max(largestUpdate, abs(v - z[i]))
            }
        }
        XCTAssertLessThanOrEqual(largestDifference, 1e-5, "final weights differ", file: file, line: line)
        // The runs did move the weights, so the equality says something.
        if initial != nil { XCTAssertGreaterThan(largestUpdate, 1e-4, file: file, line: line) }
    }

    /// One process with batch 2B (one thread, as each rank) against 2 ranks with batch B.
    func compare(_ args: [String], batch: Int, prefixes: [String], fromBase: Bool = true,
                 file: StaticString = #filePath, line: UInt = #line) throws {
        let name = args[0] + (args[1] == "--method" ? "-" + args[2] : "")
        let one = root.appendingPathComponent("\(name)-1"), two = root.appendingPathComponent("\(name)-2")
        // Separate reference caches, so the 2-rank run computes its reference log-probs in shards.
        func cache(_ n: Int) -> [String] { args[0] == "align" ? ["--cache-dir", root.appendingPathComponent("cache-\(n)").path] : [] }
        let a = try run(TinyAlignBinary.url, args + ["--out", one.path, "--batch-size", "\(2 * batch)", "--threads-per-rank", "1"] + cache(1))
        XCTAssertEqual(a.status, 0, a.err, file: file, line: line)
        let b = try mpi(2, args + ["--out", two.path, "--batch-size", "\(batch)"] + cache(2))
        XCTAssertEqual(b.status, 0, b.err, file: file, line: line)
        try assertSameRun(one, two, prefixes: prefixes, from: fromBase ? base : nil, file: file, line: line)
        // Rank 0 speaks for the job: one summary on stdout, not one per rank.
        XCTAssertEqual(b.out.split(separator: "\n").count, a.out.split(separator: "\n").count, b.out, file: file, line: line)
        // The 2-rank run records its rank count, so a 1-process resume of it is refused.
        let manifest = try JSONSerialization.jsonObject(with: Data(contentsOf: two.appendingPathComponent("run_config.json"))) as! [String: Any]
        XCTAssertEqual((manifest["training"] as! [String: Any])["ranks"] as? Int, 2, file: file, line: line)
    }

    func testSFTOnTwoRanksEqualsOneProcessWithTheDoubleBatch() throws {
        try compare(["sft", "--model", base.path, "--data", world.data.path, "--steps", "5", "--lr", "3e-3", "--eval-every", "5"],
                    batch: 4, prefixes: ["loss", "grad_norm"])
    }

    func testPretrainOnTwoRanksEqualsOneProcessWithTheDoubleBatch() throws {
        let corpus = root.appendingPathComponent("corpus.txt")
        let text = try PreferenceExample.load(world.data).map { $0.prompt + $0.chosen }.joined(separator: "\n")
        try Data(String(repeating: text + "\n", count: 3).utf8).write(to: corpus)
        try compare(["pretrain", "--data", corpus.path, "--tokenizer", world.base.appendingPathComponent("tokenizer.json").path,
                     "--config", "tiny", "--context", "16", "--steps", "5", "--eval-every", "5"],
                    batch: 3, prefixes: ["loss", "grad_norm"], fromBase: false)
    }

    func testDPOOnTwoRanksEqualsOneProcessWithTheDoubleBatch() throws {
        try compare(["align", "--method", "dpo", "--model", base.path, "--data", world.data.path, "--steps", "5", "--lr", "3e-3",
                     "--eval-every", "5"], batch: 4, prefixes: ["loss", "grad_norm", "rewards/margins", "logps/", "group/"])
    }

    func testGRDPOOnTwoRanksEqualsOneProcessWithTheDoubleBatch() throws {
        try compare(["align", "--method", "gr-dpo", "--model", base.path, "--data", world.data.path, "--steps", "5", "--lr", "3e-3",
                     "--eval-every", "5", "--eta-alpha", "2"], batch: 4, prefixes: ["loss", "objective", "alpha/", "grad_norm", "logps/"])
        // α moved, so its equality is not that of two untouched starts.
        let last = try trainLines(root.appendingPathComponent("align-gr-dpo-2")).last!
        let alphas = last.filter { $0.key.hasPrefix("alpha/") }.map { ($0.value as! NSNumber).doubleValue }
        XCTAssertEqual(alphas.count, 3)
        XCTAssertGreaterThan(alphas.max()! - alphas.min()!, 1e-3)
    }

    /// The pids of the `tinyalign` ranks `mpirun` started, by rank (from each child's environment).
    func ranks(of launcher: Int32) -> [Int: Int32] {
        var found: [Int: Int32] = [:]
        guard let children = try? String(contentsOfFile: "/proc/\(launcher)/task/\(launcher)/children", encoding: .utf8) else { return found }
        for pid in children.split(separator: " ").compactMap({ Int32($0) }) {
            guard let env = FileManager.default.contents(atPath: "/proc/\(pid)/environ") else { continue }
            for entry in env.split(separator: 0) {
                let text = String(decoding: entry, as: UTF8.self)
                if text.hasPrefix("OMPI_COMM_WORLD_RANK="), let r = Int(text.dropFirst("OMPI_COMM_WORLD_RANK=".count)) { found[r] = pid }
            }
        }
        return found
    }

    func testKillingOneRankStopsTheJobWithOneLineAndTheResumedRunEqualsAnUninterruptedOne() throws {
        let args = ["align", "--method", "gr-dpo", "--model", base.path, "--data", world.data.path, "--steps", "16", "--batch-size", "2",
                    "--lr", "3e-3", "--eval-every", "10", "--eta-alpha", "1", "--cache-dir", root.appendingPathComponent("cache").path]
        let full = root.appendingPathComponent("full"), split = root.appendingPathComponent("split")
        let uninterrupted = try mpi(2, args + ["--out", full.path])
        XCTAssertEqual(uninterrupted.status, 0, uninterrupted.err)

        let launcher = try XCTUnwrap(Self.mpirun)
        let p = Process()
        p.executableURL = launcher
        p.arguments = mpirunArguments(2, args + ["--out", split.path, "--checkpoint-every", "2"])
        let (_, errFile) = try outputFiles()
        p.standardOutput = FileHandle.nullDevice
        p.standardError = try FileHandle(forWritingTo: errFile)
        try p.run()
        let marker = split.appendingPathComponent("checkpoint/trainer_state.json")
        let start = Date()
        while p.isRunning && !FileManager.default.fileExists(atPath: marker.path) && Date().timeIntervalSince(start) < 120 { usleep(2000) }
        let pids = ranks(of: p.processIdentifier)
        XCTAssertTrue(p.isRunning, "the job finished before the kill; the test needs more steps")
        let rank1 = try XCTUnwrap(pids[1], "rank 1 not found among mpirun's children: \(pids)")
        kill(rank1, SIGKILL)
        p.waitUntilExit()
        let stderr = try String(contentsOf: errFile, encoding: .utf8)
        XCTAssertNotEqual(p.terminationStatus, 0)
        let ours = stderr.split(separator: "\n").filter { $0.hasPrefix("tinyalign: rank 0: the job was stopped") }
        XCTAssertEqual(ours.count, 1, stderr)
        XCTAssertTrue(ours.first?.contains("is complete (continue with --resume)") ?? false, stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: split.appendingPathComponent("final").path))
        // The last checkpoint loads as a model folder and resumes on 2 ranks to the uninterrupted run's bytes.
        XCTAssertNoThrow(try Checkpoint.load(from: split.appendingPathComponent("checkpoint")))
        let resumed = try mpi(2, args + ["--out", split.path, "--checkpoint-every", "2", "--resume"])
        XCTAssertEqual(resumed.status, 0, resumed.err)
        XCTAssertEqual(try Data(contentsOf: full.appendingPathComponent("final/model.safetensors")),
                       try Data(contentsOf: split.appendingPathComponent("final/model.safetensors")))
        XCTAssertEqual(try trainLines(full).map { ($0["loss"] as! NSNumber).doubleValue },
                       try trainLines(split).map { ($0["loss"] as! NSNumber).doubleValue })
        // Another rank count cannot continue it.
        let single = try run(TinyAlignBinary.url, args + ["--out", split.path, "--checkpoint-every", "2", "--resume"])
        XCTAssertNotEqual(single.status, 0)
        XCTAssertTrue(single.err.contains("training.ranks = 2"), single.err)
    }

    /// Bad setups end with one line of ours, a non-zero exit and no run folder.
    func assertRefused(_ r: (status: Int32, out: String, err: String), _ message: String, out: URL,
                       file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertNotEqual(r.status, 0, file: file, line: line)
        let lines = r.err.split(separator: "\n").filter { $0.contains(message) }
        XCTAssertEqual(lines.count, 1, r.err, file: file, line: line)
        XCTAssertFalse(FileManager.default.fileExists(atPath: out.path), "\(out.lastPathComponent) was written", file: file, line: line)
    }

    func testRanksThatDisagreeAreRefusedBeforeAnythingIsWritten() throws {
        let launcher = try XCTUnwrap(Self.mpirun)
        let other = root.appendingPathComponent("other.jsonl")
        var examples = try PreferenceExample.load(world.data)
        examples[0].chosen = " C"
        try PreferenceExample.save(examples, to: other)
        let common = ["sft", "--model", base.path, "--steps", "3", "--batch-size", "2"]
        // MPMD: rank 0 and rank 1 get different data files, then different settings.
        let out1 = root.appendingPathComponent("mixed-data")
        let data = try run(launcher, ["--oversubscribe", "--allow-run-as-root",
                                      "-np", "1", TinyAlignBinary.url.path] + common + ["--data", world.data.path, "--out", out1.path]
                                      + [":", "-np", "1", TinyAlignBinary.url.path] + common + ["--data", other.path, "--out", out1.path])
        assertRefused(data, "rank 1 of 2 disagrees with rank 0 on the settings, data files", out: out1)
        let out2 = root.appendingPathComponent("mixed-lr")
        let lr = try run(launcher, ["--oversubscribe", "--allow-run-as-root",
                                    "-np", "1", TinyAlignBinary.url.path] + common + ["--data", world.data.path, "--out", out2.path, "--lr", "1e-3"]
                                    + [":", "-np", "1", TinyAlignBinary.url.path] + common + ["--data", world.data.path, "--out", out2.path, "--lr", "2e-3"])
        assertRefused(lr, "rank 1 of 2 disagrees with rank 0 on the settings", out: out2)
    }

    func testAGlobalBatchThatDoesNotDivideByTheRanksIsRefused() throws {
        let out = root.appendingPathComponent("odd")
        let r = try mpi(2, ["sft", "--model", base.path, "--data", world.data.path, "--steps", "3", "--global-batch-size", "5",
                            "--out", out.path])
        assertRefused(r, "the global batch size 5 does not divide by the 2 ranks", out: out)
    }

    func testMPIMissingAtRunTimeIsOneLineAndWritesNothing() throws {
        let out = root.appendingPathComponent("no-mpi")
        let args = ["sft", "--model", base.path, "--data", world.data.path, "--steps", "3", "--out", out.path]
        // As mpirun would start rank 0 of 2, but the library cannot be found.
        let r = try run(TinyAlignBinary.url, args, environment: ["OMPI_COMM_WORLD_SIZE": "2", "OMPI_COMM_WORLD_RANK": "0",
                                                                "TINYALIGN_LIBMPI": "/nonexistent/libmpi.so.40"])
        assertRefused(r, "MPI is not usable: Open MPI's library cannot be loaded", out: out)
        XCTAssertEqual(r.err.split(separator: "\n").count, 1, r.err)
        // Another MPI's launcher (MPICH's hydra sets PMI_RANK) is not mistaken for a single process.
        let foreign = try run(TinyAlignBinary.url, args, environment: ["PMI_RANK": "0", "PMI_SIZE": "2"])
        assertRefused(foreign, "not Open MPI's mpirun (PMI_RANK is set)", out: out)
    }
}
