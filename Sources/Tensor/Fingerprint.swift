import Foundation

/// A 64-bit FNV-1a fingerprint of bytes, for cache keys and resume checks (not for security).
public enum Fingerprint {
    /// FNV-1a's offset basis.
    public static let seed: UInt64 = 0xcbf2_9ce4_8422_2325

    /// The fingerprint of `data`, continuing from `hash`.
    public static func of(_ data: Data, from hash: UInt64 = seed) -> UInt64 {
        var h = hash
        data.withUnsafeBytes { raw in
            for b in raw.bindMemory(to: UInt8.self) { h = (h ^ UInt64(b)) &* 0x100_0000_01b3 }
        }
        return h
    }
}
