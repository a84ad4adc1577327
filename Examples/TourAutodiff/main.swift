// Tour, chapter 2: reverse-mode autodiff on `Variable`, micrograd-sized. f(a, b) = tanh(a·b + a) + b²;
// `backward()` walks the tape in reverse and each op's pullback adds its share of the gradient.
import Autograd
import Foundation
import TensorCore

func f(_ a: Variable, _ b: Variable) throws -> Variable {
    try (try a * b + a).tanh() + b.pow(2)
}

let a = Variable(Tensor(shape: [1], [0.5]), requiresGrad: true)
let b = Variable(Tensor(shape: [1], [-1.5]), requiresGrad: true)
let y = try f(a, b)
y.backward()

// The same gradients by hand: with u = a·b + a, ∂f/∂a = (1 − tanh²u)(b + 1), ∂f/∂b = (1 − tanh²u)·a + 2b.
let u = 0.5 * -1.5 + 0.5
let t = Foundation.tanh(u)
let byHand = ((1 - t * t) * (-1.5 + 1), (1 - t * t) * 0.5 + 2 * -1.5)

// And by central differences, as `gradcheck` does for every op.
func value(_ x: Float, _ z: Float) throws -> Float {
    try f(Variable(Tensor(shape: [1], [x])), Variable(Tensor(shape: [1], [z]))).value.scalars[0]
}
let h: Float = 1e-3
let numeric = ((try value(0.5 + h, -1.5) - (try value(0.5 - h, -1.5))) / (2 * h),
               (try value(0.5, -1.5 + h) - (try value(0.5, -1.5 - h))) / (2 * h))

print(String(format: "f = %.6f", y.value.scalars[0]))
print(String(format: "autodiff  df/da = %.6f  df/db = %.6f", a.grad!.scalars[0], b.grad!.scalars[0]))
print(String(format: "by hand   df/da = %.6f  df/db = %.6f", byHand.0, byHand.1))
print(String(format: "numeric   df/da = %.4f  df/db = %.4f", numeric.0, numeric.1))
