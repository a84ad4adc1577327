import Foundation

/// Builds the self-contained HTML report of one or more training runs: inline SVG charts (per-group eval loss,
/// group weights α, worst-group loss across methods, per-group reward accuracy), tables of the final metrics
/// and the run configurations. The markup is well-formed XHTML, so XML tools can read it too.
public enum ReportBuilder {
    /// The page for `runs` (at least one), with optional extra tables after the comparison.
    public static func html(runs: [RunData], title: String = "TinyAlign report", tables: [ReportTable] = [],
                            tablesHeading: String = "The seed papers' other systems") -> String {
        let labels = self.labels(runs)
        var body = "<h1>\(Markup.escape(title))</h1>"
        body += "<p class=\"subtitle\">\(runs.count) run\(runs.count == 1 ? "" : "s"): "
            + zip(labels, runs).map { "\(Markup.escape($0)) (\(Markup.escape($1.directory.path)))" }.joined(separator: " · ")
            + "</p>"
        body += "<h2>Comparison</h2>" + summaryTable(runs, labels: labels)
        body += "<div class=\"grid\" style=\"margin-top: 18px\">"
        body += card("Worst-group eval loss over training (validation split)", worstGroupChart(runs, labels: labels),
                     note: pairsNote(runs.first?.eval.last, groups: runs.first?.groups ?? [], split: "validation"))
        let finalSplits = Set(runs.map(finalSplit))
        body += card("Per-group reward accuracy, final evaluation (\(finalSplits.sorted().joined(separator: " / ")) split)",
                     accuracyChart(runs, labels: labels),
                     note: "From eval.json, or the last eval line when a run has none. "
                        + pairsNote(runs.first?.final, groups: runs.first?.groups ?? [], split: finalSplits.sorted().joined(separator: " / ")))
        body += "</div>"
        if !tables.isEmpty {
            body += "<h2>\(Markup.escape(tablesHeading))</h2><div class=\"grid\">" + tables.map(\.html).joined() + "</div>"
        }
        for (run, label) in zip(runs, labels) { body += runSection(run, label: label) }
        return "<!DOCTYPE html>\n<html xmlns=\"http://www.w3.org/1999/xhtml\" lang=\"en\"><head><meta charset=\"utf-8\"/>"
            + "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"/>"
            + "<title>\(Markup.escape(title))</title><style>\(ReportStyle.css)</style></head>"
            + "<body><main>\(body)</main></body></html>\n"
    }

    /// Writes the page to `url` atomically (temporary file + rename).
    public static func write(runs: [RunData], to url: URL, title: String = "TinyAlign report", tables: [ReportTable] = [],
                             tablesHeading: String = "The seed papers' other systems") throws {
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        try Data(html(runs: runs, title: title, tables: tables, tablesHeading: tablesHeading).utf8).write(to: url, options: .atomic)
    }

    /// The split a run's final numbers come from: eval.json's `split`, else the validation split of the eval lines.
    static func finalSplit(_ run: RunData) -> String { run.finalEval != nil ? (run.finalSplit ?? "test") : "validation" }

    /// "Pairs per group (validation split): A 160, B 80" from a record's `group/<g>/pairs`; "" when it has none.
    static func pairsNote(_ record: MetricRecord?, groups: [String], split: String) -> String {
        guard let record else { return "" }
        let counts = groups.compactMap { g in record["group/\(g)/pairs"].map { "\(g) \(Int($0))" } }
        return counts.isEmpty ? "" : "Pairs per group (\(split) split): " + counts.joined(separator: ", ") + "."
    }

    /// Method names, made unique with the folder name where two runs share a method.
    static func labels(_ runs: [RunData]) -> [String] {
        runs.map { run in
            runs.filter { $0.method == run.method }.count > 1 ? "\(run.method) (\(run.directory.lastPathComponent))" : run.method
        }
    }

    /// Worst-group loss of a record: `worst_group/loss`, else the largest `group/<g>/loss`.
    static func worstLoss(_ r: MetricRecord, groups: [String]) -> Double? {
        r["worst_group/loss"] ?? groups.compactMap { r["group/\($0)/loss"] }.max()
    }

    /// The group with the largest final loss (else the lowest reward accuracy).
    static func worstGroup(_ r: MetricRecord, groups: [String]) -> String? {
        let losses = groups.compactMap { g in r["group/\(g)/loss"].map { (g, $0) } }.filter { $0.1.isFinite }
        if let w = losses.max(by: { $0.1 < $1.1 }) { return w.0 }
        let accs = groups.compactMap { g in r["group/\(g)/rewards/accuracies"].map { (g, $0) } }.filter { $0.1.isFinite }
        return accs.min(by: { $0.1 < $1.1 })?.0
    }

    static func card(_ title: String, _ content: String, note: String? = nil) -> String {
        "<div class=\"card\"><h3>\(Markup.escape(title))</h3>\(content)"
            + (note.map { "<p class=\"note\">\(Markup.escape($0))</p>" } ?? "") + "</div>"
    }

    static func worstGroupChart(_ runs: [RunData], labels: [String]) -> String {
        let series = zip(runs, labels).map { run, label in
            ChartSeries(name: label, points: run.eval.compactMap { r in worstLoss(r, groups: run.groups).map { (Double(r.step), $0) } })
        }
        return LineChart(metric: "worst-group-loss", title: "Worst-group eval loss", xLabel: "step",
                         yLabel: "worst-group loss", series: series).svg()
    }

    static func accuracyChart(_ runs: [RunData], labels: [String]) -> String {
        var groups: [String] = []
        for run in runs { for g in run.groups where !groups.contains(g) { groups.append(g) } }
        let series = zip(runs, labels).map { run, label in
            (name: label, values: groups.map { g in run.final?["group/\(g)/rewards/accuracies"] })
        }
        return BarChart(metric: "group-reward-accuracy", title: "Per-group reward accuracy", yLabel: "reward accuracy",
                        categories: groups, series: series, yMax: 1).svg()
    }

    /// One row per run with the final overall and worst-group numbers; the best worst-group values are marked.
    static func summaryTable(_ runs: [RunData], labels: [String]) -> String {
        let columns: [(String, (RunData) -> Double?, Bool)] = [       // header, value, higher is better
            ("worst-group loss", { r in r.final.flatMap { worstLoss($0, groups: r.groups) } }, false),
            ("worst-group reward acc.", { $0.final?["worst_group/rewards/accuracies"] }, true),
            ("average loss", { $0.final?["average/loss"] }, false),
            ("average reward acc.", { $0.final?["average/rewards/accuracies"] }, true),
            ("reward acc.", { $0.final?["rewards/accuracies"] }, true),
            ("log-prob acc.", { $0.final?["logps/accuracies"] }, true),
        ]
        var s = "<div class=\"card\"><table><thead><tr><th>method</th><th>split</th><th>final step</th><th>worst group</th>"
        s += columns.map { "<th>\(Markup.escape($0.0))</th>" }.joined() + "</tr></thead><tbody>"
        let best = columns.map { col -> Double? in
            let vs = runs.compactMap { col.1($0) }.filter(\.isFinite)
            return runs.count > 1 ? (col.2 ? vs.max() : vs.min()) : nil
        }
        for (run, label) in zip(runs, labels) {
            let worst = run.final.flatMap { worstGroup($0, groups: run.groups) } ?? "–"
            s += "<tr><td>\(Markup.escape(label))</td><td>\(Markup.escape(finalSplit(run)))</td><td>\(run.final.map { String($0.step) } ?? "–")</td>"
                + "<td>\(Markup.escape(worst))</td>"
            for (c, col) in columns.enumerated() {
                let v = col.1(run)
                let isBest = v != nil && v == best[c]
                s += "<td\(isBest ? " class=\"best\"" : "")>\(Markup.fixed(v, 4))</td>"
            }
            s += "</tr>"
        }
        return s + "</tbody></table></div>"
    }

    static func runSection(_ run: RunData, label: String) -> String {
        var s = "<h2>\(Markup.escape(label))</h2><div class=\"grid\">"
        // Every run logs `loss` on its train lines (and eval lines when it has held-out data), whatever it trains.
        let lossSeries = [
            ChartSeries(name: "train", points: run.train.compactMap { r in r["loss"].map { (Double(r.step), $0) } }),
            ChartSeries(name: "eval", points: run.eval.compactMap { r in r["loss"].map { (Double(r.step), $0) } }),
        ].filter { !$0.points.isEmpty }
        if !lossSeries.isEmpty {
            s += card("Training loss", LineChart(metric: "training-loss", title: "\(label): loss", xLabel: "step",
                                                 yLabel: "loss", series: lossSeries).svg(run: label))
        }
        if run.eval.isEmpty {
            s += card("Per-group eval loss", "<p class=\"note\">No eval lines in metrics.jsonl.</p>")
        } else {
            let series = run.groups.map { g in
                ChartSeries(name: g, points: run.eval.compactMap { r in r["group/\(g)/loss"].map { (Double(r.step), $0) } })
            }
            s += card("Per-group eval loss (validation split)", LineChart(metric: "group-eval-loss", title: "\(label): per-group eval loss",
                                                       xLabel: "step", yLabel: "eval loss", series: series).svg(run: label),
                      note: pairsNote(run.eval.last, groups: run.groups, split: "validation"))
        }
        s += logProbCards(run, label: label)
        s += samplesCards(run, label: label)
        if run.hasAlpha {
            let series = run.groups.map { g in
                ChartSeries(name: g, points: run.train.compactMap { r in r["alpha/\(g)"].map { (Double(r.step), $0) } })
            }
            s += card("Group weights α", LineChart(metric: "alpha", title: "\(label): group weights α", xLabel: "step",
                                                   yLabel: "α", series: series, yInclude: [0]).svg(run: label),
                      note: (run.method.hasPrefix("gr-")
                        ? "Mirror-ascent weights of the robust objective; the worst groups gain weight."
                        : "Fixed weights: each group's share of the data (uniform) or 1/K (importance weighting).")
                        + (coincide(series) ? " Every group has the same weight, so their lines lie on top of each other (the last drawn shows)." : ""))
        }
        s += card("Final per-group metrics (\(finalSplit(run)) split)", groupTable(run),
                  note: run.finalEval != nil ? "From eval.json." : "From the last eval line of metrics.jsonl.")
        s += card("Run configuration", configTable(run))
        return s + "</div>"
    }

    /// Rows = groups; the worst group's row is highlighted.
    static func groupTable(_ run: RunData) -> String {
        guard let final = run.final else { return "<p class=\"note\">No evaluation recorded.</p>" }
        let lastAlpha = run.train.last { r in r.values.keys.contains { $0.hasPrefix("alpha/") } }
        let worst = worstGroup(final, groups: run.groups)
        let hasPairs = run.groups.contains { final["group/\($0)/pairs"] != nil }
        var s = "<table><thead><tr><th>group</th>" + (hasPairs ? "<th>pairs</th>" : "")
            + "<th>loss</th><th>reward acc.</th><th>log-prob acc.</th><th>logps/chosen</th>"
            + (lastAlpha != nil ? "<th>α</th>" : "") + "</tr></thead><tbody>"
        for g in run.groups {
            let isWorst = g == worst
            s += "<tr\(isWorst ? " class=\"worst\"" : "")><td>\(Markup.escape(g))"
                + (isWorst ? "<span class=\"tag\">worst</span>" : "") + "</td>"
                + (hasPairs ? "<td>\(final["group/\(g)/pairs"].map { String(Int($0)) } ?? "–")</td>" : "")
                + "<td>\(Markup.fixed(final["group/\(g)/loss"], 4))</td>"
                + "<td>\(Markup.fixed(final["group/\(g)/rewards/accuracies"], 4))</td>"
                + "<td>\(Markup.fixed(final["group/\(g)/logps/accuracies"], 4))</td>"
                + "<td>\(Markup.fixed(final["group/\(g)/logps/chosen"], 4))</td>"
                + (lastAlpha.map { "<td>\(Markup.fixed($0["alpha/\(g)"], 4))</td>" } ?? "") + "</tr>"
        }
        s += "<tr><td>average</td>" + (hasPairs ? "<td>\(final["pairs"].map { String(Int($0)) } ?? "–")</td>" : "")
            + "<td>\(Markup.fixed(final["average/loss"], 4))</td>"
            + "<td>\(Markup.fixed(final["average/rewards/accuracies"], 4))</td><td>–</td>"
            + "<td>\(Markup.fixed(final["logps/chosen"], 4))</td>"
            + (lastAlpha != nil ? "<td>–</td>" : "") + "</tr>"
        return s + "</tbody></table>"
    }

    /// Whether every series has the same points (IS-DPO's equal α): the lines would hide each other.
    static func coincide(_ series: [ChartSeries]) -> Bool {
        guard series.count > 1, let first = series.first else { return false }
        return series.allSatisfy { s in s.points.count == first.points.count && zip(s.points, first.points).allSatisfy { $0.y == $1.y } }
    }

    /// Log-probabilities and implicit rewards of the chosen and rejected responses over training (validation
    /// split): DPO can push both log-probs down while the margin grows, the "chosen reward falls" effect.
    static func logProbCards(_ run: RunData, label: String) -> String {
        guard run.eval.contains(where: { $0["logps/chosen"] != nil }) else { return "" }
        func series(_ keys: [String]) -> [ChartSeries] {
            keys.map { k in ChartSeries(name: k, points: run.eval.compactMap { r in r[k].map { (Double(r.step), $0) } }) }
        }
        return card("Log-probs of chosen and rejected (validation split)",
                    LineChart(metric: "logps", title: "\(label): logps/chosen and logps/rejected", xLabel: "step", yLabel: "log-prob",
                              series: series(["logps/chosen", "logps/rejected"])).svg(run: label),
                    note: "Summed over response tokens. When both fall, the model may stop producing the chosen answers.")
            + card("Rewards of chosen and rejected (validation split)",
                   LineChart(metric: "rewards", title: "\(label): rewards", xLabel: "step", yLabel: "β · log-ratio",
                             series: series(["rewards/chosen", "rewards/rejected", "rewards/margins"]), yInclude: [0]).svg(run: label))
    }

    /// Samples during evaluation: per group, how often the greedy answer is the chosen response over training, and
    /// the last evaluation's answers.
    static func samplesCards(_ run: RunData, label: String) -> String {
        guard run.eval.contains(where: { $0["greedy/chosen"] != nil }) else { return "" }
        let series = run.groups.map { g in
            ChartSeries(name: g, points: run.eval.compactMap { r in r["group/\(g)/greedy/chosen"].map { (Double(r.step), $0) } })
        }
        var s = card("Greedy answer = chosen response (validation split)",
                     LineChart(metric: "greedy-chosen", title: "\(label): share of greedy answers that are the chosen response",
                               xLabel: "step", yLabel: "share", series: series, yInclude: [0, 1]).svg(run: label),
                     note: "On survey data the chosen response is the group's preferred option. "
                        + pairsNote(run.eval.last, groups: run.groups, split: "validation"))
        guard let last = run.samples.map(\.step).max() else { return s }
        var rows = "<table><thead><tr><th>group</th><th>prompt</th><th>greedy answer</th><th>chosen</th></tr></thead><tbody>"
        for sample in run.samples where sample.step == last {
            let prompt = sample.prompt.split(separator: "\n").first.map(String.init) ?? sample.prompt
            rows += "<tr\(sample.answersChosen ? "" : " class=\"worst\"")><td>\(Markup.escape(sample.group))</td>"
                + "<td>\(Markup.escape(prompt))</td><td><code>\(Markup.escape(sample.answer.isEmpty ? "(nothing)" : sample.answer))</code></td>"
                + "<td><code>\(Markup.escape(sample.chosen))</code></td></tr>"
        }
        s += card("Samples at step \(last) (validation prompts, greedy)", rows + "</tbody></table>",
                  note: "Highlighted rows: the answer is not the chosen response. All answers: samples.jsonl.")
        return s
    }

    static func configTable(_ run: RunData) -> String {
        var s = "<table class=\"config\"><tbody>"
        s += "<tr><th>folder</th><td>\(Markup.escape(run.directory.path))</td></tr>"
        for setting in run.settings {
            s += "<tr><th>\(Markup.escape(setting.key))</th><td>\(Markup.escape(setting.value))</td></tr>"
        }
        return s + "</tbody></table>"
    }
}
