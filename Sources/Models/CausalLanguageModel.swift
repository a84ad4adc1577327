import Autograd
import Foundation
import TensorCore

/// What every trainer, evaluator, generator and checkpoint writer needs of a decoder-only language model.
///
/// A model family (GPT-2, Llama, …) conforms once and registers its `config.json` `model_type`s in
/// `ModelRegistry`; from then on every command, trainer, loss, metric and the reference cache works with it,
/// because none of them sees anything but this protocol.
public protocol CausalLanguageModel: AnyObject, Module {
    /// The `model_type` values of `config.json` this family reads (e.g. `["gpt2"]`, `["llama", "mistral"]`).
    static var modelTypes: [String] { get }

    /// Every parameter's stored name and shape that `config.json` implies, computed without building the
    /// model, or nil when the family cannot say (then the weights are checked after building). Lets
    /// `Checkpoint.load` refuse a config that disagrees with the weights before allocating anything.
    static func expectedTensorShapes(configJSON: Data) throws -> [(String, [Int])]?

    /// A model with freshly initialised weights built from `config.json` bytes; throws, naming the key, for an
    /// unsupported option or an invalid value.
    static func make(configJSON: Data, seed: UInt64) throws -> Self

    /// The `config.json` bytes (Hugging Face keys), so a saved folder loads in `transformers` and back.
    func configJSON() throws -> Data

    /// Rows of the output head.
    var vocabularySize: Int { get }
    /// The longest sequence the model takes.
    var contextLength: Int { get }
    /// Width of the last hidden states.
    var hiddenSize: Int { get }
    /// `eos_token_id` of the config, if it names one.
    var configEOSTokenId: Int32? { get }

    /// ids: (B, T) row-major -> the last hidden states (B, T, C), after the final norm. Causal: position t
    /// depends on tokens 0…t only.
    func lastHiddenStates(_ ids: [Int32], batch: Int) throws -> Variable

    /// hidden: (N, C) -> logits (N, V): the output head (tied or not).
    func outputLogits(_ hidden: Variable) throws -> Variable

    /// hidden: (N, C), targets: (N) -> log_softmax(head(hidden))[target] per row, 0 where the target is -100.
    /// Families with a plain linear head fuse it (`Variable.projectedTargetLogProbs`): logits only at the scored
    /// rows, a chunk at a time, never the whole (N × V) matrix. The default composes `outputLogits`.
    func targetLogProbs(hidden: Variable, targets: [Int32]) throws -> Variable

    /// When on, the forward keeps only each block's input and the backward recomputes the block
    /// (`Variable.checkpointed`): activation memory falls from all of a block's to one (B, T, C) tensor per
    /// block, for one more forward pass per step. Gradients are unchanged.
    var checkpointActivations: Bool { get set }

    /// An empty key/value cache sized for the model's context (batch 1).
    func makeKVCache() -> KVCache

    /// Runs `ids` (batch 1) at positions cache.length… through the model without a graph, appending to the
    /// cache; returns the logits (V) of the last position.
    func forwardCached(_ ids: [Int32], cache: inout KVCache) throws -> Tensor

    /// The parameter name a tensor stored under `name` in a checkpoint fills, or nil to ignore the tensor (e.g.
    /// a tied head's copy, attention-mask buffers). Lets a family accept the spellings other writers use.
    func parameterName(forStoredTensor name: String) -> String?

    /// The linear layers LoRA can adapt, under their `transformers` module names
    /// (`model.layers.0.self_attn.q_proj`), in model order; the output head is not among them (PEFT's
    /// `all-linear` leaves it out too).
    var linearModules: [(String, AdaptableLinear)] { get }

    /// The module names PEFT targets for this family when none are given.
    var defaultLoRATargets: [String] { get }

    /// Whether the family runs packed rows (`lastHiddenStates(_:batch:rows:)`); callers that share prompts fall
    /// back to unpacked rows when it does not.
    var supportsPackedRows: Bool { get }

    /// ids: (B, T) row-major laid out by `rows` (positions and segments, see `PackedRows`) -> the last hidden
    /// states (B, T, C); each token's state equals the one it has in its own unpacked row.
    func lastHiddenStates(_ ids: [Int32], batch: Int, rows: PackedRows) throws -> Variable
}

extension CausalLanguageModel {
    /// Families that cannot compute their shapes from the config alone are checked after building.
    public static func expectedTensorShapes(configJSON: Data) throws -> [(String, [Int])]? { nil }

    /// ids: (B, T) row-major -> logits: (B·T, V). Position t of a row predicts token t+1.
    public func logits(_ ids: [Int32], batch: Int) throws -> Variable {
        try outputLogits(lastHiddenStates(ids, batch: batch).reshaped([-1, hiddenSize]))
    }

    /// Families without blocks to checkpoint ignore the setting.
    public var checkpointActivations: Bool {
        get { false }
        set {}
    }

    /// The head applied to every row, then the target log-probs: right for any head, but holds (N × V) logits.
    public func targetLogProbs(hidden: Variable, targets: [Int32]) throws -> Variable {
        try Variable.targetLogProbs(logits: outputLogits(hidden), targets: targets, ignoreIndex: -100)
    }

    /// ids: (B, T) row-major, targets (B·T) with -100 where nothing is scored -> the log-prob each position gives
    /// its target, (B·T), 0 at unscored positions. The vocabulary projection runs only where a target is set.
    public func scoredLogProbs(_ ids: [Int32], targets: [Int32], batch: Int) throws -> Variable {
        guard targets.count == ids.count else {
            throw ModelError.invalidInput("\(targets.count) targets for \(ids.count) input ids")
        }
        return try targetLogProbs(hidden: lastHiddenStates(ids, batch: batch).reshaped([-1, hiddenSize]), targets: targets)
    }

    /// Mean next-token cross-entropy over the positions whose target is set, with the head computed only there
    /// (`scoredLogProbs`); 0 when nothing is scored. Same value as `loss`, far less memory when few positions count.
    public func scoredLoss(_ ids: [Int32], targets: [Int32], batch: Int) throws -> Variable {
        let count = targets.filter { $0 != -100 }.count
        return try scoredLogProbs(ids, targets: targets, batch: batch).sum() * (-1 / Float(max(count, 1)))
    }

    /// Mean next-token cross-entropy; `targets` (B·T) uses -100 for positions that do not count.
    public func loss(_ ids: [Int32], targets: [Int32], batch: Int) throws -> Variable {
        guard targets.count == ids.count else {
            throw ModelError.invalidInput("\(targets.count) targets for \(ids.count) input ids")
        }
        return try Variable.crossEntropy(logits: logits(ids, batch: batch), targets: targets, ignoreIndex: -100)
    }

    /// Number of scalar parameters.
    public var parameterCount: Int { parameters.reduce(0) { $0 + $1.value.count } }

    /// Checks ids and length against the model; returns T.
    public func checkInput(_ ids: [Int32], batch: Int) throws -> Int {
        guard batch > 0, !ids.isEmpty, ids.count % batch == 0 else {
            throw ModelError.invalidInput("\(ids.count) ids do not split into \(batch) equal rows")
        }
        let t = ids.count / batch
        guard t <= contextLength else {
            throw ModelError.invalidInput("sequence of \(t) tokens is longer than the context of \(contextLength)")
        }
        if let bad = ids.first(where: { $0 < 0 || Int($0) >= vocabularySize }) {
            throw ModelError.invalidInput("token id \(bad) is outside the vocabulary of \(vocabularySize)")
        }
        return t
    }

    /// A family without adaptable layers.
    public var linearModules: [(String, AdaptableLinear)] { [] }

    /// PEFT's fallback when a family has no default: every linear layer.
    public var defaultLoRATargets: [String] { [LoRAConfig.allLinear] }

    /// A family runs unpacked rows only unless it says otherwise.
    public var supportsPackedRows: Bool { false }

    /// Families without packed rows refuse them (callers check `supportsPackedRows` first).
    public func lastHiddenStates(_ ids: [Int32], batch: Int, rows: PackedRows) throws -> Variable {
        throw ModelError.invalidInput("\(Self.self) does not run packed rows")
    }

    /// By default a stored tensor fills the parameter of the same name.
    public func parameterName(forStoredTensor name: String) -> String? { name }
}
