/// Binary arithmetic with NumPy broadcasting.
///
/// a: (…), b: (…) -> broadcast(a.shape, b.shape). Shapes that do not broadcast throw
/// `TensorError.shapeMismatch` naming both.
extension Tensor {
    /// a + b, broadcasting.
    public static func add(_ a: Tensor, _ b: Tensor) throws -> Tensor { try broadcasting(AddKernel(), a, b, op: "add") }
    /// a − b, broadcasting.
    public static func sub(_ a: Tensor, _ b: Tensor) throws -> Tensor { try broadcasting(SubKernel(), a, b, op: "sub") }
    /// a · b (elementwise), broadcasting.
    public static func mul(_ a: Tensor, _ b: Tensor) throws -> Tensor { try broadcasting(MulKernel(), a, b, op: "mul") }
    /// a / b (elementwise), broadcasting.
    public static func div(_ a: Tensor, _ b: Tensor) throws -> Tensor { try broadcasting(DivKernel(), a, b, op: "div") }

    /// `x` repeated along its extent-1 (or missing leading) axes to `shape`, which `x.shape` must broadcast to.
    /// x: (…) -> shape. The backward of a keepDims reduction.
    public func expanded(to shape: [Int]) throws -> Tensor {
        guard try Shape.broadcast(self.shape, shape, op: "expand") == shape else {
            throw TensorError.shapeMismatch(op: "expand", "\(self.shape) cannot expand to \(shape)")
        }
        let st = BroadcastPlan.strides(of: self.shape, in: shape)
        return Self.strided(FirstKernel(), self, st, self, st, outShape: shape)
    }

    /// Runs `k` over the broadcast of `a` and `b`.
    static func broadcasting<K: BinaryKernel>(_ k: K, _ a: Tensor, _ b: Tensor, op: String) throws -> Tensor {
        if a.shape == b.shape || b.count == 1 || a.count == 1 {
            // Same shape or a scalar operand: one flat pass (stride 0 for the scalar).
            let outShape = a.shape == b.shape ? a.shape : try Shape.broadcast(a.shape, b.shape, op: op)
            var out = Tensor(uninitializedShape: outShape)
            let sa = a.count == 1 ? 0 : 1, sb = b.count == 1 ? 0 : 1
            a.withUnsafeBufferPointer { pa in b.withUnsafeBufferPointer { pb in out.withUnsafeMutableBufferPointer { po in
                let x = pa.baseAddress!, y = pb.baseAddress!, dst = po.baseAddress!
                Parallel.forRows(po.count) { r in
                    ElementLoop.zip(k, x + r.lowerBound * sa, sa, y + r.lowerBound * sb, sb, dst + r.lowerBound, r.count)
                }
            } } }
            return out
        }
        let outShape = try Shape.broadcast(a.shape, b.shape, op: op)
        return strided(k, a, BroadcastPlan.strides(of: a.shape, in: outShape),
                       b, BroadcastPlan.strides(of: b.shape, in: outShape), outShape: outShape)
    }

    /// The general path: out[i…] = k(a[i… · stridesA], b[i… · stridesB]), strides given per output axis
    /// (0 on broadcast axes; permuted strides give a transpose).
    ///
    /// Adjacent axes that both operands step through as one contiguous run are merged first, so a row
    /// vector broadcast over the last axis, (B, T, C) + (C), is the fast (B·T, C) loop of contiguous rows
    /// with no index arithmetic, and a same-layout copy is one flat pass.
    static func strided<K: BinaryKernel>(_ k: K, _ a: Tensor, _ stridesA: [Int], _ b: Tensor, _ stridesB: [Int],
                                         outShape: [Int]) -> Tensor {
        var out = Tensor(uninitializedShape: outShape)
        guard out.count > 0 else { return out }
        let (extents, strideA, strideB) = BroadcastPlan.merged(outShape, stridesA, stridesB)
        let rank = extents.count
        let inner = extents[rank - 1], ia = strideA[rank - 1], ib = strideB[rank - 1]
        let rows = out.count / inner
        a.withUnsafeBufferPointer { pa in b.withUnsafeBufferPointer { pb in out.withUnsafeMutableBufferPointer { po in
            let x = pa.baseAddress!, y = pb.baseAddress!, dst = po.baseAddress!
            if rank == 1 {
                Parallel.forRows(inner) { r in
                    ElementLoop.zip(k, x + r.lowerBound * ia, ia, y + r.lowerBound * ib, ib, dst + r.lowerBound, r.count)
                }
            } else if rank == 2 {
                let (ra, rb) = (strideA[0], strideB[0])
                Parallel.forRows(rows, costPerRow: inner) { r in
                    for row in r { ElementLoop.zip(k, x + row * ra, ia, y + row * rb, ib, dst + row * inner, inner) }
                }
            } else {
                Parallel.forRows(rows, costPerRow: inner) { r in
                    for row in r {
                        var rest = row, offA = 0, offB = 0
                        for axis in stride(from: rank - 2, through: 0, by: -1) {
                            let i = rest % extents[axis]
                            rest /= extents[axis]
                            offA += i * strideA[axis]
                            offB += i * strideB[axis]
                        }
                        ElementLoop.zip(k, x + offA, ia, y + offB, ib, dst + row * inner, inner)
                    }
                }
            }
        } } }
        return out
    }
}

/// Stride bookkeeping for broadcasting.
enum BroadcastPlan {
    /// Strides of `shape` read as `outShape` (right-aligned): 0 where the operand has extent 1 or lacks the axis.
    static func strides(of shape: [Int], in outShape: [Int]) -> [Int] {
        let own = Shape.strides(shape)
        let lead = outShape.count - shape.count
        return outShape.indices.map { i in i < lead || shape[i - lead] == 1 ? 0 : own[i - lead] }
    }

    /// The output extents and both operands' strides with extent-1 axes dropped and mergeable neighbours
    /// merged (axis i folds into i+1 when both operands step through them as one contiguous run).
    static func merged(_ outShape: [Int], _ sa: [Int], _ sb: [Int]) -> ([Int], [Int], [Int]) {
        var extents: [Int] = [], stA: [Int] = [], stB: [Int] = []
        for i in outShape.indices where outShape[i] != 1 {
            if let last = extents.indices.last,
               stA[last] == sa[i] * outShape[i], stB[last] == sb[i] * outShape[i] {
                extents[last] *= outShape[i]
                stA[last] = sa[i]
                stB[last] = sb[i]
            } else {
                extents.append(outShape[i]); stA.append(sa[i]); stB.append(sb[i])
            }
        }
        if extents.isEmpty { return ([1], [0], [0]) }
        return (extents, stA, stB)
    }
}

struct AddKernel: BinaryKernel { @inline(__always) func callAsFunction(_ a: Float, _ b: Float) -> Float { a + b } }
struct SubKernel: BinaryKernel { @inline(__always) func callAsFunction(_ a: Float, _ b: Float) -> Float { a - b } }
struct MulKernel: BinaryKernel { @inline(__always) func callAsFunction(_ a: Float, _ b: Float) -> Float { a * b } }
struct DivKernel: BinaryKernel { @inline(__always) func callAsFunction(_ a: Float, _ b: Float) -> Float { a / b } }
/// Copies the first operand; with the strided loop it broadcasts one tensor to a larger shape.
struct FirstKernel: BinaryKernel { @inline(__always) func callAsFunction(_ a: Float, _ b: Float) -> Float { a } }
