import Foundation

/// Keeps freed tensor blocks for reuse, keyed by exact size.
///
/// A training step allocates the same activation shapes every step. Handing a block back to the allocator and
/// asking again makes the kernel zero fresh pages each time (page faults cost more than small GEMMs, and on a
/// 135M-parameter DPO step, whose activations run to gigabytes, they were seconds of system time per step);
/// reusing the block of the same size avoids that. Small blocks go straight to the system allocator.
///
/// How much the cache may hold idle: at least `floorBytes`, and beyond that whatever keeps live plus cached
/// bytes within the most tensor memory this process has had live at once (`highWater`). A repeating step
/// therefore finds its whole working set here the next time, while the process never holds more than its own
/// peak of live tensors (or live + `floorBytes`, whichever is larger): a miss that would cross that bound frees
/// idle blocks of other sizes first.
final class BlockCache: @unchecked Sendable {
    static let shared = BlockCache()

    /// Blocks below this many floats are not cached (malloc is fast for them).
    let minimumCount: Int
    /// Bytes the cache may always hold idle, whatever the high-water mark.
    let floorBytes: Int
    private var free: [Int: [UnsafeMutablePointer<Float>]] = [:]
    private(set) var cachedBytes = 0
    /// Bytes handed out and not yet given back (cached sizes only: small blocks do not count).
    private(set) var liveBytes = 0
    /// The most `liveBytes` has been.
    private(set) var highWater = 0
    private let lock = NSLock()

    /// A cache; `shared` is the one tensors use, tests make their own with small numbers.
    init(minimumCount: Int = 4096, floorBytes: Int = 512 << 20) {
        self.minimumCount = minimumCount
        self.floorBytes = floorBytes
    }

    /// The most bytes that may sit idle while `live` bytes are in use.
    private func allowance(live: Int) -> Int { max(floorBytes, highWater - live) }

    /// A 64-byte aligned block of at least `count` floats (one, for empty tensors).
    func take(count: Int) -> UnsafeMutablePointer<Float> {
        let n = max(count, 1)
        if self === BlockCache.shared { TensorMemory.didTake(bytes: n * 4) }
        if n >= minimumCount {
            lock.lock()
            liveBytes += n * 4
            highWater = max(highWater, liveBytes)
            if let block = free[n]?.popLast() {
                cachedBytes -= n * 4
                lock.unlock()
                return block
            }
            // A miss: make room so that live + idle stays within the bound before the system gives new pages.
            var victims: [UnsafeMutablePointer<Float>] = []
            let allowed = allowance(live: liveBytes)
            if cachedBytes > allowed {
                for size in free.keys.sorted(by: >) where cachedBytes > allowed {
                    while cachedBytes > allowed, let block = free[size]?.popLast() {
                        victims.append(block)
                        cachedBytes -= size * 4
                    }
                    if free[size]?.isEmpty == true { free[size] = nil }
                }
            }
            lock.unlock()
            for block in victims { UnsafeMutableRawPointer(block).deallocate() }
        }
        let raw = UnsafeMutableRawPointer.allocate(byteCount: n * MemoryLayout<Float>.stride, alignment: 64)
        return raw.bindMemory(to: Float.self, capacity: n)
    }

    /// Returns a block from `take(count:)`; it is cached or freed.
    func give(_ block: UnsafeMutablePointer<Float>, count: Int) {
        let n = max(count, 1)
        if self === BlockCache.shared { TensorMemory.didGive(bytes: n * 4) }
        if n >= minimumCount {
            lock.lock()
            liveBytes -= n * 4
            if cachedBytes + n * 4 <= allowance(live: liveBytes) {
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
