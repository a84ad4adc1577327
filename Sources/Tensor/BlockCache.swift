import Foundation

/// Keeps freed tensor blocks for reuse, keyed by exact size.
///
/// A training step allocates the same activation shapes every step. Handing a block back to the allocator and
/// asking again makes the kernel zero fresh pages each time (page faults cost more than small GEMMs, and on a
/// 135M-parameter DPO step, whose activations run to gigabytes, they were seconds of system time per step);
/// reusing the block of the same size avoids that. Small blocks go straight to the system allocator.
///
/// How much the cache may hold idle: whatever keeps live plus cached bytes within the most tensor memory this
/// process has had live at once (`highWater`), or within `floorBytes` while that is larger. A repeating step
/// therefore finds its whole working set here the next time, while the process never holds more tensor memory
/// than its own peak of live tensors (or the floor): a miss that would cross that bound frees idle blocks of
/// other sizes first. (The floor used to be allowed idle on top of the live bytes: at a step's peak that let up
/// to 512 MiB of idle blocks sit beside the peak, ~150 MiB of a LoRA step's 1 GB peak RSS.)
final class BlockCache: @unchecked Sendable {
    static let shared: BlockCache = {
        returnFreedBlocksToTheSystem()
        return BlockCache()
    }()

    /// Makes glibc serve every block of 256 KiB or more by mmap and give it back on free. By default glibc raises
    /// that threshold to the size of each mmapped block freed (up to 32 MiB), after which freed tensor blocks
    /// stay in its heap: blocks this cache evicts to keep within its bound then still count in the resident set
    /// (a LoRA step with checkpointing peaked at 1.35 GiB RSS for 0.85 GiB of tensors that way).
    private static func returnFreedBlocksToTheSystem() {
        #if os(Linux)
        _ = glibcMallopt(glibcMmapThreshold, 256 << 10)
        #endif
    }

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
    private func allowance(live: Int) -> Int { max(0, max(floorBytes, highWater) - live) }

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

#if os(Linux)
/// glibc's `mallopt` (malloc.h is not part of Swift's Glibc module).
@_silgen_name("mallopt")
private func glibcMallopt(_ parameter: Int32, _ value: Int32) -> Int32
/// `M_MMAP_THRESHOLD` from malloc.h.
private let glibcMmapThreshold: Int32 = -3
#endif
