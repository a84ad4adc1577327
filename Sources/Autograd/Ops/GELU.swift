import TensorCore

extension Variable {
    /// GELU, GPT-2's tanh form. (…) -> (…).
    public func gelu() -> Variable {
        let x = value
        return Variable.result(x.gelu(), parents: [self]) { dy in
            self.accumulate(Tensor.geluBackward(input: x, gradOutput: dy))
        }
    }
}
