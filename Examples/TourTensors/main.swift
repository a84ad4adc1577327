// Tour, chapter 1: tensors and BLAS. A (2, 3) · (3, 2) product through `Tensor.matmul` (OpenBLAS's
// cblas_sgemm, or TinyAlign's own packed kernel), checked against the three nested loops it replaces.
import Foundation
import TensorCore

let a = Tensor(shape: [2, 3], [1, 2, 3,
                               4, 5, 6])
let b = Tensor(shape: [3, 2], [7, 8,
                               9, 10,
                               11, 12])
let c = try Tensor.matmul(a, b)

// The naive loop: c[i][j] = Σ_k a[i][k] · b[k][j] over row-major storage.
var naive = [Float](repeating: 0, count: 4)
for i in 0..<2 { for j in 0..<2 { for k in 0..<3 { naive[i * 2 + j] += a.scalars[i * 3 + k] * b.scalars[k * 2 + j] } } }

// Bᵀ without copying: the same product with transposeB on the (2, 3) layout of Bᵀ.
let bT = Tensor(shape: [2, 3], [7, 9, 11, 8, 10, 12])
let c2 = try Tensor.matmul(a, bT, transposeB: true)

print("shape \(c.shape)")
print("blas  \(c.scalars)")
print("naive \(naive)")
print("transposeB \(c2.scalars)")
print("max |blas - naive| = \(zip(c.scalars, naive).map { abs($0 - $1) }.max()!)")
