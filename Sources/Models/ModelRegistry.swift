import Foundation

/// The model families TinyAlign can build, by `config.json`'s `model_type`.
///
/// Adding an architecture is one file that conforms to `CausalLanguageModel` and one line in `builtIn`; a test
/// or an outside package can `register` its own family without editing this file.
public enum ModelRegistry {
    /// The families that ship with TinyAlign.
    static let builtIn: [any CausalLanguageModel.Type] = [GPT.self, Llama.self]

    nonisolated(unsafe) private static var extra: [any CausalLanguageModel.Type] = []

    /// Makes `family` loadable by its `modelTypes` (a later registration of the same type wins).
    public static func register(_ family: any CausalLanguageModel.Type) {
        extra.append(family)
    }

    /// The family registered for `modelType`, or nil.
    public static func family(for modelType: String) -> (any CausalLanguageModel.Type)? {
        (builtIn + extra).last { $0.modelTypes.contains(modelType) }
    }

    /// Every `model_type` that can be loaded, sorted.
    public static var modelTypes: [String] { Array(Set((builtIn + extra).flatMap { $0.modelTypes })).sorted() }

    /// The `model_type` of `config.json` bytes; a config without one is GPT-2 (older TinyAlign folders).
    public static func modelType(ofConfig data: Data, path: String) throws -> String {
        guard let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any] else {
            throw ModelError.badCheckpoint(path: path, "config.json is not a JSON object")
        }
        guard let type = object["model_type"] else { return "gpt2" }
        guard let name = type as? String else {
            throw ModelError.badCheckpoint(path: path, "model_type must be a string")
        }
        return name
    }

    /// A freshly initialised model of the family `config.json` names.
    public static func make(configJSON data: Data, path: String, seed: UInt64 = 0) throws -> any CausalLanguageModel {
        let type = try modelType(ofConfig: data, path: path)
        guard let family = family(for: type) else {
            throw ModelError.badCheckpoint(path: path, "model_type \"\(type)\" is not supported (supported: \(modelTypes.joined(separator: ", ")))")
        }
        do { return try family.make(configJSON: data, seed: seed) } catch let e as ModelError {
            throw ModelError.badCheckpoint(path: path, "\(e)")
        } catch {
            throw ModelError.badCheckpoint(path: path, "not a valid \(type) config: \(error)")
        }
    }
}
