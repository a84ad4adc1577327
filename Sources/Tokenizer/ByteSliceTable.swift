import Foundation

/// An open-addressing hash set of byte strings that are looked up by pointer and length, so that finding a
/// word never allocates. Each distinct key gets a dense entry index (0, 1, 2, …) in insertion order; callers keep
/// their values (counts, cached ids) in arrays indexed by it.
final class ByteSliceTable {
    private var arena: [UInt8] = []
    private(set) var keyStart: [Int] = []
    private(set) var keyLength: [Int32] = []
    private var hashes: [UInt64] = []
    private var slots: [Int32]
    private var mask: Int

    /// Number of distinct keys.
    var count: Int { keyStart.count }

    init(capacity: Int = 1024) {
        var size = 16
        while size < capacity * 2 { size <<= 1 }
        slots = [Int32](repeating: -1, count: size)
        mask = size - 1
    }

    /// Removes every key (keeps the slot array's size).
    func removeAll() {
        arena.removeAll(keepingCapacity: true)
        keyStart.removeAll(keepingCapacity: true)
        keyLength.removeAll(keepingCapacity: true)
        hashes.removeAll(keepingCapacity: true)
        for i in slots.indices { slots[i] = -1 }
    }

    /// A fast 64-bit hash of `n` bytes, eight at a time.
    @inline(__always)
    static func hash(_ p: UnsafePointer<UInt8>, _ n: Int) -> UInt64 {
        var h: UInt64 = 0x9E37_79B9_7F4A_7C15 ^ UInt64(n)
        var i = 0
        let raw = UnsafeRawPointer(p)
        while i + 8 <= n {
            h = (h ^ raw.loadUnaligned(fromByteOffset: i, as: UInt64.self)) &* 0xFF51_AFD7_ED55_8CCD
            h ^= h >> 32
            i += 8
        }
        var tail: UInt64 = 0, shift: UInt64 = 0
        while i < n { tail |= UInt64(p[i]) << shift; shift += 8; i += 1 }
        h = (h ^ tail) &* 0xC4CE_B9FE_1A85_EC53
        return h ^ (h >> 29)
    }

    /// The entry index of the key `p[0..<n]`, inserting it if absent; `inserted` tells which happened.
    @inline(__always)
    func findOrInsert(_ p: UnsafePointer<UInt8>, _ n: Int, inserted: inout Bool) -> Int {
        let h = Self.hash(p, n)
        var slot = Int(truncatingIfNeeded: h) & mask
        while true {
            let e = Int(slots[slot])
            if e < 0 { break }
            if hashes[e] == h && Int(keyLength[e]) == n && equal(e, p, n) { inserted = false; return e }
            slot = (slot + 1) & mask
        }
        let e = keyStart.count
        slots[slot] = Int32(e)
        keyStart.append(arena.count)
        keyLength.append(Int32(n))
        hashes.append(h)
        arena.append(contentsOf: UnsafeBufferPointer(start: p, count: n))
        inserted = true
        if keyStart.count * 2 > slots.count { grow() }
        return e
    }

    /// The entry index of the key `p[0..<n]`, or -1.
    @inline(__always)
    func find(_ p: UnsafePointer<UInt8>, _ n: Int) -> Int {
        let h = Self.hash(p, n)
        var slot = Int(truncatingIfNeeded: h) & mask
        while true {
            let e = Int(slots[slot])
            if e < 0 { return -1 }
            if hashes[e] == h && Int(keyLength[e]) == n && equal(e, p, n) { return e }
            slot = (slot + 1) & mask
        }
    }

    /// The bytes of entry `e`.
    func key(_ e: Int) -> ArraySlice<UInt8> {
        arena[keyStart[e]..<(keyStart[e] + Int(keyLength[e]))]
    }

    @inline(__always)
    private func equal(_ e: Int, _ p: UnsafePointer<UInt8>, _ n: Int) -> Bool {
        if n == 0 { return true }
        return arena.withUnsafeBufferPointer { a in memcmp(a.baseAddress! + keyStart[e], p, n) == 0 }
    }

    private func grow() {
        let size = slots.count * 2
        slots = [Int32](repeating: -1, count: size)
        mask = size - 1
        for e in 0..<keyStart.count {
            var slot = Int(truncatingIfNeeded: hashes[e]) & mask
            while slots[slot] >= 0 { slot = (slot + 1) & mask }
            slots[slot] = Int32(e)
        }
    }
}
