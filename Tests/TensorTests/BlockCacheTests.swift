@testable import TensorCore
import XCTest

/// The block cache keeps a repeating working set whole, and never lets live + idle blocks pass the high-water
/// mark of live ones (or live + the floor).
final class BlockCacheTests: XCTestCase {
    /// A step's blocks, freed at its end, all come back as the same pointers the next step.
    func testRepeatedStepReusesEveryBlock() {
        let cache = BlockCache(minimumCount: 16, floorBytes: 0)
        let sizes = [1000, 64, 5000, 64]
        let first = sizes.map { cache.take(count: $0) }
        XCTAssertEqual(cache.highWater, sizes.reduce(0, +) * 4)
        for (block, size) in zip(first, sizes) { cache.give(block, count: size) }
        XCTAssertEqual(cache.cachedBytes, sizes.reduce(0, +) * 4, "the whole working set stays idle in the cache")
        XCTAssertEqual(cache.liveBytes, 0)
        let second = sizes.map { cache.take(count: $0) }
        XCTAssertEqual(Set(second), Set(first))
        XCTAssertEqual(cache.cachedBytes, 0)
        for (block, size) in zip(second, sizes) { cache.give(block, count: size) }
    }

    /// A miss of a new size evicts the least recently freed idle blocks so live + cached stays within the
    /// high-water mark.
    func testMissEvictsTheOldestToStayWithinHighWater() {
        let cache = BlockCache(minimumCount: 16, floorBytes: 0)
        let a = cache.take(count: 1000), b = cache.take(count: 3000)
        cache.give(b, count: 3000)
        cache.give(a, count: 1000)
        XCTAssertEqual(cache.cachedBytes, 16000)
        let c = cache.take(count: 2000) // live 8000 B: at most 8000 B may stay idle, so b (freed first) goes
        XCTAssertEqual(cache.liveBytes, 8000)
        XCTAssertEqual(cache.cachedBytes, 4000)
        XCTAssertLessThanOrEqual(cache.liveBytes + cache.cachedBytes, cache.highWater)
        let again = cache.take(count: 1000)
        XCTAssertEqual(again, a, "the block freed last survived the eviction")
        cache.give(again, count: 1000)
        cache.give(c, count: 2000)
        XCTAssertEqual(cache.cachedBytes, 12000)
    }

    /// Below the minimum size nothing is cached; past the bound a give keeps the block just freed and the least
    /// recently freed one goes back to the system.
    func testSmallBlocksAndFloor() {
        let cache = BlockCache(minimumCount: 16, floorBytes: 400, floorShift: 0)
        let small = cache.take(count: 8)
        cache.give(small, count: 8)
        XCTAssertEqual(cache.cachedBytes, 0)
        XCTAssertEqual(cache.highWater, 0, "small blocks are not counted")
        let x = cache.take(count: 100), y = cache.take(count: 100)
        cache.give(x, count: 100)
        cache.give(y, count: 100)
        XCTAssertEqual(cache.cachedBytes, 800, "the high-water mark (800 B) allows both")
        let z = cache.take(count: 300) // live 1200 B > high water: only the 400 B floor may stay idle
        XCTAssertEqual(cache.cachedBytes, 400)
        cache.give(z, count: 300)
        XCTAssertEqual(cache.cachedBytes, 1200, "z stays and y, freed before it, goes: 400 + 1200 B idle would pass the 1200 B high water")
    }
}
