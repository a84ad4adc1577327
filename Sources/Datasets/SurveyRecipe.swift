import Foundation

/// Everything that determines a synthetic survey and the files made from it, in one Codable record: the same
/// recipe gives the same survey, pairs, corpus and annotators, byte for byte. The demo's recipe is stored beside
/// the base model it pretrained (`checkpoints/survey-base/survey_recipe.json`), so the demo, `data synth` and
/// `em-dpo`'s default data are the same files by construction.
///
/// Every random draw has its own stream, derived from `seed` by a fixed offset (`Stream`), so changing one
/// file's settings never changes another file.
public struct SurveyRecipe: Codable, Equatable, Sendable {
    /// Number of groups (fictional names: Avalon, Brightwater, Cedar Isle, …).
    public var groups = 5
    /// Questions in the survey.
    public var questions = 400
    /// The seed every stream derives from.
    public var seed: UInt64 = 0
    /// Each group's lean towards its own end of the answer scale (see `SurveySynthesizer.groupLean`).
    public var groupLean = 0.0
    /// Group shares of the preference pairs (normalised); nil = `SurveySynthesizer.defaultShares(count:)`.
    public var shares: [Double]?
    /// Preference pairs in all; nil = one per question.
    public var pairs: Int?
    /// Annotators of `annotators.jsonl`, each a member of a hidden group.
    public var annotators = 60
    /// Questions each annotator answers.
    public var questionsPerAnnotator = 20
    /// Responses per annotator line: 2 = pairs, k ≥ 3 = rankings of k options. 3 by default: the EM-DPO paper's
    /// central result is that pairs cannot identify latent annotator types and rankings of three or more can.
    public var rankingSize = 3

    /// The random streams, as offsets added to `seed`.
    public enum Stream: UInt64 {
        /// Which groups answer which questions, and the rejected options.
        case pairs = 1
        /// The sampled answers of the pretraining corpus.
        case corpus = 2
        /// Extra held-out questions drawn for the demo's test split.
        case testTopUp = 3
        /// Annotators and their answers.
        case annotators = 4
    }

    /// A recipe with the defaults above.
    public init() {}

    /// The seed of `stream`.
    public func seed(_ stream: Stream) -> UInt64 { seed &+ stream.rawValue }

    /// The group names, in order.
    public var groupNames: [String] { SurveySynthesizer.groupNames(count: groups) }

    /// The group shares used for the pairs.
    public var groupShares: [Double] { shares ?? SurveySynthesizer.defaultShares(count: groups) }

    /// The survey itself.
    public func survey() throws -> Survey {
        var synthesizer = SurveySynthesizer(groups: groupNames, questions: questions, seed: seed)
        synthesizer.groupLean = groupLean
        return try synthesizer.generate()
    }

    /// Preference pairs with imbalanced group shares.
    public func preferencePairs(_ survey: Survey) throws -> [PreferenceExample] {
        try SurveyPairs.imbalanced(survey, shares: groupShares, total: pairs ?? questions, seed: seed(.pairs))
    }

    /// The annotator maker of this recipe.
    public var annotatorMaker: SurveyAnnotators {
        var maker = SurveyAnnotators(annotators: annotators, seed: seed(.annotators))
        maker.questionsPerAnnotator = questionsPerAnnotator
        maker.rankingSize = rankingSize
        return maker
    }

    /// Reads a recipe file.
    public static func load(_ url: URL) throws -> SurveyRecipe {
        guard let data = try? Data(contentsOf: url) else {
            throw DatasetError.badData(file: url.path, line: 0, "cannot read the survey recipe")
        }
        do { return try JSONDecoder().decode(SurveyRecipe.self, from: data) } catch {
            throw DatasetError.badData(file: url.path, line: 0, "not a survey recipe: \(error)")
        }
    }

    enum CodingKeys: String, CodingKey {
        case groups, questions, seed, groupLean = "group_lean", shares, pairs, annotators
        case questionsPerAnnotator = "questions_per_annotator", rankingSize = "ranking_size"
    }
}
