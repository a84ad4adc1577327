import Foundation
@testable import Datasets
import Models
import Tokenizer

/// A small synthetic survey and a tiny random GPT with a tokenizer trained on it: what the GPO tests embed with.
struct GPOTestWorld {
    /// The folder holding everything (remove it when done).
    let root: URL
    /// The survey.
    let survey: Survey
    /// `survey.json` in `root`.
    let surveyURL: URL
    /// The embedding model's folder.
    let model: URL

    /// `groups` groups answering `questions` questions, in a new temporary folder.
    init(groups: Int, questions: Int) throws {
        root = FileManager.default.temporaryDirectory.appendingPathComponent("ta-gpo-\(UUID().uuidString)")
        survey = try SurveySynthesizer(groups: SurveySynthesizer.groupNames(count: groups), questions: questions, seed: 3).generate()
        surveyURL = root.appendingPathComponent("survey.json")
        try survey.save(to: surveyURL)
        let tokenizer = try BPETrainer(vocabSize: 300).train(texts: [try SurveyCorpus.text(survey, samplesPerQuestion: 1, seed: 1)])
        let config = GPTConfig(vocabSize: tokenizer.vocabularySize, nPositions: 128, nEmbd: 16, nLayer: 1, nHead: 2,
                               eosTokenId: tokenizer.id(for: "<|endoftext|>")!)
        model = root.appendingPathComponent("model")
        try Checkpoint.save(try GPT(config, seed: 1), to: model, extraFiles: ["tokenizer.json": Data(tokenizer.tokenizerJSONString().utf8)])
    }

    /// Deletes the folder.
    func remove() { try? FileManager.default.removeItem(at: root) }
}
