import TensorCore

/// Elementwise functions, x: (…) -> (…), each keeping the forward value its backward rule needs.
extension Variable {
    /// eˣ; backward g · y.
    public func exp() -> Variable {
        let y = value.exp()
        return Variable.result(y, parents: [self]) { [self] g in accumulate(Tensor.expBackward(y: y, grad: g)) }
    }

    /// ln x (x > 0); backward g / x.
    public func log() -> Variable {
        Variable.result(value.log(), parents: [self]) { [self] g in accumulate(Tensor.logBackward(x: value, grad: g)) }
    }

    /// √x (x > 0); backward g / (2y).
    public func sqrt() -> Variable {
        let y = value.sqrt()
        return Variable.result(y, parents: [self]) { [self] g in accumulate(Tensor.sqrtBackward(y: y, grad: g)) }
    }

    /// xᵖ; backward g · p · xᵖ⁻¹.
    public func pow(_ p: Float) -> Variable {
        Variable.result(value.pow(p), parents: [self]) { [self] g in accumulate(Tensor.powBackward(x: value, p: p, grad: g)) }
    }

    /// tanh x; backward g · (1 − y²).
    public func tanh() -> Variable {
        let y = value.tanh()
        return Variable.result(y, parents: [self]) { [self] g in accumulate(Tensor.tanhBackward(y: y, grad: g)) }
    }

    /// σ(x) = 1 / (1 + e⁻ˣ), stable for large |x|; backward g · y · (1 − y).
    public func sigmoid() -> Variable {
        let y = value.sigmoid()
        return Variable.result(y, parents: [self]) { [self] g in accumulate(Tensor.sigmoidBackward(y: y, grad: g)) }
    }

    /// max(x, 0); backward g where x > 0.
    public func relu() -> Variable {
        Variable.result(value.relu(), parents: [self]) { [self] g in accumulate(Tensor.reluBackward(x: value, grad: g)) }
    }
}
