import Autograd

/// Anything that owns trainable parameters under Hugging Face GPT-2 names.
public protocol Module {
    /// Parameters with their names relative to this module (e.g. `c_attn.weight`), in a fixed order.
    var namedParameters: [(String, Variable)] { get }
}

extension Module {
    /// The parameters alone, in `namedParameters` order.
    public var parameters: [Variable] { namedParameters.map { $0.1 } }

    /// Prefixes every name with `prefix.`, for nesting modules.
    public func scoped(_ prefix: String) -> [(String, Variable)] { namedParameters.map { ("\(prefix).\($0.0)", $0.1) } }
}
