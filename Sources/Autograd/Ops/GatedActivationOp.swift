import TensorCore

extension Variable {
    /// SiLU, x · σ(x). (…) -> (…).
    public func silu() -> Variable {
        let x = value
        return Variable.result(x.silu(), parents: [self]) { dy in
            self.accumulate(Tensor.siluBackward(input: x, gradOutput: dy))
        }
    }

    /// Fused act(gate) ⊙ up (SwiGLU / GeGLU). gate, up: (…) of one shape -> (…).
    public static func gated(gate: Variable, up: Variable, activation: GateActivation) throws -> Variable {
        let y = try GatedActivationKernel.forward(gate: gate.value, up: up.value, activation: activation)
        return Variable.result(y, parents: [gate, up]) { dy in
            let g = GatedActivationKernel.backward(dy, gate: gate.value, up: up.value, activation: activation)
            gate.accumulate(g.gate)
            up.accumulate(g.up)
        }
    }
}
