import Foundation

/// HF's BPE model for the general pipeline: a pre-token's symbols (its scalars, or its bytes after a trailing
/// ByteLevel pre-tokenizer) are looked up in the vocabulary, unknown ones fall back to `<0xXX>` byte tokens
/// (`byte_fallback`) or to the unknown token (fused when `fuse_unk`), and the symbols are then merged by rank.
/// `continuing_subword_prefix` marks every symbol but the first, `end_of_word_suffix` the last. Results are cached
/// per distinct pre-token. Callers hold `cache.lock` while encoding.
final class BPEModel: @unchecked Sendable {
    /// Settings read from the `model` object of tokenizer.json.
    struct Options {
        var byteLevel = false
        var byteFallback = false
        var fuseUnk = false
        var ignoreMerges = false
        var unkToken: String? = nil
        var prefix: String? = nil
        var suffix: String? = nil
    }

    let vocab: [String: Int]
    let options: Options
    let mergeTable: [UInt64: UInt64]
    let cache = WordCache()
    /// Byte-level mode: the id of each byte's stand-in scalar, -1 when absent.
    private let idForByte: [Int32]
    /// Scalar mode without prefix/suffix: the id of each one-scalar token, BMP scalars in an array (-1 when
    /// absent), the others in a dictionary.
    private let idForBMPScalar: [Int32]
    private let idForAstralScalar: [UInt32: Int32]
    /// Ids of `<0x00>`…`<0xFF>`, -1 where absent (only used with byte_fallback).
    private let byteTokenIds: [Int32]
    private let unkId: Int32?

    /// Builds the model; `field` prefixes error messages (e.g. "tokenizer.json: model.merges[3]").
    init(vocab: [String: Int], merges: [BPEMerge], options: Options, file: String) throws {
        self.vocab = vocab
        self.options = options
        idForByte = ByteLevel.scalarForByte.map { s in vocab[String(Character(s))].map { Int32($0) } ?? -1 }
        var bmp = [Int32](repeating: -1, count: 0x10000)
        var astral: [UInt32: Int32] = [:]
        for (token, id) in vocab {
            let u = token.unicodeScalars
            guard u.count == 1, let v = u.first?.value else { continue }
            if v < 0x10000 { bmp[Int(v)] = Int32(id) } else { astral[v] = Int32(id) }
        }
        idForBMPScalar = bmp
        idForAstralScalar = astral
        byteTokenIds = (0..<256).map { b in vocab[String(format: "<0x%02X>", b)].map { Int32($0) } ?? -1 }
        if let unk = options.unkToken {
            guard let id = vocab[unk] else {
                throw TokenizerError.malformed(path: file, field: "model.unk_token", reason: "names '\(unk)', which is not in model.vocab")
            }
            unkId = Int32(id)
        } else {
            unkId = nil
        }
        let prefixLength = options.prefix?.utf8.count ?? 0
        var table: [UInt64: UInt64] = [:]
        table.reserveCapacity(merges.count)
        for (rank, m) in merges.enumerated() {
            guard let a = vocab[m.left] else { throw TokenizerError.unknownMergeToken(index: rank, token: m.left) }
            guard let b = vocab[m.right] else { throw TokenizerError.unknownMergeToken(index: rank, token: m.right) }
            let rightBytes = Array(m.right.utf8)
            guard rightBytes.count >= prefixLength else {
                throw TokenizerError.malformed(path: file, field: "model.merges[\(rank)]",
                                               reason: "right side '\(m.right)' is shorter than continuing_subword_prefix")
            }
            let merged = m.left + String(decoding: rightBytes[prefixLength...], as: UTF8.self)
            guard let c = vocab[merged] else { throw TokenizerError.mergeResultNotInVocabulary(index: rank, token: merged) }
            let key = UInt64(a) << 32 | UInt64(b)
            if table[key] == nil { table[key] = UInt64(rank) << 32 | UInt64(c) }
        }
        mergeTable = table
    }

    /// Appends the ids of one pre-token `p[0..<n]` (non-empty) to `out`.
    @inline(__always)
    func encode(_ p: UnsafePointer<UInt8>, _ n: Int, into out: inout [Int]) {
        let c = cache
        let e = c.table.find(p, n)
        if e >= 0 {
            let start = Int(c.idsStart[e]), count = Int(c.idsCount[e])
            c.ids.withUnsafeBufferPointer { ids in for k in start..<(start + count) { out.append(Int(ids[k])) } }
            return
        }
        let count = mergeWord(p, n)
        c.insert(p, n, c.symbols[0..<count])
        for k in 0..<count { out.append(Int(c.symbols[k])) }
    }

    private func mergeWord(_ p: UnsafePointer<UInt8>, _ n: Int) -> Int {
        let c = cache
        c.symbols.removeAll(keepingCapacity: true)
        let bytes = UnsafeBufferPointer(start: p, count: n)
        if options.ignoreMerges {
            let word = options.byteLevel ? ByteLevel.string(for: bytes) : String(decoding: bytes, as: UTF8.self)
            if let id = vocab[word] { c.symbols.append(Int32(id)); return 1 }
        }
        let plain = options.prefix == nil && options.suffix == nil
        var pendingUnk = false
        var i = 0
        while i < n {
            var id: Int32 = -1
            let m: Int
            if options.byteLevel {
                m = 1
                if plain { id = idForByte[Int(p[i])] }
            } else {
                let (v, len) = decodeScalar(p, i)
                m = len
                if plain { id = v < 0x10000 ? idForBMPScalar[Int(v)] : idForAstralScalar[v] ?? -1 }
            }
            var symbolText: String? = nil
            if !plain || (id < 0 && options.byteFallback) {
                let piece = UnsafeBufferPointer(start: p + i, count: m)
                symbolText = options.byteLevel ? ByteLevel.string(for: piece) : String(decoding: piece, as: UTF8.self)
            }
            if !plain, let s = symbolText {
                let key = (i > 0 ? options.prefix ?? "" : "") + s + (i + m == n ? options.suffix ?? "" : "")
                id = vocab[key].map { Int32($0) } ?? -1
            }
            i += m
            if id >= 0 {
                if pendingUnk, let unk = unkId { c.symbols.append(unk); pendingUnk = false }
                c.symbols.append(id)
                continue
            }
            if options.byteFallback, let s = symbolText {
                let ids = s.utf8.map { byteTokenIds[Int($0)] }
                if !ids.contains(-1) { c.symbols.append(contentsOf: ids); continue }
            }
            guard let unk = unkId else { continue }
            if pendingUnk && !options.fuseUnk { c.symbols.append(unk) }
            pendingUnk = true
        }
        if pendingUnk, let unk = unkId { c.symbols.append(unk) }
        return applyMerges(c, mergeTable)
    }
}
