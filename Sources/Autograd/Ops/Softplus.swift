import TensorCore

extension Variable {
    /// Softplus log(1 + eˣ), overflow-free. (…) -> (…).
    public func softplus() -> Variable {
        let x = value
        return Variable.result(x.softplus(), parents: [self]) { dy in
            self.accumulate(Tensor.softplusBackward(input: x, gradOutput: dy))
        }
    }
}
