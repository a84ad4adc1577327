import FuzzSupport
import Foundation
import Datasets

// One input: the text of a Python literal (GlobalOpinionQA's `selections` / `options` cells).
runFuzzer { bytes in _ = try? PythonLiteral.parse(String(decoding: bytes, as: UTF8.self)) }
