/// Reordering axes, with a copy into the new row-major layout.
extension Tensor {
    /// Axis k of the result is axis `axes[k]` of `self` (negative axes count from the end).
    /// x: (d0, d1, …) -> (d[axes[0]], d[axes[1]], …). Throws unless `axes` is a permutation of the axes.
    public func permuted(_ axes: [Int]) throws -> Tensor {
        let perm = try axes.map { try Shape.axis($0, rank: rank, op: "permute") }
        guard perm.count == rank, Set(perm).count == rank else {
            throw TensorError.invalidArgument(op: "permute", "\(axes) is not a permutation of the axes of \(shape)")
        }
        if perm == Array(0..<rank) { return self }
        let own = Shape.strides(shape)
        let strides = perm.map { own[$0] }
        // A strided copy: merging keeps runs that stay contiguous (e.g. the D of (B,T,H,D) -> (B,H,T,D)) as
        // one inner loop.
        return Tensor.strided(FirstKernel(), self, strides, self, strides, outShape: perm.map { shape[$0] })
    }

    /// Swaps axes `a` and `b`. x: (…, dₐ, …, d_b, …) -> (…, d_b, …, dₐ, …).
    public func transposed(_ a: Int, _ b: Int) throws -> Tensor {
        var axes = Array(0..<rank)
        let i = try Shape.axis(a, rank: rank, op: "transpose"), j = try Shape.axis(b, rank: rank, op: "transpose")
        axes.swapAt(i, j)
        return try permuted(axes)
    }
}
