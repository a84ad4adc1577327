import Autograd
import Foundation
import Models

/// What the driver trains and saves: the parameters the optimizer updates, and how they are written to and read
/// from a folder (a Hugging Face model folder for a language model, the GPO format for GPO, …).
public protocol Trainable: AnyObject {
    /// The parameters the optimizer updates, in a fixed order.
    var trainableParameters: [Variable] { get }
    /// Writes the model's files into `folder` (an empty staging folder).
    func write(to folder: URL) throws
    /// Restores every parameter from a folder `write` produced.
    func read(from folder: URL) throws
}

/// A language model as the driver trains it: all its parameters, saved as a Hugging Face folder together with
/// `extraFiles` (the tokenizer files, copied so every checkpoint folder is self-contained).
public final class TrainableLanguageModel: Trainable {
    /// The model.
    public let model: any CausalLanguageModel
    /// Files copied into every folder written, e.g. `["tokenizer.json": …]`.
    public let extraFiles: [String: Data]

    /// Wraps `model`.
    public init(_ model: any CausalLanguageModel, extraFiles: [String: Data] = [:]) {
        self.model = model
        self.extraFiles = extraFiles
    }

    /// Every parameter of the model.
    public var trainableParameters: [Variable] { model.parameters }

    /// config.json, model.safetensors and the extra files.
    public func write(to folder: URL) throws {
        try Checkpoint.write(model, into: folder, extraFiles: extraFiles)
    }

    /// The weights of a folder `write` produced (the config must describe the same model).
    public func read(from folder: URL) throws {
        try Checkpoint.loadWeights(into: model, from: folder)
    }
}
