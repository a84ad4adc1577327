import Autograd
import TensorCore

extension CausalLanguageModel {
    /// The mean of the last hidden states over every token of `ids`: one (C) vector, computed without a graph.
    /// A sequence longer than the context throws (see `lastHiddenStates`).
    public func meanEmbedding(_ ids: [Int32]) throws -> [Float] {
        try meanEmbeddings([ids], batchSize: 1)[0]
    }

    /// `meanEmbedding` of many sequences, `batchSize` at a time. Shorter sequences of a batch are padded on the
    /// right with token 0; attention is causal, so padding never changes the states of the real tokens, and
    /// only those are averaged. With `from`, sequence i averages positions from[i]… only (its first from[i]
    /// tokens still condition them). Returns one (C) vector per sequence, in order. Throws for an empty range.
    public func meanEmbeddings(_ sequences: [[Int32]], from: [Int]? = nil, batchSize: Int = 16) throws -> [[Float]] {
        guard batchSize > 0 else { throw ModelError.invalidInput("batch size must be positive, got \(batchSize)") }
        let starts = from ?? [Int](repeating: 0, count: sequences.count)
        guard starts.count == sequences.count else {
            throw ModelError.invalidInput("\(starts.count) start positions for \(sequences.count) sequences")
        }
        if let empty = sequences.indices.first(where: { starts[$0] < 0 || starts[$0] >= sequences[$0].count }) {
            throw ModelError.invalidInput("sequence \(empty) is empty from position \(starts[empty]); a mean embedding needs at least one token")
        }
        let c = hiddenSize
        var out: [[Float]] = []
        out.reserveCapacity(sequences.count)
        for start in stride(from: 0, to: sequences.count, by: batchSize) {
            let chunk = sequences[start..<min(start + batchSize, sequences.count)]
            let t = chunk.map(\.count).max()!
            var ids: [Int32] = []
            ids.reserveCapacity(chunk.count * t)
            for s in chunk { ids += s + [Int32](repeating: 0, count: t - s.count) }
            let h = try withNoGrad { try lastHiddenStates(ids, batch: chunk.count) }.value
            h.withUnsafeBufferPointer { hb in
                for (row, s) in chunk.enumerated() {
                    var mean = [Float](repeating: 0, count: c)
                    let first = starts[start + row]
                    for pos in first..<s.count {
                        let base = (row * t + pos) * c
                        for j in 0..<c { mean[j] += hb[base + j] }
                    }
                    let inv = 1 / Float(s.count - first)
                    for j in 0..<c { mean[j] *= inv }
                    out.append(mean)
                }
            }
        }
        return out
    }
}
