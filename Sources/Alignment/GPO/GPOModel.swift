import Foundation
import Datasets
import Autograd
import Models
import Training
import TensorCore

/// Group Preference Optimization's in-context predictor (ALGORITHMS.md §7): a small transformer over points
/// [e(question, option); share], context points carrying the group's true share and target points 0. Each point
/// is standardised, projected to d_model, passed through blocks whose attention looks at context points only,
/// and read out as one scalar; a question's prediction is the softmax of its options' scalars.
public final class GPOModel: Module {
    /// The architecture.
    public let config: GPOConfig
    /// Per-feature mean of the embeddings, subtracted before the projection (C).
    public let embeddingMean: Tensor
    /// Per-feature standard deviation of the embeddings, divided out before the projection (C).
    public let embeddingStd: Tensor
    let input: Linear
    let blocks: [GPOBlock]
    let lnF: LayerNorm
    let head: Linear
    /// σ's head (learned-sigma models only).
    let sigmaHead: Linear?

    /// A freshly initialised model; `mean` and `std` (C each) standardise the embeddings.
    public init(_ config: GPOConfig, mean: [Float], std: [Float], seed: UInt64 = 0) throws {
        try config.validate()
        let c = config.embeddingDimension
        guard mean.count == c, std.count == c, std.allSatisfy({ $0 > 0 && $0.isFinite }) else {
            throw AlignmentError.invalidInput("GPO: need \(c) means and \(c) positive standard deviations, got \(mean.count) and \(std.count)")
        }
        self.config = config
        embeddingMean = Tensor(shape: [c], mean)
        embeddingStd = Tensor(shape: [c], std)
        var rng = SeededGenerator(seed: seed)
        input = Linear(c + 1, config.dModel, std: 1 / Float(c + 1).squareRoot(), rng: &rng)
        blocks = (0..<config.layers).map { _ in
            GPOBlock(dModel: config.dModel, heads: config.heads, layers: config.layers, rng: &rng)
        }
        lnF = LayerNorm(config.dModel, eps: 1e-5)
        head = Linear(config.dModel, 1, std: 1 / Float(config.dModel).squareRoot(), rng: &rng)
        sigmaHead = config.likelihood == .learnedSigma
            ? Linear(config.dModel, 1, std: 1 / Float(config.dModel).squareRoot(), rng: &rng) : nil
    }

    /// Parameters under stable names (the safetensors keys).
    public var namedParameters: [(String, Variable)] {
        var out = input.scoped("input")
        for (i, b) in blocks.enumerated() { out += b.scoped("h.\(i)") }
        return out + lnF.scoped("ln_f") + head.scoped("head") + (sigmaHead?.scoped("sigma_head") ?? [])
    }

    /// points: (N, C + 1) with the first `contextCount` rows the context -> one raw scalar per point (N).
    public func pointScores(_ points: Tensor, contextCount: Int) throws -> Variable {
        let c = config.embeddingDimension
        guard points.shape.count == 2, points.shape[1] == c + 1 else {
            throw AlignmentError.invalidInput("GPO points have shape \(points.shape); expected (N, \(c + 1))")
        }
        return try head(features(points, contextCount: contextCount)).reshaped([points.shape[0]])
    }

    /// The last blocks' normalised features of every point, (N, d_model).
    func features(_ points: Tensor, contextCount: Int) throws -> Variable {
        let c = config.embeddingDimension
        guard points.shape.count == 2, points.shape[1] == c + 1 else {
            throw AlignmentError.invalidInput("GPO points have shape \(points.shape); expected (N, \(c + 1))")
        }
        var x = try input(Variable(standardised(points)))
        for block in blocks { x = try block(x, contextCount: contextCount) }
        return try lnF(x)
    }

    /// Smallest σ of the learned-sigma likelihood, so a confident prediction cannot drive the loss to −∞.
    public static let minimumSigma: Float = 1e-3

    /// The predicted distributions of the targets and, for learned-sigma models, σ of every target point
    /// (σ = 1e-3 + softplus(head)), both (T).
    public func targetPredictionsAndSigmas(_ episode: GPOEpisode) throws -> (mean: Variable, sigma: Variable?) {
        let n = episode.points.shape[0]
        let f = try features(episode.points, contextCount: episode.contextCount).sliced(axis: 0, range: episode.contextCount..<n)
        let scores = try head(f).reshaped([n - episode.contextCount])
        var parts: [Variable] = [], start = 0
        for k in episode.targetSizes {
            parts.append(try scores.sliced(axis: 0, range: start..<start + k).softmax())
            start += k
        }
        let mean = try Variable.concat(parts, axis: 0)
        guard let sigmaHead else { return (mean, nil) }
        let raw = try sigmaHead(f).reshaped([n - episode.contextCount])
        return (mean, raw.softplus() + Self.minimumSigma)
    }

    /// The predicted distributions of an episode's targets, concatenated: per target question, the softmax of
    /// its options' scalars. (T) with T = Σ targetSizes.
    public func targetPredictions(_ episode: GPOEpisode) throws -> Variable {
        let n = episode.points.shape[0]
        let scores = try pointScores(episode.points, contextCount: episode.contextCount)
            .sliced(axis: 0, range: episode.contextCount..<n)
        var parts: [Variable] = [], start = 0
        for k in episode.targetSizes {
            parts.append(try scores.sliced(axis: 0, range: start..<start + k).softmax())
            start += k
        }
        return try Variable.concat(parts, axis: 0)
    }

    /// `mse`: the mean squared error between predicted and true target shares — the negative log-likelihood of a
    /// Gaussian with fixed variance around the prediction, up to scale and a constant. `learned-sigma`: the mean
    /// over target points of the Gaussian negative log-likelihood (y − μ)²/(2σ²) + log σ + ½ log 2π. Scalar.
    public func loss(_ episode: GPOEpisode) throws -> Variable {
        let truth = Variable(Tensor(shape: [episode.targetShares.count], episode.targetShares))
        let (mean, sigma) = try targetPredictionsAndSigmas(episode)
        guard let sigma else { return try (mean - truth).pow(2).mean() }
        let z = try (mean - truth) / sigma
        return try (z.pow(2) * 0.5 + sigma.log() + 0.5 * Float(Foundation.log(2 * Double.pi))).mean()
    }

    /// The predicted distribution of every target question, without a graph.
    public func predict(_ episode: GPOEpisode) throws -> [[Float]] {
        let flat = try withNoGrad { try targetPredictions(episode) }.value.scalars
        var out: [[Float]] = [], start = 0
        for k in episode.targetSizes { out.append(Array(flat[start..<start + k])); start += k }
        return out
    }

    /// The points with the embedding columns standardised; the share column is left as it is.
    func standardised(_ points: Tensor) -> Tensor {
        var out = points.copy()
        let c = config.embeddingDimension, n = points.shape[0]
        embeddingMean.withUnsafeBufferPointer { mean in
            embeddingStd.withUnsafeBufferPointer { std in
                out.withUnsafeMutableBufferPointer { p in
                    for row in 0..<n {
                        let base = row * (c + 1)
                        for j in 0..<c { p[base + j] = (p[base + j] - mean[j]) / std[j] }
                    }
                }
            }
        }
        return out
    }
}
