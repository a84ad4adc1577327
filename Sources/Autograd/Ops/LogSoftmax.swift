import TensorCore

extension Variable {
    /// Log-softmax over the last axis (max-subtracted). (…, C) -> (…, C).
    public func logSoftmax() -> Variable {
        let y = value.logSoftmax()
        return Variable.result(y, parents: [self]) { dy in
            self.accumulate(Tensor.logSoftmaxBackward(output: y, gradOutput: dy))
        }
    }
}
