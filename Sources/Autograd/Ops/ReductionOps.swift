import TensorCore

/// Sum, mean and max, overall (-> shape []) or along one axis (x: (…, n, …) -> (…, …), or (…, 1, …)
/// with keepDims). The backward spreads the gradient back over the reduced axis.
extension Variable {
    /// Σ x; backward: g everywhere.
    public func sum() -> Variable {
        Variable.result(value.sum(), parents: [self]) { [self] g in accumulate(Tensor.full(shape, g.item)) }
    }

    /// Σ x along `axis`; backward: g repeated along the axis. Throws for a bad axis.
    public func sum(axis: Int, keepDims: Bool = false) throws -> Variable {
        let y = try value.sum(axis: axis, keepDims: keepDims)
        var kept = shape
        kept[try Shape.axis(axis, rank: value.rank, op: "sum")] = 1
        return Variable.result(y, parents: [self]) { [self] g in
            accumulate(try! g.reshaped(kept).expanded(to: shape))
        }
    }

    /// Mean of x; backward: g / count everywhere.
    public func mean() -> Variable {
        Variable.result(value.mean(), parents: [self]) { [self] g in accumulate(Tensor.full(shape, g.item / Float(value.count))) }
    }

    /// Mean along `axis`; backward: g / n repeated along the axis. Throws for a bad axis.
    public func mean(axis: Int, keepDims: Bool = false) throws -> Variable {
        let n = Float(shape[try Shape.axis(axis, rank: value.rank, op: "mean")])
        return try sum(axis: axis, keepDims: keepDims) * (1 / n)
    }

    /// The largest element; backward: g to the first position that attains it. Throws when empty.
    public func max() throws -> Variable {
        let flat = try value.reshaped([value.count])
        let (y, arg) = try flat.maxWithArgmax(axis: 0)
        return Variable.result(y, parents: [self]) { [self] g in
            accumulate(try! Tensor.maxBackward(g, argmax: arg, inputShape: flat.shape, axis: 0).reshaped(shape))
        }
    }

    /// The largest element along `axis`; backward: g to the first position along the axis that attains it.
    /// Throws for a bad or empty axis.
    public func max(axis: Int, keepDims: Bool = false) throws -> Variable {
        let (y, arg) = try value.maxWithArgmax(axis: axis, keepDims: keepDims)
        return Variable.result(y, parents: [self]) { [self] g in
            accumulate(try! Tensor.maxBackward(g, argmax: arg, inputShape: shape, axis: axis))
        }
    }
}
