import Foundation
import TensorCore

/// Adam with decoupled weight decay, matching `torch.optim.AdamW` (amsgrad off, single-tensor path).
/// Per parameter, with its own step count t:
///
///     p ← p · (1 − lr · weightDecay)                 (only where decay is enabled)
///     m ← m + (1 − β₁)(g − m)          v ← β₂ v + (1 − β₂) g²
///     p ← p − lr / (1 − β₁ᵗ) · m / (√v / √(1 − β₂ᵗ) + eps)
public final class AdamW: Optimizer {
    /// The leaves being trained.
    public let parameters: [Variable]
    /// Learning rate of the next step (schedules set it before each step).
    public var lr: Float
    /// Decay rates of the first and second moment averages. Float64 on purpose: 1 − β₂ is formed from them, and
    /// with β₂ = 0.999 rounded to Float32 first, 1 − β₂ would be off by 1.3e-5 relative to PyTorch's.
    public let betas: (Double, Double)
    /// Added to the denominator for numerical safety.
    public let eps: Float
    /// Decoupled weight decay coefficient.
    public let weightDecay: Float
    /// Whether weight decay applies to each parameter, in `parameters` order.
    public let decays: [Bool]
    private var steps: [Int]
    private var expAvg: [Tensor?]
    private var expAvgSq: [Tensor?]

    /// The GPT rule (nanoGPT): decay matrices and embeddings (rank ≥ 2), not biases or layer-norm gains.
    public static let decayMatricesOnly: (Variable) -> Bool = { $0.shape.count >= 2 }

    /// `decayMask` decides per parameter whether weight decay applies (default: everywhere, as in PyTorch).
    /// Throws when a hyperparameter is out of range (negative lr/eps/decay, a beta outside [0, 1)).
    public init(parameters: [Variable], lr: Float = 1e-3, betas: (Double, Double) = (0.9, 0.999), eps: Float = 1e-8,
                weightDecay: Float = 0.01, decayMask: (Variable) -> Bool = { _ in true }) throws {
        for (name, value) in [("lr", lr), ("eps", eps), ("weightDecay", weightDecay)] {
            try require(value.isFinite && value >= 0, op: "AdamW", "\(name) = \(value) must be finite and >= 0")
        }
        for (name, beta) in [("beta1", betas.0), ("beta2", betas.1)] {
            try require(beta >= 0 && beta < 1, op: "AdamW", "\(name) = \(beta) must lie in [0, 1)")
        }
        self.parameters = parameters
        self.lr = lr
        self.betas = betas
        self.eps = eps
        self.weightDecay = weightDecay
        decays = parameters.map(decayMask)
        steps = Array(repeating: 0, count: parameters.count)
        expAvg = Array(repeating: nil, count: parameters.count)
        expAvgSq = Array(repeating: nil, count: parameters.count)
    }

    /// One fused pass per parameter (decay, both moments, update), split over the cores for large tensors.
    public func step() {
        for (index, p) in parameters.enumerated() {
            guard let grad = p.grad else { continue }
            steps[index] += 1
            var m = expAvg[index] ?? Tensor.zeros(p.shape)
            var v = expAvgSq[index] ?? Tensor.zeros(p.shape)
            expAvg[index] = nil                               // sole references now: updated in place, no copy
            expAvgSq[index] = nil
            let c = coefficients(step: steps[index], decay: decays[index])
            grad.withUnsafeBufferPointer { g in
                m.withUnsafeMutableBufferPointer { mb in
                    v.withUnsafeMutableBufferPointer { vb in
                        p.updateValue { $0.withUnsafeMutableBufferPointer { w in
                            Parallel.forRows(w.count, costPerRow: 8) { range in
                                guard !range.isEmpty else { return }
                                AdamWKernel.step(w: w.baseAddress!, g: g.baseAddress!, m: mb.baseAddress!,
                                                 v: vb.baseAddress!, range: range, c)
                            }
                        } }
                    }
                }
            }
            expAvg[index] = m
            expAvgSq[index] = v
        }
    }

    /// Scalars of one step, computed in Float64 as PyTorch does in Python, then rounded once.
    private func coefficients(step: Int, decay: Bool) -> AdamWKernel.Coefficients {
        let (b1, b2) = betas, t = Double(step)
        let correction1 = 1 - pow(b1, t)
        let correction2 = 1 - pow(b2, t)
        return AdamWKernel.Coefficients(decay: Float(decay ? 1 - Double(lr) * Double(weightDecay) : 1),
                                        oneMinusBeta1: Float(1 - b1), beta2: Float(b2), oneMinusBeta2: Float(1 - b2),
                                        stepSize: Float(Double(lr) / correction1),
                                        correction2Sqrt: Float(correction2.squareRoot()), eps: eps)
    }

    /// `"<i>.exp_avg"`, `"<i>.exp_avg_sq"` and `"<i>.step"` (a scalar, exact below 2²⁴ steps) for every
    /// parameter that has taken a step, as in PyTorch's `state_dict`.
    public var state: OptimizerState {
        var tensors: [String: Tensor] = [:]
        for i in parameters.indices {
            guard let m = expAvg[i], let v = expAvgSq[i] else { continue }
            tensors["\(i).exp_avg"] = m
            tensors["\(i).exp_avg_sq"] = v
            tensors["\(i).step"] = Tensor(scalar: Float(steps[i]))
        }
        return OptimizerState(tensors: tensors)
    }

    /// Restores moments and step counts; each saved parameter needs all three buffers with a whole, non-negative
    /// step. Parameters without saved state start fresh.
    public func loadState(_ state: OptimizerState) throws {
        let saved = try state.buffers(parameters: parameters, names: ["exp_avg", "exp_avg_sq", "step"], op: "AdamW.loadState")
        var newSteps = Array(repeating: 0, count: parameters.count)
        for (i, buffers) in saved {
            guard buffers["exp_avg"] != nil, buffers["exp_avg_sq"] != nil, let s = buffers["step"]?.item else {
                throw TensorError.invalidArgument(op: "AdamW.loadState", "parameter \(i) lacks one of exp_avg, exp_avg_sq, step")
            }
            try require(s >= 0 && s == s.rounded() && s < 0x1p24, op: "AdamW.loadState", "parameter \(i) has step \(s)")
            newSteps[i] = Int(s)
        }
        steps = newSteps
        expAvg = parameters.indices.map { saved[$0]?["exp_avg"] }
        expAvgSq = parameters.indices.map { saved[$0]?["exp_avg_sq"] }
    }
}
