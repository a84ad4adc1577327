import Foundation

/// Keeps freed tensor blocks for reuse, keyed by exact size.
///
/// A training step allocates the same activation shapes every step. Handing a block back to the allocator and
/// asking again makes the kernel zero fresh pages each time (page faults cost more than small GEMMs); reusing the
/// block of the same size avoids that. Small blocks go straight to the system allocator, and the cache holds at
/// most `limitBytes`, so idle memory stays bounded.
final class BlockCache: @unchecked Sendable {
    static let shared = BlockCache()

    /// Blocks below this many floats are not cached (malloc is fast for them).
    private let minimumCount = 4096
    /// Most bytes kept idle in the cache.
    private let limitBytes = 512 << 20
    private var free: [Int: [UnsafeMutablePointer<Float>]] = [:]
    private var cachedBytes = 0
    private let lock = NSLock()

    /// A 64-byte aligned block of at least `count` floats (one, for empty tensors).
    func take(count: Int) -> UnsafeMutablePointer<Float> {
        let n = max(count, 1)
        TensorMemory.didTake(bytes: n * 4)
        if n >= minimumCount {
            lock.lock()
            if let block = free[n]?.popLast() {
                cachedBytes -= n * 4
                lock.unlock()
                return block
            }
            lock.unlock()
        }
        let raw = UnsafeMutableRawPointer.allocate(byteCount: n * MemoryLayout<Float>.stride, alignment: 64)
        return raw.bindMemory(to: Float.self, capacity: n)
    }

    /// Returns a block from `take(count:)`; it is cached or freed.
    func give(_ block: UnsafeMutablePointer<Float>, count: Int) {
        let n = max(count, 1)
        TensorMemory.didGive(bytes: n * 4)
        if n >= minimumCount {
            lock.lock()
            if cachedBytes + n * 4 <= limitBytes {
                free[n, default: []].append(block)
                cachedBytes += n * 4
                lock.unlock()
                return
            }
            lock.unlock()
        }
        UnsafeMutableRawPointer(block).deallocate()
    }
}
