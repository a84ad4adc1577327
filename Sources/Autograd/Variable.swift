import TensorCore

/// A node of the computation graph: a value, the gradient of the loss with respect to it, and how it was made.
///
/// Leaves made with `requiresGrad: true` are trainable parameters. Every op returns a new `Variable` whose
/// `pullback` turns the gradient of the output into gradients of its parents, added (`+=`) into `parent.grad`.
public final class Variable {
    /// The forward value.
    public internal(set) var value: Tensor
    /// d(loss)/d(value) after `backward()`; accumulates across calls until `zeroGrad()`.
    public var grad: Tensor?
    /// True for trainable leaves and for every result computed from one while gradients are recorded.
    public private(set) var requiresGrad: Bool
    /// Optional label (parameter name), used in messages and checkpoints.
    public var name: String?
    /// The inputs this value was computed from (empty for leaves, and for a node once `backward` released it).
    private(set) var parents: [Variable]
    /// Given d(loss)/d(self), adds each parent's share into its `grad` (nil for leaves and released nodes).
    private(set) var pullback: ((Tensor) -> Void)?
    /// Set once `backward` has run this node's pullback and dropped it: a second backward through the node
    /// would silently stop there, so it is refused instead.
    private var released = false

    /// A leaf: an input (`requiresGrad: false`) or a trainable parameter (`requiresGrad: true`).
    public init(_ value: Tensor, requiresGrad: Bool = false, name: String? = nil) {
        self.value = value
        self.requiresGrad = requiresGrad
        self.name = name
        parents = []
        pullback = nil
    }

    private init(value: Tensor, parents: [Variable], pullback: @escaping (Tensor) -> Void) {
        self.value = value
        requiresGrad = true
        self.parents = parents
        self.pullback = pullback
    }

    /// The result of an op. Records the pullback only when gradients are on and some parent needs one,
    /// so inference (and the reference model) builds no graph.
    public static func result(_ value: Tensor, parents: [Variable], pullback: @escaping (Tensor) -> Void) -> Variable {
        guard GradMode.isEnabled, parents.contains(where: { $0.requiresGrad }) else { return Variable(value) }
        return Variable(value: value, parents: parents, pullback: pullback)
    }

    /// Shape of the value.
    public var shape: [Int] { value.shape }

    /// Adds `g` into `grad` (creating it on first use). Ops call this from their pullbacks.
    public func accumulate(_ g: Tensor) {
        guard requiresGrad else { return }
        precondition(g.shape == value.shape, "gradient shape \(g.shape) differs from value shape \(value.shape)")
        if grad == nil { grad = g } else { grad!.add(g) }
    }

    /// Forgets the gradient.
    public func zeroGrad() { grad = nil }

    /// Freezes (false) or unfreezes a leaf. LoRA freezes the base weights so that no backward pass computes or
    /// holds their gradients, and ops fed only by frozen leaves build no graph at all.
    public func setRequiresGrad(_ on: Bool) {
        precondition(parents.isEmpty, "only leaves can be frozen")
        requiresGrad = on
        if !on { grad = nil }
    }

    /// Drops a frozen leaf's F32 value (leaving an empty (0) tensor), once a narrower copy of it is held elsewhere
    /// (LoRA's `--base-dtype bf16`): the memory is given back, and any op that still reads the value fails on its
    /// shape instead of computing with stale numbers.
    public func releaseFrozenValue() {
        precondition(parents.isEmpty && !requiresGrad, "only frozen leaves can release their value")
        value = Tensor(shape: [0], [])
        grad = nil
    }

    /// The same value cut off from the graph: no gradient flows through it.
    public func detached() -> Variable { Variable(value) }

    /// Overwrites a leaf's value in place (optimizers, loading checkpoints).
    public func assign(_ newValue: Tensor) {
        precondition(parents.isEmpty, "only leaves can be assigned")
        precondition(newValue.shape == value.shape, "assign: shape \(newValue.shape) != \(value.shape)")
        value = newValue
    }

    /// Mutates a leaf's value in place without copying (optimizers).
    public func updateValue(_ body: (inout Tensor) -> Void) { body(&value) }

    /// Reverse-mode sweep from this (usually scalar) value: seeds d(self)/d(self) = `seed` (default ones),
    /// visits nodes in reverse topological order and calls each pullback once. Gradients of inner nodes are
    /// released after use; leaves keep theirs.
    ///
    /// Unless `retainGraph` (or `TapeMemory.releasesGraph` is off), each inner node drops its pullback and its
    /// parents right after its pullback ran, as PyTorch does: the tensors the pullbacks saved and the values of
    /// inner nodes are freed while the backward goes on, not when the caller drops the graph. Going through
    /// such a released node again is a programming error and stops the process; pass `retainGraph: true` to
    /// every backward but the last one through a graph.
    public func backward(seed: Tensor? = nil, retainGraph: Bool = !TapeMemory.releasesGraph) {
        var order: [Variable] = []
        var seen = Set<ObjectIdentifier>()
        var stack: [(Variable, Bool)] = [(self, false)]
        while let (node, expanded) = stack.popLast() {           // iterative DFS: deep graphs cannot overflow
            if expanded { order.append(node); continue }
            guard seen.insert(ObjectIdentifier(node)).inserted else { continue }
            precondition(!node.released, "backward through a graph that was already back-propagated: pass retainGraph: true to the earlier backward")
            stack.append((node, true))
            for p in node.parents where p.requiresGrad && !seen.contains(ObjectIdentifier(p)) { stack.append((p, false)) }
        }
        accumulate(seed ?? Tensor.ones(value.shape))
        // Popping drops `order`'s reference too, so a released node whose consumers are done is freed at once.
        while let node = order.popLast() {
            guard let pullback = node.pullback else { continue }
            if let g = node.grad {
                pullback(g)
                node.grad = nil
            }
            if !retainGraph {
                node.pullback = nil
                node.parents = []
                node.released = true
            }
        }
    }
}

/// Whether ops record the graph. Off inside `withNoGrad`.
public enum GradMode {
    nonisolated(unsafe) static var enabledFlag = true
    /// True when ops record pullbacks.
    public static var isEnabled: Bool { enabledFlag }
}

/// Runs `body` without recording the graph (inference, reference model), restoring the mode afterwards.
public func withNoGrad<R>(_ body: () throws -> R) rethrows -> R {
    let saved = GradMode.enabledFlag
    GradMode.enabledFlag = false
    defer { GradMode.enabledFlag = saved }
    return try body()
}
