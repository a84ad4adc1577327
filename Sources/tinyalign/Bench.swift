import ArgumentParser
import Datasets
import Foundation
import Recipes
import Report
import Training

/// `tinyalign bench …`: speed measurements in release builds. Each prints one JSON object per measurement with
/// `ms_median`, `ms_min`, `ms_max` and a rate (`gflops`, `gbps`, `tokens_per_s`, `mb_per_s`).
struct Bench: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Measure speed (release build). Prints one JSON object per measurement.",
        subcommands: [
            BenchGemm.self,
            BenchGemv.self,
            BenchPeak.self,
            BenchOps.self,
            BenchTokenizer.self,
            BenchTrain.self,
            BenchGenerate.self,
            BenchDPO.self,
            BenchDataParallel.self,
        ]
    )
}

/// Wall-clock timing shared by the bench subcommands.
enum Timing {
    /// Milliseconds of each of `iterations` runs of `body`, after `warmup` untimed runs.
    static func measure(warmup: Int = 2, iterations: Int = 10, _ body: () throws -> Void) rethrows -> [Double] {
        for _ in 0..<warmup { try body() }
        var times: [Double] = []
        for _ in 0..<iterations {
            let start = DispatchTime.now().uptimeNanoseconds
            try body()
            times.append(Double(DispatchTime.now().uptimeNanoseconds - start) / 1e6)
        }
        return times
    }

    /// The `ms_median`, `ms_min`, `ms_max` keys for a list of times.
    static func summary(_ times: [Double]) -> [String: Any] {
        let sorted = times.sorted()
        let median = sorted.count % 2 == 1 ? sorted[sorted.count / 2]
                                           : (sorted[sorted.count / 2 - 1] + sorted[sorted.count / 2]) / 2
        return ["ms_median": median, "ms_min": sorted.first ?? 0, "ms_max": sorted.last ?? 0]
    }

    /// Prints one measurement as a single-line JSON object with sorted keys. Every row carries the process's peak RSS so far (`peak_rss_mb`), unless the bench set its own.
    static func emit(_ object: [String: Any]) {
        var object = object
        if object["peak_rss_mb"] == nil { object["peak_rss_mb"] = peakRSSMegabytes() }
        let rounded = object.mapValues { value -> Any in
            if let d = value as? Double { return (d * 1000).rounded() / 1000 }
            return value
        }
        let data = try! JSONSerialization.data(withJSONObject: rounded, options: [.sortedKeys])
        print(String(decoding: data, as: UTF8.self))
    }

    /// Peak resident set size of this process in MB (see `PeakMemory`).
    static func peakRSSMegabytes() -> Double { PeakMemory.residentMegabytes() }
}
