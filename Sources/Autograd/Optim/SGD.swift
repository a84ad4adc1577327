import TensorCore

/// Stochastic gradient descent with optional momentum and L2 weight decay, with `torch.optim.SGD` semantics
/// (no dampening, no Nesterov):
///
///     g = grad + weightDecay · p
///     b = g on the first step, else momentum · b + g      (only when momentum ≠ 0)
///     p -= lr · b   (or lr · g without momentum)
public final class SGD: Optimizer {
    /// The leaves being trained.
    public let parameters: [Variable]
    /// Learning rate of the next step.
    public var lr: Float
    /// Momentum factor μ (0 disables the buffer).
    public let momentum: Float
    /// L2 penalty added to the gradient (coupled, unlike AdamW's).
    public let weightDecay: Float
    private var buffers: [Tensor?]

    /// Throws when a hyperparameter is negative or not finite.
    public init(parameters: [Variable], lr: Float, momentum: Float = 0, weightDecay: Float = 0) throws {
        for (name, value) in [("lr", lr), ("momentum", momentum), ("weightDecay", weightDecay)] {
            try require(value.isFinite && value >= 0, op: "SGD", "\(name) = \(value) must be finite and >= 0")
        }
        self.parameters = parameters
        self.lr = lr
        self.momentum = momentum
        self.weightDecay = weightDecay
        buffers = Array(repeating: nil, count: parameters.count)
    }

    /// One fused pass per parameter: decay, momentum and update in a single sweep.
    public func step() {
        let lr = self.lr, mu = momentum, wd = weightDecay
        for (index, p) in parameters.enumerated() {
            guard let grad = p.grad else { continue }
            guard momentum != 0 else {
                grad.withUnsafeBufferPointer { g in
                    p.updateValue { $0.withUnsafeMutableBufferPointer { w in
                        for i in 0..<w.count { w[i] -= lr * (g[i] + wd * w[i]) }
                    } }
                }
                continue
            }
            let first = buffers[index] == nil
            var buffer = buffers[index] ?? Tensor(uninitializedShape: p.shape)
            buffers[index] = nil                              // `buffer` is now the only reference: no copy on write
            grad.withUnsafeBufferPointer { g in
                buffer.withUnsafeMutableBufferPointer { b in
                    p.updateValue { $0.withUnsafeMutableBufferPointer { w in
                        for i in 0..<w.count {
                            let d = g[i] + wd * w[i]
                            b[i] = first ? d : mu * b[i] + d
                            w[i] -= lr * b[i]
                        }
                    } }
                }
            }
            buffers[index] = buffer
        }
    }

    /// `"<i>.momentum_buffer"` for every parameter that has taken a momentum step.
    public var state: OptimizerState {
        var tensors: [String: Tensor] = [:]
        for (i, b) in buffers.enumerated() { if let b { tensors["\(i).momentum_buffer"] = b } }
        return OptimizerState(tensors: tensors)
    }

    /// Restores momentum buffers; parameters without a saved buffer start fresh.
    public func loadState(_ state: OptimizerState) throws {
        let saved = try state.buffers(parameters: parameters, names: ["momentum_buffer"], op: "SGD.loadState")
        buffers = parameters.indices.map { saved[$0]?["momentum_buffer"] }
    }
}
