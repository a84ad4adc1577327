import Foundation
import Models
import TensorCore

/// The weight formula of Fixtures/llama/make_llama_fixtures.py (`hashed_weight`), repeated bit for bit, so a
/// parity fixture needs only its config.json: element i of parameter `name` is
/// offset + (u − 128) / 1024 with u = splitmix64(fnv1a64(name) ^ i · golden) >> 56, rounded to BF16 (nearest
/// even, as torch casts).
enum HashedWeights {
    static func values(name: String, count: Int, offset: Float) -> [Float] {
        var seed: UInt64 = 0xCBF2_9CE4_8422_2325
        for byte in name.utf8 { seed = (seed ^ UInt64(byte)) &* 0x100_0000_01B3 }
        return (0..<count).map { i in
            var x = seed ^ (UInt64(i) &* 0x9E37_79B9_7F4A_7C15)
            x = (x ^ (x >> 30)) &* 0xBF58_476D_1CE4_E5B9
            x = (x ^ (x >> 27)) &* 0x94D0_49BB_1331_11EB
            x ^= x >> 31
            return bfloat16(offset + (Float(x >> 56) - 128) / 1024)
        }
    }

    /// f rounded to the nearest BF16 value, ties to even (finite inputs).
    static func bfloat16(_ f: Float) -> Float {
        let bits = f.bitPattern
        return Float(bitPattern: ((bits &+ 0x7fff &+ ((bits >> 16) & 1)) >> 16) << 16)
    }

    /// Overwrites every parameter of `model` with the formula; norms sit at offset 1 (0 for Gemma).
    static func fill(_ model: any CausalLanguageModel, gemma: Bool) {
        for (name, p) in model.namedParameters {
            let offset: Float = name.contains("norm") ? (gemma ? 0 : 1) : 0
            p.assign(Tensor(shape: p.shape, values(name: name, count: p.value.count, offset: offset)))
        }
    }
}
