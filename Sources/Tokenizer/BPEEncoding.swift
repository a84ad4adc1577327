/// Text -> ids: added tokens are cut out first, the text between them is split GPT-2 style into words, and
/// each word's bytes are merged by rank (cached per distinct word).
extension BPETokenizer {
    /// The ids of `text`. With GPT-2's settings (no prefix space) and all 256 byte tokens in the vocabulary,
    /// `decode(encode(text)) == text` for every string.
    public func encode(_ text: String) -> [Int] {
        var text = text
        return text.withUTF8 { encode(buffer: $0) }
    }

    /// The ids of raw bytes, which need not be UTF-8: bytes of invalid sequences are pre-tokenised as symbols of
    /// their own and still map to their byte tokens, so `decodeBytes(encode(bytes: b)) == b`.
    public func encode(bytes: [UInt8]) -> [Int] {
        bytes.withUnsafeBufferPointer { encode(buffer: $0) }
    }

    func encode(buffer: UnsafeBufferPointer<UInt8>) -> [Int] {
        guard let p = buffer.baseAddress, buffer.count > 0 else { return [] }
        var out: [Int] = []
        out.reserveCapacity(buffer.count / 3 + 4)
        cache.lock.lock()
        defer { cache.lock.unlock() }
        if matcher.isEmpty {
            encodeSegment(p, buffer.count, &out)
        } else {
            matcher.split(p, count: buffer.count, text: { s, e in encodeSegment(p + s, e - s, &out) },
                          token: { out.append($0) })
        }
        return out
    }

    private func encodeSegment(_ p: UnsafePointer<UInt8>, _ n: Int, _ out: inout [Int]) {
        if options.addPrefixSpace && p[0] != 0x20 {
            var prefixed = [UInt8](repeating: 0x20, count: n + 1)
            prefixed.withUnsafeMutableBufferPointer { q in
                q.baseAddress!.advanced(by: 1).update(from: p, count: n)
            }
            prefixed.withUnsafeBufferPointer { q in encodePieces(q.baseAddress!, n + 1, &out) }
        } else {
            encodePieces(p, n, &out)
        }
    }

    private func encodePieces(_ p: UnsafePointer<UInt8>, _ n: Int, _ out: inout [Int]) {
        if options.useRegex {
            GPT2PreTokenizer.forEachPiece(p, from: 0, to: n) { s, e in encodeWord(p + s, e - s, &out) }
        } else {
            encodeWord(p, n, &out)
        }
    }

    @inline(__always)
    private func encodeWord(_ p: UnsafePointer<UInt8>, _ n: Int, _ out: inout [Int]) {
        let c = cache
        let e = c.table.find(p, n)
        if e >= 0 {
            let start = Int(c.idsStart[e]), count = Int(c.idsCount[e])
            c.ids.withUnsafeBufferPointer { ids in
                for k in start..<(start + count) { out.append(Int(ids[k])) }
            }
            return
        }
        let count = mergeWord(p, n)
        c.insert(p, n, c.symbols[0..<count])
        for k in 0..<count { out.append(Int(c.symbols[k])) }
    }

    /// Merges the bytes of one word by rank (applyMerges); the resulting ids are left in `cache.symbols[0..<result]`.
    func mergeWord(_ p: UnsafePointer<UInt8>, _ n: Int) -> Int {
        let c = cache
        c.symbols.removeAll(keepingCapacity: true)
        if options.ignoreMerges, let id = vocab[ByteLevel.string(for: UnsafeBufferPointer(start: p, count: n))] {
            c.symbols.append(Int32(id))
            return 1
        }
        var lastWasUnk = false
        for k in 0..<n {
            let id = idForByte[Int(p[k])]
            if id >= 0 { c.symbols.append(id); lastWasUnk = false; continue }
            guard let unk = unkId else { continue }
            if options.fuseUnk && lastWasUnk { continue }
            c.symbols.append(unk)
            lastWasUnk = true
        }
        return applyMerges(c, mergeTable)
    }
}

/// Joins the symbols in `c.symbols` by merge rank and returns how many remain (left in `c.symbols[0..<result]`).
/// Like HF: repeatedly join the adjacent pair with the lowest merge rank, leftmost first, using a min-heap keyed by
/// (rank, position) over a linked list of symbols; stale heap entries are skipped. `mergeTable` maps
/// (left id << 32 | right id) to (rank << 32 | merged id).
@inline(__always)
func applyMerges(_ c: WordCache, _ mergeTable: [UInt64: UInt64]) -> Int {
    let m = c.symbols.count
    if m < 2 || mergeTable.isEmpty { return m }
    c.next.removeAll(keepingCapacity: true)
    c.prev.removeAll(keepingCapacity: true)
    c.heap.removeAll(keepingCapacity: true)
    for k in 0..<m { c.next.append(Int32(k + 1)); c.prev.append(Int32(k - 1)) }
    @inline(__always) func lookup(_ a: Int32, _ b: Int32) -> UInt64? {
        mergeTable[UInt64(UInt32(bitPattern: a)) << 32 | UInt64(UInt32(bitPattern: b))]
    }
    for k in 0..<(m - 1) {
        if let r = lookup(c.symbols[k], c.symbols[k + 1]) { heapPush(&c.heap, r & 0xFFFF_FFFF_0000_0000 | UInt64(k)) }
    }
    let removed: Int32 = -2
    while let top = heapPop(&c.heap) {
        let rank = top >> 32, i = Int(top & 0xFFFF_FFFF)
        let j = Int(c.next[i])
        if c.prev[i] == removed || j >= m { continue }
        guard let r = lookup(c.symbols[i], c.symbols[j]), r >> 32 == rank else { continue }
        c.symbols[i] = Int32(truncatingIfNeeded: r)
        let after = Int(c.next[j])
        c.next[i] = Int32(after)
        c.prev[j] = removed
        if after < m { c.prev[after] = Int32(i) }
        let before = Int(c.prev[i])
        if before >= 0, let r2 = lookup(c.symbols[before], c.symbols[i]) {
            heapPush(&c.heap, r2 & 0xFFFF_FFFF_0000_0000 | UInt64(before))
        }
        if after < m, let r2 = lookup(c.symbols[i], c.symbols[after]) {
            heapPush(&c.heap, r2 & 0xFFFF_FFFF_0000_0000 | UInt64(i))
        }
    }
    var count = 0, k = 0
    while k < m {
        c.symbols[count] = c.symbols[k]
        count += 1
        k = Int(c.next[k])
    }
    return count
}

/// Min-heap push on a plain array.
@inline(__always)
func heapPush(_ h: inout [UInt64], _ v: UInt64) {
    h.append(v)
    var i = h.count - 1
    while i > 0 {
        let parent = (i - 1) >> 1
        if h[parent] <= v { break }
        h[i] = h[parent]
        i = parent
    }
    h[i] = v
}

/// Min-heap pop on a plain array.
@inline(__always)
func heapPop(_ h: inout [UInt64]) -> UInt64? {
    guard let last = h.popLast() else { return nil }
    if h.isEmpty { return last }
    let top = h[0]
    var i = 0
    let n = h.count
    while true {
        var child = 2 * i + 1
        if child >= n { break }
        if child + 1 < n && h[child + 1] < h[child] { child += 1 }
        if h[child] >= last { break }
        h[i] = h[child]
        i = child
    }
    h[i] = last
    return top
}
