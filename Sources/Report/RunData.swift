import Foundation
import Training

/// One line of `metrics.jsonl` (or `eval.json`): the step and its numeric values by TRL-style name.
public struct MetricRecord: Equatable, Sendable {
    /// Optimizer step.
    public var step: Int
    /// Numeric fields (`loss`, `group/<name>/loss`, `alpha/<name>`, …); non-numeric fields are left out.
    public var values: [String: Double]

    /// A record.
    public init(step: Int, values: [String: Double]) {
        self.step = step
        self.values = values
    }

    /// The value of `key`, if the record has it.
    public subscript(key: String) -> Double? { values[key] }
}

/// One entry of `run_config.json`, rendered as text for the report.
public struct RunSetting: Equatable, Sendable {
    /// The key.
    public var key: String
    /// The value as compact JSON (strings unquoted).
    public var value: String

    /// A setting.
    public init(key: String, value: String) {
        self.key = key
        self.value = value
    }
}

/// One greedy answer written during an evaluation (`samples.jsonl`).
public struct EvalSample: Equatable, Sendable {
    /// The evaluation's step.
    public var step: Int
    /// The prompt's group.
    public var group: String
    /// The held-out prompt (without the group prefix).
    public var prompt: String
    /// The greedy answer.
    public var answer: String
    /// The chosen response of the pair.
    public var chosen: String
    /// Whether the answer is the chosen response.
    public var answersChosen: Bool
}

/// What a training run folder holds: `run_config.json`, `metrics.jsonl` (train and eval lines) and, optionally,
/// `eval.json` with the final held-out evaluation.
public struct RunData: Sendable {
    /// The folder.
    public var directory: URL
    /// `method` from the configuration (e.g. `gr-dpo`), or the folder name when absent.
    public var method: String
    /// Group names: `groups` from the configuration, else the `group/<name>/…` keys in order of appearance.
    public var groups: [String]
    /// The configuration, keys sorted.
    public var settings: [RunSetting]
    /// `split: train` lines in file order.
    public var train: [MetricRecord]
    /// `split: eval` lines in file order.
    public var eval: [MetricRecord]
    /// `eval.json`, when present.
    public var finalEval: MetricRecord?

    /// Greedy answers to held-out prompts at each evaluation (`samples.jsonl`; empty when the run wrote none).
    public var samples: [EvalSample] = []
    /// The split `eval.json` scored (`test` or `validation`), when it says.
    public var finalSplit: String?

    /// The final evaluation: `eval.json`, else the last eval line.
    public var final: MetricRecord? { finalEval ?? eval.last }

    /// Whether the run logged group weights `alpha/<name>`.
    public var hasAlpha: Bool { train.contains { r in r.values.keys.contains { $0.hasPrefix("alpha/") } } }

    /// A run assembled in memory.
    public init(directory: URL, method: String, groups: [String], settings: [RunSetting] = [],
                train: [MetricRecord], eval: [MetricRecord], finalEval: MetricRecord? = nil) {
        self.directory = directory
        self.method = method
        self.groups = groups
        self.settings = settings
        self.train = train
        self.eval = eval
        self.finalEval = finalEval
    }

    /// Reads a run folder. Errors name the file, and for `metrics.jsonl` the line.
    public static func load(_ dir: URL) throws -> RunData {
        let configURL = dir.appendingPathComponent("run_config.json")
        let manifest: RunManifest<AnySettings>
        do { manifest = try JSONDecoder().decode(RunManifest<AnySettings>.self, from: Data(try readText(configURL).utf8)) } catch let e as ReportError {
            throw e
        } catch {
            throw ReportError.badData(file: configURL.path, line: 0, "not a TinyAlign run manifest (\(error))")
        }
        let config = try jsonObject(configURL, line: 0, text: try readText(configURL))
        let metricsURL = dir.appendingPathComponent("metrics.jsonl")
        var train: [MetricRecord] = [], eval: [MetricRecord] = []
        for (i, raw) in try readText(metricsURL).split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let text = raw.trimmingCharacters(in: .whitespacesAndNewlines)
            if text.isEmpty { continue }
            let obj = try jsonObject(metricsURL, line: i + 1, text: text)
            guard let split = obj["split"] as? String else {
                throw ReportError.badData(file: metricsURL.path, line: i + 1, "missing string field \"split\"")
            }
            let record = try metricRecord(obj, file: metricsURL, line: i + 1)
            switch split {
            case "train": train.append(record)
            case "eval": eval.append(record)
            default: continue       // other splits (if a trainer adds some) are not plotted
            }
        }
        let evalURL = dir.appendingPathComponent("eval.json")
        var finalEval: MetricRecord?
        var finalSplit: String?
        if FileManager.default.fileExists(atPath: evalURL.path) {
            let object = try jsonObject(evalURL, line: 0, text: try readText(evalURL))
            finalEval = try metricRecord(object, file: evalURL, line: 0, stepRequired: false)
            finalSplit = object["split"] as? String
        }
        var groups: [String]
        if let names = manifest.groups {
            groups = names
        } else {
            groups = []
            for r in train + eval + [finalEval].compactMap({ $0 }) {
                for key in r.values.keys.sorted() where key.hasPrefix("group/") && key.hasSuffix("/loss") {
                    let name = String(key.dropFirst(6).dropLast(5))
                    if !groups.contains(name) { groups.append(name) }
                }
            }
        }
        let settings = flattened(config).map { RunSetting(key: $0.0, value: $0.1) }
        var run = RunData(directory: dir, method: manifest.method ?? manifest.task, groups: groups,
                          settings: settings, train: train, eval: eval, finalEval: finalEval)
        run.finalSplit = finalSplit
        run.samples = try loadSamples(dir.appendingPathComponent("samples.jsonl"))
        return run
    }

    /// The lines of `samples.jsonl` (none when the file is absent); a malformed line is named.
    static func loadSamples(_ url: URL) throws -> [EvalSample] {
        guard FileManager.default.fileExists(atPath: url.path) else { return [] }
        var out: [EvalSample] = []
        for (i, raw) in try readText(url).split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let text = raw.trimmingCharacters(in: .whitespacesAndNewlines)
            if text.isEmpty { continue }
            let obj = try jsonObject(url, line: i + 1, text: text)
            guard let step = obj["step"] as? Int, let group = obj["group"] as? String, let prompt = obj["prompt"] as? String,
                  let answer = obj["answer"] as? String, let chosen = obj["chosen"] as? String else {
                throw ReportError.badData(file: url.path, line: i + 1, "expected step, group, prompt, answer and chosen")
            }
            out.append(EvalSample(step: step, group: group, prompt: prompt, answer: answer, chosen: chosen,
                                  answersChosen: obj["answers_chosen"] as? Bool ?? false))
        }
        return out
    }

    static func readText(_ url: URL) throws -> String {
        guard let data = try? Data(contentsOf: url) else {
            throw ReportError.badData(file: url.path, line: 0, "cannot read the file")
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw ReportError.badData(file: url.path, line: 0, "the file is not valid UTF-8")
        }
        return text
    }

    static func jsonObject(_ url: URL, line: Int, text: String) throws -> [String: Any] {
        guard let obj = try? JSONSerialization.jsonObject(with: Data(text.utf8)) else {
            throw ReportError.badData(file: url.path, line: line, "not valid JSON")
        }
        guard let dict = obj as? [String: Any] else {
            throw ReportError.badData(file: url.path, line: line, "expected a JSON object")
        }
        return dict
    }

    /// Numbers become values; `null` (how NaN is often written) becomes NaN; strings and lists are skipped.
    static func metricRecord(_ obj: [String: Any], file: URL, line: Int, stepRequired: Bool = true) throws -> MetricRecord {
        let step: Int
        if let n = obj["step"] as? NSNumber, n.doubleValue == n.doubleValue.rounded() {
            step = n.intValue
        } else if stepRequired || obj["step"] != nil {
            throw ReportError.badData(file: file.path, line: line, "missing or non-integer field \"step\"")
        } else {
            step = 0
        }
        var values: [String: Double] = [:]
        for (key, value) in obj where key != "step" {
            if let n = value as? NSNumber, !isBool(n) {
                values[key] = n.doubleValue
            } else if value is NSNull {
                values[key] = .nan
            }
        }
        return MetricRecord(step: step, values: values)
    }

    /// Whether JSONSerialization decoded `true`/`false` (its booleans are NSNumbers of type "c").
    static func isBool(_ n: NSNumber) -> Bool { String(cString: n.objCType) == "c" }

    /// The manifest's settings as (dotted key, text) rows, sorted; the command line is one row.
    static func flattened(_ object: [String: Any], prefix: String = "") -> [(String, String)] {
        var out: [(String, String)] = []
        for key in object.keys.sorted() {
            let name = prefix.isEmpty ? key : "\(prefix).\(key)"
            if let nested = object[key] as? [String: Any], !nested.isEmpty {
                out += flattened(nested, prefix: name)
            } else if key == "command_line", let words = object[key] as? [String] {
                out.append((name, words.joined(separator: " ")))
            } else {
                out.append((name, display(object[key]!)))
            }
        }
        return out
    }

    /// A configuration value as short text.
    static func display(_ value: Any) -> String {
        if let s = value as? String { return s }
        if let n = value as? NSNumber {
            if isBool(n) { return n.boolValue ? "true" : "false" }
            return n.stringValue
        }
        if value is NSNull { return "null" }
        if let data = try? JSONSerialization.data(withJSONObject: value, options: [.sortedKeys, .withoutEscapingSlashes]) {
            return String(decoding: data, as: UTF8.self)
        }
        return "\(value)"
    }
}
