import Foundation

/// The memory behind a tensor: one 64-byte aligned block of `Float32`, freed when the last tensor using it goes.
public final class TensorStorage: @unchecked Sendable {
    /// Start of the block; valid for `count` elements.
    public let pointer: UnsafeMutablePointer<Float>
    /// Number of `Float` elements in the block.
    public let count: Int

    /// Allocates `count` uninitialised floats (64-byte aligned so that wide vector loads never split a cache line).
    public init(uninitializedCount count: Int) {
        self.count = count
        pointer = BlockCache.shared.take(count: count)
    }

    /// Allocates `count` floats set to `value`.
    public convenience init(count: Int, repeating value: Float) {
        self.init(uninitializedCount: count)
        pointer.initialize(repeating: value, count: count)
    }

    deinit { BlockCache.shared.give(pointer, count: count) }
}

/// A dense, contiguous, row-major `Float32` array with a shape.
///
/// `Tensor` has value semantics: copies share storage until one of them is written through
/// `withUnsafeMutableBufferPointer`, which copies first when the storage is shared (copy-on-write).
public struct Tensor: @unchecked Sendable {
    /// Extent of each axis, outermost first. `[]` is a scalar.
    public private(set) var shape: [Int]
    /// Backing storage; `count` elements of it are used.
    public private(set) var storage: TensorStorage

    /// Number of elements (product of `shape`; 1 for a scalar).
    public var count: Int { shape.reduce(1, *) }
    /// Number of axes.
    public var rank: Int { shape.count }

    /// Wraps existing storage. `storage.count` must be at least the product of `shape`.
    public init(shape: [Int], storage: TensorStorage) {
        precondition(shape.allSatisfy { $0 >= 0 }, "negative extent in shape \(shape)")
        precondition(storage.count >= shape.reduce(1, *), "storage of \(storage.count) too small for shape \(shape)")
        self.shape = shape
        self.storage = storage
    }

    /// A tensor of `shape` whose elements are not initialised; the caller must write every element.
    public init(uninitializedShape shape: [Int]) {
        self.init(shape: shape, storage: TensorStorage(uninitializedCount: shape.reduce(1, *)))
    }

    /// A tensor of `shape` filled with `value`.
    public init(shape: [Int], repeating value: Float) {
        self.init(shape: shape, storage: TensorStorage(count: shape.reduce(1, *), repeating: value))
    }

    /// A tensor holding `values` in row-major order; `values.count` must equal the product of `shape`.
    public init(shape: [Int], _ values: [Float]) {
        precondition(values.count == shape.reduce(1, *), "\(values.count) values do not fill shape \(shape)")
        self.init(uninitializedShape: shape)
        values.withUnsafeBufferPointer { src in
            storage.pointer.update(from: src.baseAddress!, count: values.count)
        }
    }

    /// A scalar (rank-0) tensor.
    public init(scalar: Float) { self.init(shape: [], [scalar]) }

    /// Reads the elements without copying.
    public func withUnsafeBufferPointer<R>(_ body: (UnsafeBufferPointer<Float>) throws -> R) rethrows -> R {
        try body(UnsafeBufferPointer(start: storage.pointer, count: count))
    }

    /// Writes the elements in place, copying first if the storage is shared with another tensor.
    public mutating func withUnsafeMutableBufferPointer<R>(_ body: (UnsafeMutableBufferPointer<Float>) throws -> R) rethrows -> R {
        if !isKnownUniquelyReferenced(&storage) { storage = Self.copyStorage(storage, count: count) }
        return try body(UnsafeMutableBufferPointer(start: storage.pointer, count: count))
    }

    static func copyStorage(_ old: TensorStorage, count: Int) -> TensorStorage {
        let fresh = TensorStorage(uninitializedCount: count)
        fresh.pointer.update(from: old.pointer, count: count)
        return fresh
    }

    /// The elements as a Swift array, row-major.
    public var scalars: [Float] { withUnsafeBufferPointer { Array($0) } }

    /// The only element of a one-element tensor.
    public var item: Float {
        precondition(count == 1, "item needs a one-element tensor, shape is \(shape)")
        return storage.pointer[0]
    }

    /// Element at a flat row-major index.
    public subscript(flat index: Int) -> Float {
        get { precondition(index >= 0 && index < count); return storage.pointer[index] }
        set { precondition(index >= 0 && index < count); withUnsafeMutableBufferPointer { $0[index] = newValue } }
    }

    /// The same elements under another shape with the same element count (no copy). One extent may be -1.
    public func reshaped(_ newShape: [Int]) throws -> Tensor {
        let resolved = try Shape.resolve(newShape, count: count)
        return Tensor(shape: resolved, storage: storage)
    }

    /// A copy with its own storage.
    public func copy() -> Tensor { Tensor(shape: shape, storage: Self.copyStorage(storage, count: count)) }
}

extension Tensor: CustomStringConvertible {
    /// Shape and the first few values, for debugging.
    public var description: String {
        let head = scalars.prefix(8).map { String(format: "%.5g", $0) }.joined(separator: ", ")
        return "Tensor(shape: \(shape), [\(head)\(count > 8 ? ", …" : "")])"
    }
}
