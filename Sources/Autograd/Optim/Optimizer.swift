import TensorCore

/// Updates a fixed list of trainable leaves from their gradients.
///
/// Parameters whose `grad` is nil at `step()` are skipped and their state is left alone, as in PyTorch.
public protocol Optimizer: AnyObject {
    /// The leaves this optimizer updates, in order; state keys use these indices.
    var parameters: [Variable] { get }
    /// Learning rate used by the next `step()`; schedules set it before each step.
    var lr: Float { get set }
    /// Applies one update to every parameter that has a gradient.
    func step()
    /// Clears every parameter's gradient.
    func zeroGrad()
    /// The per-parameter buffers, for checkpoints.
    var state: OptimizerState { get }
    /// Restores buffers saved from `state`; throws when a key or shape does not fit these parameters.
    func loadState(_ state: OptimizerState) throws
}

extension Optimizer {
    /// Clears every parameter's gradient.
    public func zeroGrad() {
        for p in parameters { p.zeroGrad() }
    }
}

/// An optimizer's per-parameter buffers as named tensors, keyed `"<parameter index>.<buffer>"` like PyTorch's
/// `state_dict` (`"0.exp_avg"`, `"3.momentum_buffer"`, `"1.step"`). The names make it a ready safetensors payload.
public struct OptimizerState: Codable {
    /// Buffers by key.
    public var tensors: [String: Tensor]

    /// Wraps named buffers.
    public init(tensors: [String: Tensor] = [:]) { self.tensors = tensors }

    private struct Stored: Codable {
        var shape: [Int]
        var values: [Float]
    }

    /// Decodes `{key: {shape, values}}`, checking that each value list fills its shape.
    public init(from decoder: Decoder) throws {
        let stored = try [String: Stored](from: decoder)
        tensors = [:]
        for (key, s) in stored {
            guard s.shape.allSatisfy({ $0 >= 0 }), s.values.count == s.shape.reduce(1, *) else {
                throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath,
                    debugDescription: "optimizer state '\(key)': \(s.values.count) values do not fill shape \(s.shape)"))
            }
            tensors[key] = Tensor(shape: s.shape, s.values)
        }
    }

    /// Encodes `{key: {shape, values}}`.
    public func encode(to encoder: Encoder) throws {
        try tensors.mapValues { Stored(shape: $0.shape, values: $0.scalars) }.encode(to: encoder)
    }

    /// Splits the keys into per-parameter buffers, checking that every key names a known buffer of an existing
    /// parameter with that parameter's shape (`step` is a scalar).
    func buffers(parameters: [Variable], names: Set<String>, op: String) throws -> [Int: [String: Tensor]] {
        var out: [Int: [String: Tensor]] = [:]
        for (key, t) in tensors {
            let parts = key.split(separator: ".", maxSplits: 1).map(String.init)
            guard parts.count == 2, let index = Int(parts[0]), parameters.indices.contains(index), names.contains(parts[1]) else {
                throw TensorError.invalidArgument(op: op, "unexpected state key '\(key)' for \(parameters.count) parameters")
            }
            let shape = parts[1] == "step" ? [] : parameters[index].shape
            guard t.shape == shape else {
                throw TensorError.shapeMismatch(op: op, "state '\(key)' has shape \(t.shape), expected \(shape)")
            }
            out[index, default: [:]][parts[1]] = t
        }
        return out
    }
}

/// Throws `invalidArgument` with `message` unless `condition` holds; optimizers check hyperparameters with it.
func require(_ condition: Bool, op: String, _ message: @autoclosure () -> String) throws {
    guard condition else { throw TensorError.invalidArgument(op: op, message()) }
}
