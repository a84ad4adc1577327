import TensorCore

extension Variable {
    /// Softmax over the last axis (max-subtracted). (…, C) -> (…, C).
    public func softmax() -> Variable {
        let y = value.softmax()
        return Variable.result(y, parents: [self]) { dy in
            self.accumulate(Tensor.softmaxBackward(output: y, gradOutput: dy))
        }
    }
}
