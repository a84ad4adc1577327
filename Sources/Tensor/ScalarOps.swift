/// Arithmetic with one `Float` applied to every element. x: (…) -> (…)
extension Tensor {
    /// x + s.
    public static func add(_ x: Tensor, _ s: Float) -> Tensor { ElementLoop.map(AddScalarKernel(s: s), x) }
    /// x · s.
    public static func mul(_ x: Tensor, _ s: Float) -> Tensor { ElementLoop.map(MulScalarKernel(s: s), x) }
}

struct AddScalarKernel: UnaryKernel {
    let s: Float
    @inline(__always) func callAsFunction(_ x: Float) -> Float { x + s }
}

struct MulScalarKernel: UnaryKernel {
    let s: Float
    @inline(__always) func callAsFunction(_ x: Float) -> Float { x * s }
}
