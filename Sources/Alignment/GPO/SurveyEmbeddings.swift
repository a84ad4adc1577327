import Datasets
import Models
import Training
import Tokenizer

/// Which tokens of `GPODataset.embeddingText` are averaged into an option's embedding.
public enum GPOPooling: String, CaseIterable, Sendable {
    /// Every token of prompt and option (ALGORITHMS.md §7).
    case all
    /// Only the option's tokens, which still attend to the whole prompt: the option-level differences are not
    /// drowned by the ~70 prompt tokens all options of a question share.
    case option
}

extension GPODataset {
    /// The text embedded for option `index` of `question`: the survey prompt (question, lettered options,
    /// `Answer:`) followed by a space and the option's own text, e.g. `…\nAnswer: Very important`.
    public static func embeddingText(_ question: SurveyQuestion, option index: Int) -> String {
        SurveyPairs.prompt(for: question) + " " + question.options[index]
    }

    /// Embeds every (question, option) of `survey` with `model`: the mean of its last hidden states over the
    /// tokens of `embeddingText` chosen by `pooling` (computed once, kept in memory). A text longer than the
    /// model's context keeps its last n_positions tokens, where the options and the answer are. Shares are kept
    /// as given per group.
    public init(survey: Survey, model: any CausalLanguageModel, tokenizer: any TextTokenizer, pooling: GPOPooling = .all,
                batchSize: Int = 16) throws {
        let context = model.contextLength
        var sequences: [[Int32]] = [], starts: [Int] = []
        for q in survey.questions {
            guard q.options.count >= 2 else {
                throw AlignmentError.invalidInput("question \(q.id) has \(q.options.count) options; GPO needs at least 2")
            }
            for k in q.options.indices {
                let full = tokenizer.encode(Self.embeddingText(q, option: k))
                let ids = full.suffix(context).map { Int32($0) }
                let promptLength = pooling == .all ? 0 : tokenizer.encode(SurveyPairs.prompt(for: q)).count
                sequences.append(ids)
                starts.append(min(max(promptLength - (full.count - ids.count), 0), ids.count - 1))
            }
        }
        let vectors = try model.meanEmbeddings(sequences, from: starts, batchSize: batchSize)
        var next = 0
        var questions: [GPOQuestion] = []
        for q in survey.questions {
            let embeddings = Array(vectors[next..<next + q.options.count])
            next += q.options.count
            questions.append(GPOQuestion(id: q.id, embeddings: embeddings,
                                         shares: q.selections.mapValues { $0.map(Float.init) }))
        }
        try self.init(dimension: model.hiddenSize, groups: survey.groups, questions: questions)
    }
}
