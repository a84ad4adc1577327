extension Tensor {
    /// Sums a broadcast result back to the shape of an operand: the backward of broadcasting.
    ///
    /// g: broadcast(shape, …) -> shape. Axes that `shape` lacks or holds as 1 are summed. Neighbouring axes
    /// of the same kind are merged first, so (B, T, C) -> (C) is one pass over B·T rows, not two.
    /// Throws when `shape` does not broadcast to `g.shape`.
    public static func sumToShape(_ g: Tensor, _ shape: [Int]) throws -> Tensor {
        if g.shape == shape { return g }
        guard shape.count <= g.rank, (try? Shape.broadcast(shape, g.shape)) == g.shape else {
            throw TensorError.shapeMismatch(op: "sumToShape", "cannot reduce \(g.shape) to \(shape)")
        }
        let padded = [Int](repeating: 1, count: g.rank - shape.count) + shape
        var extents: [Int] = [], summed: [Bool] = []
        for (axis, e) in g.shape.enumerated() where e != 1 {
            let s = padded[axis] == 1
            if let last = summed.last, last == s { extents[extents.count - 1] *= e } else { extents.append(e); summed.append(s) }
        }
        var t = try g.reshaped(extents.isEmpty ? [1] : extents)
        for axis in summed.indices.reversed() where summed[axis] { t = try t.sum(axis: axis, keepDims: true) }
        return try t.reshaped(shape)
    }
}
