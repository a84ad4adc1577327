import FuzzSupport
import Foundation
@testable import TensorCore

// One input: a whole safetensors file. Any outcome but a crash, a sanitizer report or an allocation beyond
// libFuzzer's -rss_limit_mb is fine; structural faults must come back as errors.
runFuzzer { bytes in _ = try? SafeTensors.decode(bytes, path: "fuzz.safetensors") }
