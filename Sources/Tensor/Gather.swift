/// Embedding lookup: rows of a (V, C) table picked by integer ids, and its backward.
extension Tensor {
    /// weight: (V, C), ids: `shape` (row-major, `ids.count` = product of `shape`) -> (shape…, C).
    /// Throws when weight is not 2-D, the ids do not fill `shape`, or an id is outside 0..<V.
    public static func embedding(_ weight: Tensor, ids: [Int32], shape: [Int]) throws -> Tensor {
        let (_, c) = try embeddingDims(weight.shape, ids: ids, shape: shape)
        var out = Tensor(uninitializedShape: shape + [c])
        weight.withUnsafeBufferPointer { pw in out.withUnsafeMutableBufferPointer { po in
            let w = pw.baseAddress!, y = po.baseAddress!
            ids.withUnsafeBufferPointer { pid in
                Parallel.forRows(pid.count, costPerRow: c) { r in
                    for i in r { (y + i * c).update(from: w + Int(pid[i]) * c, count: c) }
                }
            }
        } }
        return out
    }

    /// Backward of `embedding`: grad[ids[i], :] += g[i, :] for every position i, so repeated ids add up.
    /// g: (shape…, C), grad: (V, C), accumulated in place. Threads split the C columns, so no two write
    /// the same element.
    public static func embeddingBackward(_ g: Tensor, ids: [Int32], into grad: inout Tensor) throws {
        let (_, c) = try embeddingDims(grad.shape, ids: ids, shape: [ids.count])
        guard g.count == ids.count * c, g.shape.last == c || ids.isEmpty else {
            throw TensorError.shapeMismatch(op: "embeddingBackward", "gradient \(g.shape) for \(ids.count) ids of width \(c)")
        }
        g.withUnsafeBufferPointer { pg in grad.withUnsafeMutableBufferPointer { pw in
            let src = pg.baseAddress!, w = pw.baseAddress!
            ids.withUnsafeBufferPointer { pid in
                let chunks = Swift.min(Parallel.workers, Swift.max(1, c / 64))
                let per = (c + chunks - 1) / chunks
                Parallel.forRows(chunks, costPerRow: pid.count * per) { r in
                    for chunk in r {
                        let cols = chunk * per..<Swift.min(c, (chunk + 1) * per)
                        for i in 0..<pid.count {
                            let row = w + Int(pid[i]) * c, gi = src + i * c
                            for j in cols { row[j] += gi[j] }
                        }
                    }
                }
            }
        } }
    }

    /// (V, C) of a weight shape after checking it, the ids' count and every id's range.
    static func embeddingDims(_ weightShape: [Int], ids: [Int32], shape: [Int]) throws -> (Int, Int) {
        guard weightShape.count == 2 else {
            throw TensorError.shapeMismatch(op: "embedding", "weight must be (V, C), got \(weightShape)")
        }
        guard shape.allSatisfy({ $0 >= 0 }), shape.reduce(1, *) == ids.count else {
            throw TensorError.shapeMismatch(op: "embedding", "\(ids.count) ids do not fill shape \(shape)")
        }
        let v = weightShape[0]
        if let bad = ids.firstIndex(where: { $0 < 0 || Int($0) >= v }) {
            throw TensorError.invalidArgument(op: "embedding", "id \(ids[bad]) at position \(bad) is out of range for vocabulary size V = \(v)")
        }
        return (v, weightShape[1])
    }
}
