import TensorCore

// Pullbacks run only after the forward has validated the shapes, so the shape checks of the tensor calls
// inside them cannot fail; `try!` marks exactly that.

/// Elementwise arithmetic with NumPy broadcasting. a: (…), b: (…) -> broadcast(a, b). The gradient of a
/// broadcast operand is summed back to its own shape (`Tensor.sumToShape`).
extension Variable {
    /// a + b. Throws when the shapes do not broadcast.
    public static func + (a: Variable, b: Variable) throws -> Variable {
        Variable.result(try Tensor.add(a.value, b.value), parents: [a, b]) { g in
            if a.requiresGrad { a.accumulate(try! Tensor.sumToShape(g, a.shape)) }
            if b.requiresGrad { b.accumulate(try! Tensor.sumToShape(g, b.shape)) }
        }
    }

    /// a − b. Throws when the shapes do not broadcast.
    public static func - (a: Variable, b: Variable) throws -> Variable {
        Variable.result(try Tensor.sub(a.value, b.value), parents: [a, b]) { g in
            if a.requiresGrad { a.accumulate(try! Tensor.sumToShape(g, a.shape)) }
            if b.requiresGrad { b.accumulate(try! Tensor.sumToShape(g, b.shape).neg()) }
        }
    }

    /// a · b elementwise: da = g·b, db = g·a. Throws when the shapes do not broadcast.
    public static func * (a: Variable, b: Variable) throws -> Variable {
        Variable.result(try Tensor.mul(a.value, b.value), parents: [a, b]) { g in
            if a.requiresGrad { a.accumulate(try! Tensor.sumToShape(Tensor.mul(g, b.value), a.shape)) }
            if b.requiresGrad { b.accumulate(try! Tensor.sumToShape(Tensor.mul(g, a.value), b.shape)) }
        }
    }

    /// a / b elementwise: da = g / b, db = −g·y / b with y = a / b. Throws when the shapes do not broadcast.
    public static func / (a: Variable, b: Variable) throws -> Variable {
        let y = try Tensor.div(a.value, b.value)
        return Variable.result(y, parents: [a, b]) { g in
            if a.requiresGrad { a.accumulate(try! Tensor.sumToShape(Tensor.div(g, b.value), a.shape)) }
            if b.requiresGrad {
                let gy = try! Tensor.div(Tensor.mul(g, y), b.value)
                b.accumulate(try! Tensor.sumToShape(gy, b.shape).neg())
            }
        }
    }

    /// x + s for a constant s. x: (…) -> (…)
    public static func + (x: Variable, s: Float) -> Variable {
        Variable.result(Tensor.add(x.value, s), parents: [x]) { g in x.accumulate(g) }
    }

    /// s + x for a constant s. x: (…) -> (…)
    public static func + (s: Float, x: Variable) -> Variable { x + s }

    /// x · s for a constant s. x: (…) -> (…)
    public static func * (x: Variable, s: Float) -> Variable {
        Variable.result(Tensor.mul(x.value, s), parents: [x]) { g in x.accumulate(Tensor.mul(g, s)) }
    }

    /// s · x for a constant s. x: (…) -> (…)
    public static func * (s: Float, x: Variable) -> Variable { x * s }

    /// −x. x: (…) -> (…)
    public static prefix func - (x: Variable) -> Variable { x.neg() }

    /// −x. x: (…) -> (…)
    public func neg() -> Variable { self * -1 }
}
