import Foundation

/// One-input elementwise functions, x: (…) -> (…), each with the backward rule its autograd op uses.
/// Backward helpers take the saved forward value (input `x` or output `y`, whichever the rule is cheaper
/// in) and the gradient of the output, and return the gradient of the input; shapes must match.
extension Tensor {
    /// −x.
    public func neg() -> Tensor { Tensor.mul(self, -1) }

    /// eˣ.
    public func exp() -> Tensor { ElementLoop.map(ExpKernel(), self, cost: 8) }
    /// d/dx eˣ = y: g · y.
    public static func expBackward(y: Tensor, grad: Tensor) -> Tensor { ElementLoop.zipSameShape(MulKernel(), y, grad) }

    /// Natural logarithm.
    public func log() -> Tensor { ElementLoop.map(LogKernel(), self, cost: 8) }
    /// d/dx ln x = 1/x: g / x.
    public static func logBackward(x: Tensor, grad: Tensor) -> Tensor { ElementLoop.zipSameShape(DivKernel(), grad, x) }

    /// √x.
    public func sqrt() -> Tensor { ElementLoop.map(SqrtKernel(), self, cost: 4) }
    /// d/dx √x = 1 / (2y): g · 0.5 / y.
    public static func sqrtBackward(y: Tensor, grad: Tensor) -> Tensor { ElementLoop.zipSameShape(SqrtGradKernel(), y, grad) }

    /// xᵖ (p = 2 is a plain square; other exponents call `pow`).
    public func pow(_ p: Float) -> Tensor {
        p == 2 ? ElementLoop.zipSameShape(MulKernel(), self, self) : ElementLoop.map(PowKernel(p: p), self, cost: 16)
    }
    /// d/dx xᵖ = p·xᵖ⁻¹: g · p · xᵖ⁻¹.
    public static func powBackward(x: Tensor, p: Float, grad: Tensor) -> Tensor {
        ElementLoop.zipSameShape(PowGradKernel(p: p), x, grad, cost: 16)
    }

    /// tanh x.
    public func tanh() -> Tensor { ElementLoop.map(TanhKernel(), self, cost: 8) }
    /// d/dx tanh x = 1 − y²: g · (1 − y²).
    public static func tanhBackward(y: Tensor, grad: Tensor) -> Tensor { ElementLoop.zipSameShape(TanhGradKernel(), y, grad) }

    /// 1 / (1 + e⁻ˣ), evaluated so that no exponential overflows: for x < 0 as eˣ / (1 + eˣ).
    public func sigmoid() -> Tensor { ElementLoop.map(SigmoidKernel(), self, cost: 8) }
    /// d/dx σ(x) = y(1 − y): g · y · (1 − y).
    public static func sigmoidBackward(y: Tensor, grad: Tensor) -> Tensor {
        ElementLoop.zipSameShape(SigmoidGradKernel(), y, grad)
    }

    /// max(x, 0).
    public func relu() -> Tensor { ElementLoop.map(ReluKernel(), self) }
    /// d/dx relu = [x > 0]: g where x > 0, else 0.
    public static func reluBackward(x: Tensor, grad: Tensor) -> Tensor { ElementLoop.zipSameShape(ReluGradKernel(), x, grad) }
}

struct ExpKernel: UnaryKernel { func callAsFunction(_ x: Float) -> Float { Foundation.exp(x) } }
struct LogKernel: UnaryKernel { func callAsFunction(_ x: Float) -> Float { Foundation.log(x) } }
struct SqrtKernel: UnaryKernel { @inline(__always) func callAsFunction(_ x: Float) -> Float { x.squareRoot() } }
struct TanhKernel: UnaryKernel { func callAsFunction(_ x: Float) -> Float { Foundation.tanh(x) } }
struct ReluKernel: UnaryKernel { @inline(__always) func callAsFunction(_ x: Float) -> Float { x > 0 ? x : 0 } }

struct PowKernel: UnaryKernel {
    let p: Float
    func callAsFunction(_ x: Float) -> Float { Foundation.pow(x, p) }
}

struct SigmoidKernel: UnaryKernel {
    func callAsFunction(_ x: Float) -> Float {
        if x >= 0 { return 1 / (1 + Foundation.exp(-x)) }
        let e = Foundation.exp(x)
        return e / (1 + e)
    }
}

struct SqrtGradKernel: BinaryKernel { @inline(__always) func callAsFunction(_ y: Float, _ g: Float) -> Float { 0.5 * g / y } }
struct TanhGradKernel: BinaryKernel { @inline(__always) func callAsFunction(_ y: Float, _ g: Float) -> Float { g * (1 - y * y) } }
struct SigmoidGradKernel: BinaryKernel { @inline(__always) func callAsFunction(_ y: Float, _ g: Float) -> Float { g * y * (1 - y) } }
struct ReluGradKernel: BinaryKernel { @inline(__always) func callAsFunction(_ x: Float, _ g: Float) -> Float { x > 0 ? g : 0 } }

struct PowGradKernel: BinaryKernel {
    let p: Float
    func callAsFunction(_ x: Float, _ g: Float) -> Float { g * p * Foundation.pow(x, p - 1) }
}
