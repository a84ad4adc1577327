import FuzzSupport
import Foundation
@testable import Datasets

// One input: a ranking JSONL file (responses + ranking, or pairs); the implied pairs are derived too.
runFuzzer { bytes in
    for r in (try? RankingExample.decode(Data(bytes), file: URL(fileURLWithPath: "rankings.jsonl"))) ?? [] { _ = r.impliedPairs }
}
