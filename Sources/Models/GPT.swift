import Autograd
import TensorCore

/// GPT-2: token + position embeddings, pre-LN blocks, a final layer norm, and an output head tied to the
/// token embedding. Parameter names are Hugging Face's (`transformer.h.0.attn.c_attn.weight`, …).
public final class GPT: Module {
    /// The configuration the model was built from.
    public let config: GPTConfig
    /// Token embedding (V, C); also the output head.
    public let wte: Variable
    /// Position embedding (n_positions, C).
    public let wpe: Variable
    /// The transformer blocks.
    public let blocks: [Block]
    /// Final layer norm.
    public let lnF: LayerNorm

    /// A freshly initialised model: N(0, 0.02) weights, residual projections N(0, 0.02/√(2·n_layer)).
    public init(_ config: GPTConfig, seed: UInt64 = 0) throws {
        try config.validate()
        self.config = config
        var rng = SeededGenerator(seed: seed)
        wte = Variable(.normal([config.vocabSize, config.nEmbd], std: 0.02, using: &rng), requiresGrad: true)
        wpe = Variable(.normal([config.nPositions, config.nEmbd], std: 0.02, using: &rng), requiresGrad: true)
        var made: [Block] = []
        for _ in 0..<config.nLayer { made.append(Block(config, rng: &rng)) }
        blocks = made
        lnF = LayerNorm(config.nEmbd, eps: config.layerNormEpsilon)
    }

    /// ids: (B, T) row-major -> the last hidden states (B, T, C): the final layer norm's output, which the head
    /// turns into logits. Causal, so position t depends on tokens 0…t only.
    public func lastHiddenStates(_ ids: [Int32], batch: Int) throws -> Variable {
        let t = try checkInput(ids, batch: batch)
        let positions = (0..<batch).flatMap { _ in (0..<t).map { Int32($0) } }
        var x = try Variable.embedding(weight: wte, ids: ids, shape: [batch, t])
            + Variable.embedding(weight: wpe, ids: positions, shape: [batch, t])
        for block in blocks { x = try block(x) }
        return try lnF(x)
    }

    /// ids: (B, T) row-major -> logits: (B·T, V). Position t of a row predicts token t+1.
    public func logits(_ ids: [Int32], batch: Int) throws -> Variable {
        let h = try lastHiddenStates(ids, batch: batch).reshaped([-1, config.nEmbd])
        return try Variable.matmul(h, wte, transposeB: true)
    }

    /// Mean next-token cross-entropy; `targets` (B·T) uses -100 for positions that do not count.
    public func loss(_ ids: [Int32], targets: [Int32], batch: Int) throws -> Variable {
        guard targets.count == ids.count else {
            throw ModelError.invalidInput("\(targets.count) targets for \(ids.count) input ids")
        }
        return try Variable.crossEntropy(logits: logits(ids, batch: batch), targets: targets, ignoreIndex: -100)
    }

    /// Checks ids and length against the config; returns T.
    func checkInput(_ ids: [Int32], batch: Int) throws -> Int {
        guard batch > 0, !ids.isEmpty, ids.count % batch == 0 else {
            throw ModelError.invalidInput("\(ids.count) ids do not split into \(batch) equal rows")
        }
        let t = ids.count / batch
        guard t <= config.nPositions else {
            throw ModelError.invalidInput("sequence of \(t) tokens is longer than the context of \(config.nPositions)")
        }
        if let bad = ids.first(where: { $0 < 0 || Int($0) >= config.vocabSize }) {
            throw ModelError.invalidInput("token id \(bad) is outside the vocabulary of \(config.vocabSize)")
        }
        return t
    }

    /// Every parameter under its Hugging Face name; the head is tied, so `lm_head.weight` is not listed.
    public var namedParameters: [(String, Variable)] {
        var out: [(String, Variable)] = [("transformer.wte.weight", wte), ("transformer.wpe.weight", wpe)]
        for (i, b) in blocks.enumerated() { out += b.scoped("transformer.h.\(i)") }
        return out + lnF.scoped("transformer.ln_f")
    }

    /// Number of scalar parameters.
    public var parameterCount: Int { parameters.reduce(0) { $0 + $1.value.count } }
}
