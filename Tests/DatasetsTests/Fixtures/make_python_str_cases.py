"""Writes python_str_cases.json: Python's own str() and repr() of literals, for PythonText.swift to match.

Floats are written in a non-canonical form ("%.17e", so 0.1 reads "1.00000000000000006e-01") so the Swift side must
find the shortest round-trip digits itself, not echo its input. Run with any CPython 3.
"""
import json
import math
import random

rng = random.Random(14)
floats = [0.0, -0.0, 1.0, 2.0, 9.0, 10.0, 0.1, 0.5, 1.5, 100.0, 1e-4, 1e-5, 1.5e-7, 0.00012345, 1e15, 1e16,
          9999999999999998.0, 1.2345678901234567e17, 123456789012345.6, 5e-324, 1.7976931348623157e308,
          -2.5, -1e-10, 1 / 3, 2 / 3, math.pi, 12.0, 1e22, 1e100, 3.14e-300]
floats += [rng.uniform(-1, 1) * 10 ** rng.randint(-8, 20) for _ in range(40)]
floats += [float(rng.randint(0, 10 ** rng.randint(1, 18))) for _ in range(20)]
cases = [{"literal": "%.17e" % x, "str": str(x), "repr": repr(x)} for x in floats]
cases += [{"literal": t, "str": str(v), "repr": repr(v)} for t, v in
          [("nan", float("nan")), ("inf", float("inf")), ("-inf", float("-inf"))]]
ints = [0, 3, -12, 10, 2 ** 62, -(2 ** 63)]
cases += [{"literal": str(n), "str": str(n), "repr": repr(n)} for n in ints]
cases += [{"literal": "1_000", "str": str(1_000), "repr": repr(1_000)}]
strings = ["Yes", "Don't know", 'He said "hi"', "it's \"both\"", "tab\there", "new\nline", "back\\slash",
           "caf\u00e9 \u2014 ok", "bell\x07", "nbsp\u00a0x", "zero\u200bwidth", "emoji \U0001F600", "del\x7f"]
cases += [{"literal": repr(s), "str": str(s), "repr": repr(s)} for s in strings]
mixed = ["Not important at all", 1.0, 2.0, 3, None, True, False, "Very important", 1e16]
cases += [{"literal": repr(mixed), "str": str(mixed), "repr": repr(mixed)}]
with open("python_str_cases.json", "w", encoding="utf-8") as f:
    json.dump(cases, f, indent=1, ensure_ascii=False)
    f.write("\n")
