import Foundation
import Models
import Training

/// How a training job turns its model into what the driver trains: the whole model, or LoRA adapters on the
/// frozen model (`--lora-*`), and how a job opens a base with an `--adapter` folder.
public enum LoRASetup {
    /// The whole model when `lora` is nil; otherwise fresh adapters (seeded by `seed`) on the frozen model, of
    /// which only the adapters are trained and saved.
    public static func trainable(_ model: any CausalLanguageModel, base: URL, lora: LoRAConfig?, seed: UInt64,
                                 extraFiles: [String: Data], log: (String) -> Void) throws -> Trainable {
        guard let lora else { return TrainableLanguageModel(model, extraFiles: extraFiles) }
        let total = model.parameterCount
        let trainable = try TrainableLoRAModel.attach(to: model, base: base, config: lora, seed: seed, extraFiles: extraFiles)
        let kinds = trainable.adapters.modules.reduce(into: [String]()) { kinds, m in
            let kind = String(m.name.split(separator: ".").last!)
            if !kinds.contains(kind) { kinds.append(kind) }
        }
        log("lora: r \(lora.r), alpha \(lora.alpha)\(lora.useRSLoRA ? " (rslora)" : ""), dropout \(lora.dropout), "
            + "\(trainable.adapters.modules.count) modules (\(kinds.joined(separator: ", "))), base in \(lora.baseDType); "
            + "\(trainable.adapters.parameterCount) trainable of \(total + trainable.adapters.parameterCount) parameters")
        return trainable
    }

    /// A training run starts from a base with `--adapter` (merged) or trains new adapters, not both: adapters
    /// record one base folder, and base + adapter is not one. Merge first (`tinyalign merge`), then train on that.
    public static func checkStart(lora: LoRAConfig?, adapter: URL?) throws {
        if lora != nil, let adapter {
            throw ModelError.invalidInput("--adapter \(adapter.path) with --lora-*: merge the adapter first (tinyalign merge), then train new adapters on the merged folder")
        }
    }

    /// A second, independent copy of the model of `model` (with `adapter` merged): the full fine-tune's policy.
    public static func loadPolicy(_ model: URL, adapter: URL?) throws -> any CausalLanguageModel {
        let policy = try Checkpoint.load(from: model)
        if let adapter { try mergeAdapter(adapter, into: policy, base: model) }
        return policy
    }

    /// The bundle a training job starts from: `model` with `adapter` merged in, after `checkStart` and `check`
    /// (what sft, rank and em-dpo do first; align also handles a separate reference).
    public static func startingBundle(_ model: URL, lora: LoRAConfig?, adapter: URL?) throws -> ModelBundle {
        try checkStart(lora: lora, adapter: adapter)
        let bundle = try ModelBundle(model, adapter: adapter)
        try check(lora, against: bundle.model)
        return bundle
    }

    /// Checks LoRA settings against a model before anything is computed or written: invalid values and unknown
    /// target names throw.
    public static func check(_ lora: LoRAConfig?, against model: any CausalLanguageModel) throws {
        guard let lora else { return }
        try lora.validate()
        _ = try lora.resolveTargets(in: model)
    }

    /// Attaches the adapter folder `adapter` to `model` (loaded from `base`) and merges it, so the model computes
    /// base + adapter as a plain model. Refuses an adapter recorded for another base or whose shapes do not fit.
    public static func mergeAdapter(_ adapter: URL, into model: any CausalLanguageModel, base: URL) throws {
        let adapters = try PEFTAdapterFolder.attach(adapter, to: model, baseFingerprint: try FileFingerprint(of: base).fnv1a)
        try adapters.mergeAndUnload(from: model)
    }
}

extension LoRASetup {
    /// The tokenizer and decoding files a merged folder carries over from its base.
    static let carriedFiles = ["tokenizer.json", "tokenizer_config.json", "special_tokens_map.json", "vocab.json", "merges.txt"]

    /// `tinyalign merge`: loads `base`, merges `adapter` (checked against the base), and writes a plain Hugging
    /// Face folder to `out` atomically, with the base's tokenizer files. Returns the number of modules merged.
    @discardableResult
    public static func merge(base: URL, adapter: URL, out: URL) throws -> Int {
        let model = try Checkpoint.load(from: base)
        let adapters = try PEFTAdapterFolder.attach(adapter, to: model, baseFingerprint: try FileFingerprint(of: base).fnv1a)
        try adapters.mergeAndUnload(from: model)
        var extra: [String: Data] = [:]
        for name in carriedFiles {
            if let data = try? Data(contentsOf: base.appendingPathComponent(name)) { extra[name] = data }
        }
        try Checkpoint.save(model, to: out, extraFiles: extra)
        return adapters.modules.count
    }
}
