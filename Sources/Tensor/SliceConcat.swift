/// Cutting a range out of one axis and joining tensors along one axis: both copy blocks of the
/// (outer, extent, inner) view of the tensors around that axis.
extension Tensor {
    /// The positions `range` along `axis`. x: (…, n, …) -> (…, range.count, …).
    public func sliced(axis: Int, range: Range<Int>) throws -> Tensor {
        let (a, outer, n, inner) = try Reduce.view(shape, axis: axis, op: "slice")
        guard range.lowerBound >= 0, range.upperBound <= n else {
            throw TensorError.invalidArgument(op: "slice", "range \(range) out of bounds for axis \(axis) of \(shape)")
        }
        var outShape = shape
        outShape[a] = range.count
        var out = Tensor(uninitializedShape: outShape)
        withUnsafeBufferPointer { src in out.withUnsafeMutableBufferPointer { dst in
            Tensor.copyBlocks(from: src.baseAddress!, extent: n, start: range.lowerBound,
                              to: dst.baseAddress!, extent: range.count, start: 0,
                              length: range.count, outer: outer, inner: inner)
        } }
        return out
    }

    /// Overwrites positions `start ..< start + src.shape[axis]` along `axis` with `src`, whose other extents
    /// must equal this tensor's. The backward of `sliced` (into zeros) and the body of `concat`.
    public mutating func assignSlice(axis: Int, start: Int, _ src: Tensor) throws {
        let (a, outer, n, inner) = try Reduce.view(shape, axis: axis, op: "assignSlice")
        var expected = shape
        guard src.rank == rank, a < src.rank else {
            throw TensorError.shapeMismatch(op: "assignSlice", "\(src.shape) into \(shape) along axis \(axis)")
        }
        expected[a] = src.shape[a]
        guard src.shape == expected, start >= 0, start + src.shape[a] <= n else {
            throw TensorError.shapeMismatch(op: "assignSlice", "\(src.shape) at \(start) into \(shape) along axis \(axis)")
        }
        let length = src.shape[a]
        src.withUnsafeBufferPointer { ps in withUnsafeMutableBufferPointer { pd in
            Tensor.copyBlocks(from: ps.baseAddress!, extent: length, start: 0, to: pd.baseAddress!, extent: n, start: start,
                              length: length, outer: outer, inner: inner)
        } }
    }

    /// Joins `xs` along `axis`; all other extents must agree. (…, nᵢ, …) for each i -> (…, Σ nᵢ, …).
    public static func concat(_ xs: [Tensor], axis: Int) throws -> Tensor {
        guard let first = xs.first else { throw TensorError.invalidArgument(op: "concat", "no tensors to join") }
        let a = try Shape.axis(axis, rank: first.rank, op: "concat")
        var outShape = first.shape
        outShape[a] = 0
        for x in xs {
            var other = x.shape
            if other.count == first.rank { other[a] = 0 }
            guard other == outShape else {
                throw TensorError.shapeMismatch(op: "concat", "\(first.shape) and \(x.shape) differ off axis \(axis)")
            }
        }
        outShape[a] = xs.reduce(0) { $0 + $1.shape[a] }
        var out = Tensor(uninitializedShape: outShape)
        var start = 0
        for x in xs {
            try out.assignSlice(axis: a, start: start, x)
            start += x.shape[a]
        }
        return out
    }

    /// For each of `outer` blocks, copies `length · inner` contiguous floats from position `start` of a
    /// source whose axis has `extent` positions to position `start` of a destination axis.
    static func copyBlocks(from src: UnsafePointer<Float>, extent srcExtent: Int, start srcStart: Int,
                           to dst: UnsafeMutablePointer<Float>, extent dstExtent: Int, start dstStart: Int,
                           length: Int, outer: Int, inner: Int) {
        let run = length * inner
        guard run > 0 else { return }
        Parallel.forRows(outer, costPerRow: run) { r in
            for o in r {
                (dst + (o * dstExtent + dstStart) * inner).update(from: src + (o * srcExtent + srcStart) * inner, count: run)
            }
        }
    }
}
