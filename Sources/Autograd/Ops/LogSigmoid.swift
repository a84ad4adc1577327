import TensorCore

extension Variable {
    /// log sigmoid(x) = −softplus(−x), overflow-free. (…) -> (…).
    public func logSigmoid() -> Variable {
        let x = value
        return Variable.result(x.logSigmoid(), parents: [self]) { dy in
            self.accumulate(Tensor.logSigmoidBackward(input: x, gradOutput: dy))
        }
    }
}
