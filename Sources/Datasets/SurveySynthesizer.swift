import Foundation
import TensorCore

/// Makes a synthetic opinion survey in the GlobalOpinionQA shape whose groups genuinely disagree.
///
/// Ideal-point model: each group g has a latent trait vector t_g ~ N(0, I_D), each question q a direction
/// d_q ~ N(0, I_D / D) and an offset b_q ~ N(0, 0.64). The options of a question sit at evenly spaced positions
/// x_k in [-1, 1] (most favourable first), the group's ideal point is μ = tanh(t_g·d_q + b_q), and
///   logit_k = −κ (x_k − μ)² + σ ε_k,   ε_k ~ N(0, 1),   p = softmax(logit).
/// Groups whose traits point different ways along d_q favour different options, and any option — not only the
/// two ends — can be the most popular one. Everything is drawn from one `SeededGenerator`.
///
/// With `groupLean` w > 0 each group also leans to a fixed position ℓ_g of the answer scale (the largest group
/// towards the first option, the smallest towards the last, the others in between), μ = (1−w)·tanh(t_g·d_q + b_q)
/// + w·ℓ_g: a group-level habit that carries over to questions the group was never asked, which is what makes
/// held-out per-group evaluation meaningful for a small model.
public struct SurveySynthesizer: Sendable {
    /// Group names.
    public var groups: [String]
    /// Number of questions.
    public var questions: Int
    /// Seed of every draw.
    public var seed: UInt64
    /// Dimension D of the latent traits.
    public var traitDimension: Int = 4
    /// Peakedness κ of the distributions around the ideal point.
    public var sharpness: Double = 2.5
    /// Weight w of each group's lean towards its own end of the answer scale (0 = none).
    public var groupLean: Double = 0
    /// Standard deviation σ of the per-option logit noise.
    public var noise: Double = 0.4

    /// The default five fictional groups with shares 45/25/15/10/5 %.
    public static let defaultShares: [Double] = [45, 25, 15, 10, 5]

    /// A synthesizer for `groups` (names) and `questions` questions.
    public init(groups: [String], questions: Int, seed: UInt64) {
        self.groups = groups
        self.questions = questions
        self.seed = seed
    }

    /// The first `count` fictional names, then "Region 13", "Region 14", …
    public static func groupNames(count: Int) -> [String] {
        (0..<count).map { $0 < SurveyTemplates.groupNames.count ? SurveyTemplates.groupNames[$0] : "Region \($0 + 1)" }
    }

    /// Shares for `count` groups: 45/25/15/10/5 for five, otherwise geometric (ratio 0.6) like that default.
    public static func defaultShares(count: Int) -> [Double] {
        count == 5 ? defaultShares : (0..<count).map { Foundation.pow(0.6, Double($0)) }
    }

    /// The number of distinct questions the templates can make.
    public static var capacity: Int { SurveyTemplates.topics.count * SurveyTemplates.stems.count }

    /// Draws the survey. Question ids are `q0001`, `q0002`, …
    public func generate() throws -> Survey {
        guard !groups.isEmpty, Set(groups).count == groups.count, !groups.contains("") else {
            throw DatasetError.invalidInput("need at least one group and distinct, non-empty group names, got \(groups)")
        }
        guard (1...Self.capacity).contains(questions) else {
            throw DatasetError.invalidInput("questions must be in 1...\(Self.capacity) (topics × stems), got \(questions)")
        }
        guard traitDimension > 0 else { throw DatasetError.invalidInput("trait dimension must be positive") }
        var rng = SeededGenerator(seed: seed)
        let d = traitDimension
        let traits = groups.map { _ in (0..<d).map { _ in Double(rng.nextNormal()) } }

        // Distinct (topic, stem) combinations: shuffle all indices, keep the first `questions`.
        var combos = Array(0..<Self.capacity)
        for i in 0..<questions { combos.swapAt(i, i + rng.nextInt(below: combos.count - i)) }

        let stems = SurveyTemplates.stems
        var out: [SurveyQuestion] = []
        out.reserveCapacity(questions)
        for (n, combo) in combos[..<questions].enumerated() {
            let topic = SurveyTemplates.topics[combo / stems.count], stem = stems[combo % stems.count]
            let direction = (0..<d).map { _ in Double(rng.nextNormal()) / Double(d).squareRoot() }
            let offset = 0.8 * Double(rng.nextNormal())
            let k = stem.options.count
            let positions = (0..<k).map { 2 * Double($0) / Double(k - 1) - 1 }
            var selections: [String: [Double]] = [:]
            for (g, group) in groups.enumerated() {
                var dot = offset
                for j in 0..<d { dot += traits[g][j] * direction[j] }
                let lean = groups.count > 1 ? 2 * Double(g) / Double(groups.count - 1) - 1 : 0
                let ideal = (1 - groupLean) * Foundation.tanh(dot) + groupLean * lean
                let logits = positions.map { x in -sharpness * (x - ideal) * (x - ideal) + noise * Double(rng.nextNormal()) }
                selections[group] = Self.softmax(logits)
            }
            let text = stem.text.replacingOccurrences(of: "{topic}", with: topic)
            out.append(SurveyQuestion(id: String(format: "q%04d", n + 1), question: Self.capitalized(text),
                                      options: stem.options, selections: selections, source: "synthetic"))
        }
        return Survey(groups: groups, questions: out)
    }

    /// Probabilities from logits, stabilised by the maximum.
    static func softmax(_ logits: [Double]) -> [Double] {
        let m = logits.max() ?? 0
        let e = logits.map { Foundation.exp($0 - m) }
        let s = e.reduce(0, +)
        return e.map { $0 / s }
    }

    /// Upper-cases the first letter (a stem may start with "{topic}").
    static func capitalized(_ s: String) -> String { s.prefix(1).uppercased() + s.dropFirst() }
}
