import FuzzSupport
import Foundation
@testable import Datasets

// One input: a preference JSONL file (prompt, chosen, rejected, group, …).
runFuzzer { bytes in _ = try? PreferenceExample.decode(Data(bytes), file: URL(fileURLWithPath: "pairs.jsonl")) }
