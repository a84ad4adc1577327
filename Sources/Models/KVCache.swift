import TensorCore

/// Keys and values of every layer for the positions decoded so far (batch 1), one contiguous (capacity, width)
/// buffer per layer so a decoding step reads them without gathering.
public struct KVCache {
    /// Per layer, (capacity, width).
    public var keys: [Tensor]
    /// Per layer, (capacity, width).
    public var values: [Tensor]
    /// Number of positions stored.
    public var length = 0

    /// An empty cache of `layers` layers holding `capacity` positions of `width` floats (heads × head size; for
    /// grouped-query attention, the key/value heads only).
    public init(layers: Int, capacity: Int, width: Int) {
        keys = (0..<layers).map { _ in Tensor.zeros([capacity, width]) }
        values = keys
    }

    /// Positions the cache can hold.
    public var capacity: Int { keys.first?.shape[0] ?? 0 }
}
