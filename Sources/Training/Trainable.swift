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
    /// Writes the model's files for a resumable checkpoint, where the weights must come back exactly (e.g. in
    /// F32 even for a model that came in BF16); by default the same as `write`.
    func writeExactly(to folder: URL) throws
    /// Turns activation checkpointing on or off (`TrainingSettings.checkpointActivations`).
    func setActivationCheckpointing(_ on: Bool)
}

extension Trainable {
    /// The same files as `write`.
    public func writeExactly(to folder: URL) throws { try write(to: folder) }

    /// Models without transformer blocks have nothing to checkpoint.
    public func setActivationCheckpointing(_ on: Bool) {}
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

    /// Sets the model's `checkpointActivations`.
    public func setActivationCheckpointing(_ on: Bool) { model.checkpointActivations = on }

    /// F32 weights, whatever dtype the model came in, so a resumed run continues bit for bit.
    public func writeExactly(to folder: URL) throws {
        try Checkpoint.write(model, into: folder, extraFiles: extraFiles, saveDType: .f32)
    }

    /// The weights of a folder `write` produced (the config must describe the same model).
    public func read(from folder: URL) throws {
        try Checkpoint.loadWeights(into: model, from: folder)
    }
}
