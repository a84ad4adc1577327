/// Everything the tensor layer can reject, each with a one-line message that names the problem.
public enum TensorError: Error, Equatable, CustomStringConvertible {
    /// Two shapes that an operation needs to agree do not.
    case shapeMismatch(op: String, String)
    /// An argument outside what the operation accepts (axis, index, extent).
    case invalidArgument(op: String, String)
    /// A file that is not what it claims to be (safetensors, …); names the file and the fault.
    case malformedFile(path: String, String)
    /// A file that could not be read or written.
    case io(path: String, String)

    /// The one-line message shown to a user.
    public var description: String {
        switch self {
        case let .shapeMismatch(op, detail): return "\(op): shape mismatch: \(detail)"
        case let .invalidArgument(op, detail): return "\(op): \(detail)"
        case let .malformedFile(path, detail): return "\(path): malformed file: \(detail)"
        case let .io(path, detail): return "\(path): \(detail)"
        }
    }
}

/// Shape arithmetic shared by the kernels.
public enum Shape {
    /// Resolves a reshape target that may hold one `-1`, checking the element count.
    public static func resolve(_ shape: [Int], count: Int) throws -> [Int] {
        let unknown = shape.indices.filter { shape[$0] == -1 }
        guard unknown.count <= 1, shape.allSatisfy({ $0 >= -1 }) else {
            throw TensorError.invalidArgument(op: "reshape", "bad target shape \(shape)")
        }
        let known = shape.filter { $0 != -1 }.reduce(1, *)
        var out = shape
        if let i = unknown.first {
            guard known > 0, count % known == 0 else {
                throw TensorError.shapeMismatch(op: "reshape", "cannot reshape \(count) elements to \(shape)")
            }
            out[i] = count / known
        }
        guard out.reduce(1, *) == count else {
            throw TensorError.shapeMismatch(op: "reshape", "cannot reshape \(count) elements to \(shape)")
        }
        return out
    }

    /// NumPy broadcasting: aligns trailing axes; an extent of 1 stretches to the other.
    public static func broadcast(_ a: [Int], _ b: [Int], op: String = "broadcast") throws -> [Int] {
        let rank = max(a.count, b.count)
        var out = [Int](repeating: 1, count: rank)
        for i in 0..<rank {
            let x = i < rank - a.count ? 1 : a[i - (rank - a.count)]
            let y = i < rank - b.count ? 1 : b[i - (rank - b.count)]
            guard x == y || x == 1 || y == 1 else {
                throw TensorError.shapeMismatch(op: op, "\(a) and \(b) do not broadcast")
            }
            out[i] = x == 1 ? y : x
        }
        return out
    }

    /// Row-major strides of `shape` (in elements).
    public static func strides(_ shape: [Int]) -> [Int] {
        var s = [Int](repeating: 1, count: shape.count)
        var acc = 1
        for i in stride(from: shape.count - 1, through: 0, by: -1) { s[i] = acc; acc *= shape[i] }
        return s
    }

    /// Normalises a possibly negative axis against `rank`.
    public static func axis(_ axis: Int, rank: Int, op: String) throws -> Int {
        let a = axis < 0 ? axis + rank : axis
        guard a >= 0 && a < rank else { throw TensorError.invalidArgument(op: op, "axis \(axis) out of range for rank \(rank)") }
        return a
    }
}
