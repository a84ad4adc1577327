import Foundation
import Models
import TensorCore

/// Size and FNV-1a fingerprint of the files a run read, so a resume can tell that the data or model changed.
public struct FileFingerprint: Codable, Equatable, Sendable {
    /// The path as given.
    public var path: String
    /// Total bytes.
    public var bytes: Int
    /// 64-bit FNV-1a of the contents, hex.
    public var fnv1a: String

    /// A fingerprint of bytes held in memory (e.g. a token stream), under a descriptive `path`.
    public init(bytes data: Data, path: String) {
        self.path = path
        bytes = data.count
        fnv1a = String(format: "%016llx", Fingerprint.of(data))
    }

    /// The fingerprint of a file, or of a folder's `config.json` and `*.safetensors` files (a model folder).
    public init(of url: URL) throws {
        path = url.path
        var isFolder: ObjCBool = false
        guard FileManager.default.fileExists(atPath: url.path, isDirectory: &isFolder) else {
            throw TrainingError.invalidInput("\(url.path): no such file or folder")
        }
        var files = [url]
        if isFolder.boolValue {
            let names = (try? FileManager.default.contentsOfDirectory(atPath: url.path)) ?? []
            files = names.filter { $0 == "config.json" || $0.hasSuffix(".safetensors") && $0 != "optimizer.safetensors" }
                .sorted().map { url.appendingPathComponent($0) }
        }
        var hash = Fingerprint.seed
        var total = 0
        for file in files {
            guard let data = try? Data(contentsOf: file, options: .alwaysMapped) else {
                throw TrainingError.invalidInput("\(file.path): cannot read the file")
            }
            hash = Fingerprint.of(data, from: hash)
            total += data.count
        }
        bytes = total
        fnv1a = String(format: "%016llx", hash)
    }
}

/// Everything a run ran with, written by the driver into the run folder (`run_config.json`) and into every
/// checkpoint: the task and method, the shared optimisation settings, the task's own settings, fingerprints of
/// the model and data, the groups, TinyAlign's version and the command line. Keys are snake_case.
///
/// `Settings` is the task's settings type (e.g. `AlignConfig`); readers that need only the common fields decode
/// `RunManifest<AnySettings>`.
public struct RunManifest<Settings: Codable & Equatable>: Codable, Equatable {
    /// `pretrain`, `sft`, `align`, `rank`, `em-dpo`, `gpo`, …
    public var task: String
    /// The method (`gr-dpo`, `pl`, …), when the task has one.
    public var method: String?
    /// The shared optimisation settings.
    public var training: TrainingSettings
    /// The task's own settings.
    public var settings: Settings
    /// The starting model.
    public var model: FileFingerprint?
    /// Every data file read.
    public var data: [FileFingerprint]
    /// Group names in index order, when the data has groups.
    public var groups: [String]?
    /// Training examples per group.
    public var groupSizes: [Int]?
    /// The TinyAlign version that wrote it.
    public var tinyalignVersion: String
    /// The process's command line.
    public var commandLine: [String]
    /// The LoRA settings when the run trains adapters (nil: full fine-tuning); a resume must use the same.
    public var lora: LoRAConfig?

    /// A manifest for this process.
    public init(task: String, method: String? = nil, training: TrainingSettings, settings: Settings,
                model: FileFingerprint? = nil, data: [FileFingerprint] = [], groups: [String]? = nil, groupSizes: [Int]? = nil) {
        self.task = task
        self.method = method
        self.training = training
        self.settings = settings
        self.model = model
        self.data = data
        self.groups = groups
        self.groupSizes = groupSizes
        tinyalignVersion = TinyAlignVersion.current
        commandLine = CommandLine.arguments
    }

    enum CodingKeys: String, CodingKey {
        case task, method, training, settings, model, data, groups, groupSizes = "group_sizes"
        case tinyalignVersion = "tinyalign_version", commandLine = "command_line"
        case lora
    }

    /// The JSON bytes (sorted keys, indented).
    public func encoded() throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        return try encoder.encode(self)
    }

    /// Reads a manifest file.
    public static func read(_ url: URL) throws -> RunManifest {
        guard let data = try? Data(contentsOf: url) else {
            throw TrainingError.invalidInput("\(url.path): cannot read the run manifest")
        }
        do { return try JSONDecoder().decode(RunManifest.self, from: data) } catch {
            throw TrainingError.invalidInput("\(url.path): not a TinyAlign run manifest (\(error))")
        }
    }
}

/// The settings of a manifest read without knowing its task: every field is skipped.
public struct AnySettings: Codable, Equatable {
    /// Skips whatever is there.
    public init(from decoder: Decoder) throws {}
    /// Writes an empty object.
    public func encode(to encoder: Encoder) throws { _ = encoder.container(keyedBy: Key.self) }
    private struct Key: CodingKey {
        var stringValue: String
        var intValue: Int? { nil }
        init?(stringValue: String) { self.stringValue = stringValue }
        init?(intValue: Int) { nil }
    }
}

/// The settings a resume may change without changing the trajectory, and the check that nothing else changed.
public enum ResumeCheck {
    /// Keys (flattened, dot-separated) that may differ between a run and its resume.
    public static let free: Set<String> = ["tinyalign_version", "command_line", "training.eval_every", "training.checkpoint_every",
                                                 "training.log_every"]

    /// Throws, naming the first differing setting, unless `saved` and `requested` (manifest JSON) agree on
    /// every key that shapes the run. Paths may differ (a moved file); contents may not.
    public static func check(saved: Data, requested: Data, folder: String) throws {
        let a = try flatten(saved), b = try flatten(requested)
        for key in Set(a.keys).union(b.keys).sorted() where !key.hasSuffix(".path") {
            if free.contains(where: { key == $0 || key.hasPrefix($0 + ".") }) { continue }
            let was = a[key] ?? "(unset)", now = b[key] ?? "(unset)"
            if was != now {
                throw TrainingError.cannotResume("\(folder) was run with \(key) = \(was), this run has \(now) (resume with the same settings, or start a new --out)")
            }
        }
    }

    /// "a.b.c" -> the JSON text of each leaf.
    static func flatten(_ data: Data) throws -> [String: String] {
        let object = try JSONSerialization.jsonObject(with: data)
        var out: [String: String] = [:]
        func walk(_ value: Any, _ prefix: String) {
            if let dict = value as? [String: Any] {
                for (k, v) in dict { walk(v, prefix.isEmpty ? k : "\(prefix).\(k)") }
            } else if let list = value as? [Any] {
                for (i, v) in list.enumerated() { walk(v, "\(prefix).\(i)") }
                if list.isEmpty { out[prefix] = "[]" }
            } else if value is NSNull {
                out[prefix] = "null"
            } else {
                out[prefix] = "\(value)"
            }
        }
        walk(object, "")
        return out
    }
}

/// TinyAlign's version, as `tinyalign --version` prints it.
public enum TinyAlignVersion {
    /// The version of this build.
    public static let current = "0.2.0"
}
