import Alignment
import Autograd
import Foundation
import Report
import TensorCore

/// `tinyalign repro bandit`: the GRPO paper's synthetic experiment (ALGORITHMS.md §5) — a log-linear policy over
/// 8 actions and 2 groups, trained full-batch with DPO / IS-DPO / GR-DPO and IPO / IS-IPO / GR-IPO through
/// TinyAlign's own losses and group weightings, in the three settings of the reference code's scripts, over
/// several seeds. Every method of one seed sees the same pairs, test states and θ₀, so methods compare paired.
public struct BanditRepro {
    /// The three settings of the reference code's reproduce scripts.
    public enum Setting: String, CaseIterable, Codable, Sendable {
        /// 60/240 pairs; both groups compare two distinct actions drawn uniformly.
        case evenImbalanced = "even-imbalanced"
        /// 150/150 pairs; group 0 compares adjacent actions, group 1 opposite ones.
        case unevenBalanced = "uneven-balanced"
        /// 60/240 pairs; group 0 compares adjacent actions, group 1 opposite ones.
        case unevenImbalanced = "uneven-imbalanced"

        /// Training pairs of group 0 and group 1.
        public var groupSizes: [Int] { self == .unevenBalanced ? [150, 150] : [60, 240] }
        /// Whether the groups compare different kinds of action pairs.
        public var uneven: Bool { self != .evenImbalanced }
    }

    /// Settings to run.
    public var settings = Setting.allCases
    /// Methods to run (`[is-|gr-]dpo|ipo`).
    public var methods = ["dpo", "is-dpo", "gr-dpo", "ipo", "is-ipo", "gr-ipo"]
    /// Seeds 0..<seeds.
    public var seeds = 5
    /// Full-batch iterations (the reference scripts: 10 000).
    public var iterations = 10_000
    /// Iterations between validation evaluations.
    public var evalEvery = 50
    /// η_θ of plain gradient descent on θ.
    public var lr: Float = 0.9
    /// η_α of the GR methods.
    public var etaAlpha: Float = 0.5
    /// β of the DPO family.
    public var dpoBeta: Float = 1
    /// β of the IPO family.
    public var ipoBeta: Float = 0.1
    /// Validation pairs per group and test states.
    public var validationPerGroup = 500, testStates = 1000

    /// The defaults of the reference scripts (5 seeds instead of the paper's 20).
    public init() {}

    /// One (setting, method, seed) run.
    public struct Run: Codable, Equatable, Sendable {
        /// Setting, method and seed.
        public var setting: String, method: String, seed: Int
        /// Iterations of the evaluations.
        public var steps: [Int]
        /// max_g of the mean validation loss of group g, at each evaluation.
        public var maxValidationGroupLoss: [Double]
        /// Each group's validation loss at the end.
        public var finalGroupLosses: [Double]
        /// max_g (r*_g − r_g(π̂)) / r*_g on the test states at the end.
        public var maxRewardError: Double
        /// Group weights at the end (α for GR methods; the fixed weights otherwise).
        public var finalAlpha: [Double]
        /// θ at the end.
        public var theta: [Double]
    }

    /// One seed's world: pairs, validation pairs, test states and θ₀.
    struct World {
        var train: [(delta: [Float], group: Int)]
        var validation: [(delta: [Float], group: Int)]
        var states: [(Double, Double)]
        var theta0: [Float]
    }

    /// φ(x, a, g) with u = a/8 + 1: group 0 [u cos πx₁, sin πx₁ / u, u cos πx₂, sin πx₂ / u], group 1 swaps each pair.
    public static func features(x: (Double, Double), action: Int, group: Int) -> [Double] {
        let u = Double(action) / 8 + 1
        let (c1, s1) = (cos(Double.pi * x.0), sin(Double.pi * x.0))
        let (c2, s2) = (cos(Double.pi * x.1), sin(Double.pi * x.1))
        return group == 0 ? [u * c1, s1 / u, u * c2, s2 / u] : [s1 / u, u * c1, s2 / u, u * c2]
    }

    /// The true reward parameters θ*_g.
    public static func trueTheta(_ group: Int) -> [Double] { group == 0 ? [1, 3, 1, 3] : [3, 1, 3, 1] }

    static func dot(_ a: [Double], _ b: [Double]) -> Double { zip(a, b).map(*).reduce(0, +) }

    /// `count` pairs of `group`, labelled by the higher true reward, as Δ = φ(chosen) − φ(rejected).
    static func pairs(group: Int, count: Int, uneven: Bool, rng: inout SeededGenerator) -> [(delta: [Float], group: Int)] {
        (0..<count).map { _ in
            let x = (rng.nextUniformDouble(), rng.nextUniformDouble())
            let a1 = rng.nextInt(below: 8)
            var a2: Int
            if !uneven {
                a2 = rng.nextInt(below: 7)
                if a2 >= a1 { a2 += 1 }
            } else if group == 0 {
                a2 = a1 + (rng.nextInt(below: 2) == 0 ? -1 : 1)
                if a2 < 0 { a2 = 1 }
                if a2 > 7 { a2 = 6 }
            } else {
                a2 = (a1 + 4) % 8
            }
            let f1 = features(x: x, action: a1, group: group), f2 = features(x: x, action: a2, group: group)
            let (w, l) = dot(trueTheta(group), f1) >= dot(trueTheta(group), f2) ? (f1, f2) : (f2, f1)
            return (zip(w, l).map { Float($0 - $1) }, group)
        }
    }

    func world(_ setting: Setting, seed: Int) -> World {
        var rng = SeededGenerator(seed: 1000 &* UInt64(seed) &+ 14)
        let sizes = setting.groupSizes
        let train = Self.pairs(group: 0, count: sizes[0], uneven: setting.uneven, rng: &rng)
            + Self.pairs(group: 1, count: sizes[1], uneven: setting.uneven, rng: &rng)
        let validation = Self.pairs(group: 0, count: validationPerGroup, uneven: setting.uneven, rng: &rng)
            + Self.pairs(group: 1, count: validationPerGroup, uneven: setting.uneven, rng: &rng)
        let states = (0..<testStates).map { _ in (rng.nextUniformDouble(), rng.nextUniformDouble()) }
        let theta0 = (0..<4).map { _ in 5 * rng.nextUniform() }
        return World(train: train, validation: validation, states: states, theta0: theta0)
    }

    /// Per group (r*_g − r_g(π̂)) / r*_g: the true reward of the policy's argmax action against the best action's,
    /// averaged over the test states.
    public static func rewardErrors(theta: [Double], states: [(Double, Double)]) -> [Double] {
        (0..<2).map { g in
            var best = 0.0, chosen = 0.0
            for x in states {
                let phis = (0..<8).map { features(x: x, action: $0, group: g) }
                let truth = phis.map { dot(trueTheta(g), $0) }
                let pick = phis.indices.max { dot(theta, phis[$0]) < dot(theta, phis[$1]) }!
                best += truth.max()!
                chosen += truth[pick]
            }
            return (best - chosen) / best
        }
    }

    /// The pair batch whose margin is Δθ (uniform reference): policyChosen = Δθ, everything else 0.
    static func batch(_ delta: Tensor, theta: Variable) throws -> PairLogProbs {
        let n = delta.shape[0]
        let h = try Variable.matmul(Variable(delta), theta.reshaped([4, 1])).reshaped([n])
        let zeros = Tensor.zeros([n])
        return PairLogProbs(policyChosen: h, policyRejected: Variable(zeros), referenceChosen: zeros, referenceRejected: zeros)
    }

    /// Trains one method on one seed's world.
    public func run(setting: Setting, method: String, seed: Int) throws -> Run {
        let w = world(setting, seed: seed)
        var config = AlignConfig()
        config.method = method
        config.beta = GroupWeightings.baseName(of: method) == "ipo" ? ipoBeta : dpoBeta
        config.etaAlpha = etaAlpha
        let loss = try PreferenceLosses.loss(for: config)
        var weighting = try GroupWeightings.weighting(for: config, groupSizes: setting.groupSizes)
        let trainDelta = Tensor(shape: [w.train.count, 4], w.train.flatMap(\.delta)), groups = w.train.map(\.group)
        let validDelta = Tensor(shape: [w.validation.count, 4], w.validation.flatMap(\.delta))
        let validGroups = w.validation.map(\.group)
        var theta = Variable(Tensor(shape: [4], w.theta0), requiresGrad: true)
        var steps: [Int] = [], worst: [Double] = [], groupLosses: [Double] = []
        func evaluate(_ step: Int) throws {
            let v = try withNoGrad { try loss.perPairLoss(Self.batch(validDelta, theta: theta)) }.value.scalars
            var sum = [0.0, 0.0], count = [0.0, 0.0]
            for (l, g) in zip(v, validGroups) { sum[g] += Double(l); count[g] += 1 }
            groupLosses = zip(sum, count).map { $0 / $1 }
            steps.append(step)
            worst.append(groupLosses.max()!)
        }
        try evaluate(0)
        for step in 1...iterations {
            let objective = try weighting.objective(losses: try loss.perPairLoss(Self.batch(trainDelta, theta: theta)), groups: groups)
            objective.backward()
            var t = theta.value
            t.add(theta.grad!, scale: -lr)
            guard t.isFinite else {
                throw AlignmentError.invalidInput("bandit \(setting.rawValue) \(method) seed \(seed): θ diverged at iteration \(step) (lower the learning rate)")
            }
            theta = Variable(t, requiresGrad: true)
            if step % evalEvery == 0 || step == iterations { try evaluate(step) }
        }
        let finalTheta = theta.value.scalars.map(Double.init)
        return Run(setting: setting.rawValue, method: method, seed: seed, steps: steps, maxValidationGroupLoss: worst,
                   finalGroupLosses: groupLosses, maxRewardError: Self.rewardErrors(theta: finalTheta, states: w.states).max()!,
                   finalAlpha: weighting.groupWeights.map(Double.init), theta: finalTheta)
    }

    /// Every run, in setting, method, seed order; `log` gets one line per (setting, method).
    public func runAll(log: (String) -> Void = { _ in }) throws -> [Run] {
        var runs: [Run] = []
        for setting in settings {
            for method in methods {
                let mine = try (0..<seeds).map { try run(setting: setting, method: method, seed: $0) }
                runs += mine
                log(String(format: "%@ %@: final max validation group loss %@, max reward error %@", setting.rawValue, method,
                           SeedStatistics(mine.map { $0.maxValidationGroupLoss.last! }).formatted(),
                           SeedStatistics(mine.map(\.maxRewardError)).formatted()))
            }
        }
        return runs
    }

    /// The summary table of one setting: per method the final max validation group loss, the max reward error and
    /// the final α of group 0 (mean ± std over seeds), and the paired difference of each GR method to its base.
    public static func table(_ runs: [Run], setting: String, methods: [String]) -> ReportTable {
        let mine = runs.filter { $0.setting == setting }
        var rows: [[String]] = []
        for m in methods {
            let r = mine.filter { $0.method == m }
            guard !r.isEmpty else { continue }
            var row = [m, SeedStatistics(r.map { $0.maxValidationGroupLoss.last! }).formatted(),
                       SeedStatistics(r.map(\.maxRewardError)).formatted(),
                       SeedStatistics(r.map { $0.finalAlpha[0] }).formatted(digits: 3)]
            if m.hasPrefix("gr-"), case let base = r.map({ run in mine.first { $0.method == String(m.dropFirst(3)) && $0.seed == run.seed } }),
               base.allSatisfy({ $0 != nil }) {
                let p = SeedStatistics.paired(r.map { $0.maxValidationGroupLoss.last! }, base.map { $0!.maxValidationGroupLoss.last! })
                row.append(String(format: "%+.4f (t %.2f, lower on %d/%d seeds, sign test p %.3f)", p.meanDifference, p.t, p.below,
                                  r.count, p.signTestP))
            } else {
                row.append("–")
            }
            rows.append(row)
        }
        return ReportTable(title: "\(setting): final numbers over \(Set(mine.map(\.seed)).count) seeds (mean ± std)",
                           headers: ["method", "max validation group loss", "max reward error", "final α (group 0)", "GR − base, paired"],
                           rows: rows, note: "Group 0 is the minority in the imbalanced settings and compares adjacent actions in the uneven ones.")
    }

    /// Writes `<out>/runs.json` (every run) and `<out>/report.html` (curves with a band over seeds, the tables,
    /// the paper's claims checked); returns the claims.
    @discardableResult
    public func write(_ runs: [Run], to out: URL) throws -> [Claim] {
        try FileManager.default.createDirectory(at: out, withIntermediateDirectories: true)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        try encoder.encode(runs).write(to: out.appendingPathComponent("runs.json"), options: .atomic)
        var charts: [ReproReport.Chart] = [], tables: [ReportTable] = []
        for setting in settings.map(\.rawValue) {
            let curves = methods.compactMap { m -> ReproReport.Curve? in
                let r = runs.filter { $0.setting == setting && $0.method == m }
                guard let first = r.first else { return nil }
                let columns = first.steps.indices.map { i in SeedStatistics(r.map { $0.maxValidationGroupLoss[i] }) }
                return ReproReport.Curve(name: m, x: first.steps.map(Double.init), mean: columns.map(\.mean),
                                         low: columns.map { $0.mean - $0.std }, high: columns.map { $0.mean + $0.std })
            }
            charts.append(ReproReport.Chart(title: "\(setting): max validation group loss (mean ± std over seeds)",
                                            metric: "bandit-\(setting)", xLabel: "iteration", yLabel: "max group loss",
                                            curves: curves))
            tables.append(Self.table(runs, setting: setting, methods: methods))
        }
        let claims = Self.claims(runs)
        tables.insert(ReportTable(title: "The paper's qualitative claims", headers: ["claim", "holds here"],
                                  rows: claims.map { [$0.text, $0.holds ? "yes" : "no"] },
                                  note: "GRPO paper (Ramesh et al. 2024), synthetic experiment; computed from the runs above."), at: 0)
        try ReproReport.write(title: "GRPO synthetic bandit: \(seeds) seeds, \(iterations) iterations", intro:
            "Log-linear policy over 8 actions and 2 groups, full-batch gradient descent (η_θ \(lr), η_α \(etaAlpha), β \(dpoBeta) for DPO, \(ipoBeta) for IPO), \(validationPerGroup) validation pairs per group, \(testStates) test states.",
            charts: charts, tables: tables, to: out.appendingPathComponent("report.html"))
        return claims
    }

    /// One qualitative result of the paper and whether these runs show it.
    public struct Claim: Codable, Equatable, Sendable {
        /// The claim, with the numbers that decide it.
        public var text: String
        /// Whether it holds in these runs.
        public var holds: Bool
    }

    /// The paper's qualitative results: in each imbalanced setting the GR method has the lowest final max
    /// validation group loss of its family; its advantage over the best other method of its family is smaller in
    /// uneven-balanced than in uneven-imbalanced.
    public static func claims(_ runs: [Run]) -> [Claim] {
        func mean(_ setting: String, _ method: String) -> Double? {
            let r = runs.filter { $0.setting == setting && $0.method == method }
            return r.isEmpty ? nil : SeedStatistics(r.map { $0.maxValidationGroupLoss.last! }).mean
        }
        var out: [Claim] = []
        for family in ["dpo", "ipo"] {
            let members = [family, "is-\(family)", "gr-\(family)"]
            func advantage(_ setting: String) -> Double? {
                guard let gr = mean(setting, "gr-\(family)") else { return nil }
                let others = members.dropLast().compactMap { mean(setting, $0) }
                return others.isEmpty ? nil : others.min()! - gr
            }
            for setting in [Setting.evenImbalanced, .unevenImbalanced].map(\.rawValue) {
                guard let a = advantage(setting) else { continue }
                out.append(Claim(text: "\(setting): gr-\(family) has the lowest max validation group loss of the \(family) family "
                                 + "(margin to the best other \(String(format: "%.4f", a)))", holds: a > 0))
            }
            if let balanced = advantage(Setting.unevenBalanced.rawValue), let imbalanced = advantage(Setting.unevenImbalanced.rawValue) {
                out.append(Claim(text: "gr-\(family)'s advantage shrinks when the groups are balanced (uneven-balanced "
                                 + "\(String(format: "%.4f", balanced)) vs uneven-imbalanced \(String(format: "%.4f", imbalanced)))",
                                 holds: balanced < imbalanced))
            }
        }
        return out
    }
}
