import Foundation

/// Keeps freed tensor blocks for reuse, keyed by exact size.
///
/// A training step allocates the same activation shapes every step. Handing a block back to the allocator and
/// asking again makes the kernel zero fresh pages each time (page faults cost more than small GEMMs, and on a
/// 135M-parameter DPO step, whose activations run to gigabytes, they were seconds of system time per step);
/// reusing the block of the same size avoids that. Small blocks go straight to the system allocator.
///
/// How much the cache may hold idle: whatever keeps live plus cached bytes within the most tensor memory this
/// process has had live at once (`highWater`), and at least a floor of `highWater / 2^floorShift` (at most
/// `floorBytes`). A repeating step therefore finds its whole working set here the next time, while the process
/// never holds more than its own peak of live tensors plus the floor: a miss that would cross that bound frees
/// the least recently freed idle blocks first (and a `give` past it lets the least recently freed go, not the
/// block just freed, whose size is the likeliest to be asked for next). Evicting by age rather than by size
/// matters once the bound is tight: the blocks a LoRA model's creation left behind (its F32 weights, replaced
/// by BF16 copies) sat idle for good while the step's own sizes were evicted and faulted in again. The floor is a share of the high-water mark rather than a fixed size: a
/// fixed 512 MiB stayed idle beside a LoRA step's 400–800 MiB of tensors and was most of the gap between its
/// tensors and its RSS, while a full fine-tune (3.4 GB of tensors) keeps a floor of about the same size as before.
///
/// (Taking large blocks from `mmap` and unmapping them on eviction was tried with this policy: the same peak RSS
/// for a checkpointed LoRA step, to 0.6 %, and more page faults in a full fine-tune step; so blocks stay on malloc.)
final class BlockCache: @unchecked Sendable {
    static let shared = BlockCache()

    /// Blocks below this many floats are not cached (malloc is fast for them).
    let minimumCount: Int
    /// The most bytes the floor may be.
    let floorBytes: Int
    /// The floor is `highWater >> floorShift` (capped at `floorBytes`).
    let floorShift: Int
    /// Idle blocks by size, each with the number of the `give` that cached it, oldest first.
    private var free: [Int: [(block: UnsafeMutablePointer<Float>, stamp: Int)]] = [:]
    /// (stamp, size) of every block cached, in the order they were cached; an entry whose block was taken since
    /// is skipped when met (the remaining blocks of a size are always its oldest, as `take` hands out the newest).
    private var order: [(stamp: Int, size: Int)] = []
    private var orderHead = 0
    private var stamps = 0
    private(set) var cachedBytes = 0
    /// `cachedBytes` read without the lock, for `TensorMemory`'s bookkeeping (which runs while a `take` holds
    /// no lock of the cache's yet; a stale value is off by the block being handed out).
    var idleBytes: Int { cachedBytes }
    /// Bytes handed out and not yet given back (cached sizes only: small blocks do not count).
    private(set) var liveBytes = 0
    /// The most `liveBytes` has been.
    private(set) var highWater = 0
    private let lock = NSLock()

    /// A cache; `shared` is the one tensors use, tests make their own with small numbers.
    init(minimumCount: Int = 4096, floorBytes: Int = 512 << 20, floorShift: Int = BlockCache.defaultFloorShift) {
        self.minimumCount = minimumCount
        self.floorBytes = floorBytes
        self.floorShift = floorShift
    }

    /// A quarter of the high-water mark: a checkpointed LoRA step's memory swings by about one block's replay
    /// around its peak, and an eighth (95 MiB of its 759) made the swing's blocks miss and fault in again (100k
    /// page faults a step), a quarter did not; a full fine-tune keeps the 512 MiB cap as before.
    static let defaultFloorShift = 2

    /// The most bytes that may sit idle while `live` bytes are in use.
    private func allowance(live: Int) -> Int { max(min(floorBytes, highWater >> floorShift), highWater - live) }

    /// Takes the least recently cached blocks out until at most `allowed` bytes stay idle; the caller releases
    /// them after unlocking. Under the lock.
    private func evictOldest(above allowed: Int) -> [(UnsafeMutablePointer<Float>, Int)] {
        var victims: [(UnsafeMutablePointer<Float>, Int)] = []
        while cachedBytes > allowed, orderHead < order.count {
            let (stamp, size) = order[orderHead]
            orderHead += 1
            guard var list = free[size], let first = list.first, first.stamp == stamp else { continue }
            list.removeFirst()
            free[size] = list.isEmpty ? nil : list
            cachedBytes -= size * 4
            victims.append((first.block, size))
        }
        if orderHead > 1024, orderHead * 2 > order.count {
            order.removeFirst(orderHead)
            orderHead = 0
        }
        return victims
    }

    /// Rebuilds `order` from the idle blocks alone, dropping the entries of blocks taken since (without
    /// evictions they would pile up, one per `give`). Under the lock.
    private func compactOrder() {
        order = free.flatMap { size, list in list.map { (stamp: $0.stamp, size: size) } }.sorted { $0.stamp < $1.stamp }
        orderHead = 0
    }

    /// A new block from the system.
    private func allocate(count: Int) -> UnsafeMutablePointer<Float> {
        let raw = UnsafeMutableRawPointer.allocate(byteCount: count * MemoryLayout<Float>.stride, alignment: 64)
        return raw.bindMemory(to: Float.self, capacity: count)
    }

    /// Gives a block back to the system.
    private func release(_ block: UnsafeMutablePointer<Float>, count: Int) { UnsafeMutableRawPointer(block).deallocate() }

    /// A 64-byte aligned block of at least `count` floats (one, for empty tensors).
    func take(count: Int) -> UnsafeMutablePointer<Float> {
        let n = max(count, 1)
        if self === BlockCache.shared { TensorMemory.didTake(bytes: n * 4) }
        if n >= minimumCount {
            lock.lock()
            liveBytes += n * 4
            highWater = max(highWater, liveBytes)
            if let entry = free[n]?.popLast() {
                cachedBytes -= n * 4
                lock.unlock()
                return entry.block
            }
            // A miss: make room so that live + idle stays within the bound before the system gives new pages.
            let victims = evictOldest(above: allowance(live: liveBytes))
            lock.unlock()
            for (block, size) in victims { release(block, count: size) }
        }
        return allocate(count: n)
    }

    /// Returns a block from `take(count:)`; it is cached or freed.
    func give(_ block: UnsafeMutablePointer<Float>, count: Int) {
        let n = max(count, 1)
        if self === BlockCache.shared { TensorMemory.didGive(bytes: n * 4) }
        if n >= minimumCount {
            lock.lock()
            liveBytes -= n * 4
            // Cached as the newest idle block; the least recently freed ones go if the bound is passed (not this
            // one: a size just freed is the likeliest to be asked for again).
            stamps += 1
            free[n, default: []].append((block, stamps))
            order.append((stamps, n))
            cachedBytes += n * 4
            if order.count - orderHead > 4096 { compactOrder() }
            let victims = evictOldest(above: allowance(live: liveBytes))
            lock.unlock()
            for (victim, size) in victims { release(victim, count: size) }
            return
        }
        release(block, count: n)
    }
}
