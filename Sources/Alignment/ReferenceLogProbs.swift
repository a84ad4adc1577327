import Datasets
import Distributed
import Autograd
import Foundation
import Models
import Training
import TensorCore

/// Reference-model log-probs of every pair, computed once and cached on disk, so the reference model never runs
/// during training (TRL's `precompute_ref_log_probs`).
public struct ReferenceLogProbs {
    /// log π_ref(y_w | x) per pair.
    public var chosen: [Float]
    /// log π_ref(y_l | x) per pair.
    public var rejected: [Float]

    /// Runs `model` without gradients over `pairs` in batches of `batchSize`.
    public static func compute(model: any CausalLanguageModel, pairs: [EncodedPair], padId: Int32, batchSize: Int = 16) throws -> ReferenceLogProbs {
        var out = ReferenceLogProbs(chosen: [], rejected: [])
        try withNoGrad {
            for start in stride(from: 0, to: pairs.count, by: batchSize) {
                let chunk = pairs[start..<min(start + batchSize, pairs.count)]
                let lp = try SequenceLogProbs.pairs(model: model, chosen: chunk.map(\.chosen), rejected: chunk.map(\.rejected),
                                                    padId: padId).value.scalars
                out.chosen += lp[..<chunk.count]
                out.rejected += lp[chunk.count...]
            }
        }
        return out
    }

    /// The same values computed by the ranks of `communicator` together: each runs a contiguous slice of the
    /// pairs, and the slices are gathered once, in order, onto every rank.
    public static func compute(model: any CausalLanguageModel, pairs: [EncodedPair], padId: Int32, batchSize: Int = 16,
                               communicator: Communicator) throws -> ReferenceLogProbs {
        guard communicator.size > 1 else { return try compute(model: model, pairs: pairs, padId: padId, batchSize: batchSize) }
        let slice = DataParallel.shard(of: pairs.count, rank: communicator.rank, size: communicator.size)
        let mine = try compute(model: model, pairs: Array(pairs[slice]), padId: padId, batchSize: batchSize)
        let all = try communicator.gather(mine.chosen + mine.rejected)
        var out = ReferenceLogProbs(chosen: [], rejected: [])
        var at = 0
        for r in 0..<communicator.size {
            let n = DataParallel.shard(of: pairs.count, rank: r, size: communicator.size).count
            out.chosen += all[at..<(at + n)]
            out.rejected += all[(at + n)..<(at + 2 * n)]
            at += 2 * n
        }
        return out
    }

    /// The cached values for (checkpoint, pairs) or, on a miss, computes and stores them in `cacheDirectory`
    /// (nil: no cache). A cache that cannot be written (read-only, full) is skipped, never an error.
    /// The key hashes the checkpoint's weight file and every token id of the pairs. Under data parallelism
    /// (`communicator` of several ranks) the ranks agree on hit or miss, compute a miss in slices, and only
    /// rank 0 writes the cache.
    public static func cached(modelDirectory: URL, model: any CausalLanguageModel, pairs: [EncodedPair], padId: Int32,
                              cacheDirectory: URL?, communicator: Communicator = World.current) throws -> (values: ReferenceLogProbs, hit: Bool) {
        let weights = (try? Data(contentsOf: modelDirectory.appendingPathComponent("model.safetensors"), options: .alwaysMapped)) ?? Data()
        var ids: [Int32] = []
        for p in pairs { ids += p.chosen.ids + [-1, Int32(p.chosen.responseStart), -2] + p.rejected.ids + [-3, Int32(p.rejected.responseStart)] }
        let key = Fingerprint.of(weights) ^ (Fingerprint.of(ids.withUnsafeBytes { Data($0) }) &* 0x9E37_79B9)
        let file = cacheDirectory?.appendingPathComponent(String(format: "ref-logps-%016llx.safetensors", key))
        var found: ReferenceLogProbs?
        if let file, let stored = try? SafeTensors.read(contentsOf: file).tensors, let c = stored["chosen"], let r = stored["rejected"],
           c.count == pairs.count, r.count == pairs.count {
            found = ReferenceLogProbs(chosen: c.scalars, rejected: r.scalars)
        }
        // All ranks take the same branch: a miss on any rank is computed by all of them together.
        if let found, try communicator.all(true) { return (found, true) }
        if found == nil { _ = try communicator.all(false) }
        let values = try compute(model: model, pairs: pairs, padId: padId, communicator: communicator)
        if communicator.isLeader, let cacheDirectory, let file,
           (try? FileManager.default.createDirectory(at: cacheDirectory, withIntermediateDirectories: true)) != nil {
            try? SafeTensors.write(["chosen": Tensor(shape: [pairs.count], values.chosen),
                                    "rejected": Tensor(shape: [pairs.count], values.rejected)], to: file)
        }
        return (values, false)
    }
}
