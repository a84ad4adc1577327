import TensorCore

/// Views and axis reorderings; each backward undoes the forward on the gradient.
extension Variable {
    /// The same elements under `newShape` (one extent may be -1). x: (…) -> newShape. Throws on a count mismatch.
    public func reshaped(_ newShape: [Int]) throws -> Variable {
        Variable.result(try value.reshaped(newShape), parents: [self]) { [self] g in accumulate(try! g.reshaped(shape)) }
    }

    /// Swaps axes `a` and `b`; backward swaps them back. Throws for a bad axis.
    public func transposed(_ a: Int, _ b: Int) throws -> Variable {
        Variable.result(try value.transposed(a, b), parents: [self]) { [self] g in accumulate(try! g.transposed(a, b)) }
    }

    /// Axis k of the result is axis `axes[k]` of x; backward applies the inverse permutation.
    /// Throws unless `axes` is a permutation of x's axes.
    public func permuted(_ axes: [Int]) throws -> Variable {
        let y = try value.permuted(axes)
        var inverse = [Int](repeating: 0, count: axes.count)
        for (k, axis) in axes.enumerated() { inverse[axis < 0 ? axis + axes.count : axis] = k }
        return Variable.result(y, parents: [self]) { [self] g in accumulate(try! g.permuted(inverse)) }
    }

    /// Positions `range` along `axis`. x: (…, n, …) -> (…, range.count, …); backward places g into zeros.
    /// Throws for a bad axis or range.
    public func sliced(axis: Int, range: Range<Int>) throws -> Variable {
        Variable.result(try value.sliced(axis: axis, range: range), parents: [self]) { [self] g in
            var gx = Tensor.zeros(shape)
            try! gx.assignSlice(axis: axis, start: range.lowerBound, g)
            accumulate(gx)
        }
    }

    /// Joins `xs` along `axis`: (…, nᵢ, …) -> (…, Σ nᵢ, …); backward hands each input its slice of g.
    /// Throws when the other extents differ.
    public static func concat(_ xs: [Variable], axis: Int) throws -> Variable {
        let y = try Tensor.concat(xs.map(\.value), axis: axis)
        return Variable.result(y, parents: xs) { g in
            var start = 0
            for x in xs {
                let n = x.shape[try! Shape.axis(axis, rank: x.value.rank, op: "concat")]
                if x.requiresGrad { x.accumulate(try! g.sliced(axis: axis, range: start..<start + n)) }
                start += n
            }
        }
    }
}
