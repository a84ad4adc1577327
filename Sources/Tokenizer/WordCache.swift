import Foundation

/// Word bytes -> ids, filled as words are first seen, plus the scratch buffers of the merge loop. Natural text
/// repeats a small set of words, so after a warm-up almost every word is one hash look-up.
final class WordCache {
    /// Encode calls hold it while they use the cache and the scratch buffers.
    let lock = NSLock()
    let table = ByteSliceTable(capacity: 1 << 14)
    var idsStart: [Int32] = []
    var idsCount: [Int32] = []
    var ids: [Int32] = []
    /// Past this many distinct words the cache starts over, bounding its memory on endless unique input.
    let maxWords = 1 << 20

    // Scratch of `BPETokenizer.mergeWord`, reused across words.
    var symbols: [Int32] = []
    var next: [Int32] = []
    var prev: [Int32] = []
    var heap: [UInt64] = []

    /// Stores the ids of a word seen for the first time.
    func insert(_ p: UnsafePointer<UInt8>, _ n: Int, _ wordIds: ArraySlice<Int32>) {
        if table.count >= maxWords {
            table.removeAll(); idsStart.removeAll(keepingCapacity: true)
            idsCount.removeAll(keepingCapacity: true); ids.removeAll(keepingCapacity: true)
        }
        var inserted = false
        _ = table.findOrInsert(p, n, inserted: &inserted)
        idsStart.append(Int32(ids.count))
        idsCount.append(Int32(wordIds.count))
        ids.append(contentsOf: wordIds)
    }
}
