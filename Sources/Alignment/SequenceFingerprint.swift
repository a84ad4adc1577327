import Foundation
import TensorCore

/// A fingerprint of encoded sequences (token ids and where each response starts): data-parallel ranks compare
/// it at the start, so a rank that read another file, tokenizer or prompt template is refused.
enum SequenceFingerprint {
    /// FNV-1a over every sequence's length, response start and ids.
    static func of(_ sequences: [EncodedSequence]) -> UInt64 {
        var h = Fingerprint.seed
        for s in sequences {
            h = Fingerprint.of([Int32(s.ids.count), Int32(s.responseStart)].withUnsafeBytes { Data($0) }, from: h)
            h = Fingerprint.of(s.ids.withUnsafeBytes { Data($0) }, from: h)
        }
        return h
    }
}
