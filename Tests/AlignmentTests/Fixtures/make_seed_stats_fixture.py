"""Writes seed_stats_cases.json: paired per-seed values (a, b) with SciPy's paired t test (`ttest_rel`, two-sided)
and exact sign test (`binomtest` on the counts of a < b and a > b, ties dropped, p = 1/2, two-sided), the numbers
`repro goqa`, `report` and the demo print. Run with SciPy installed: python3 make_seed_stats_fixture.py"""
import json
import random

from scipy import stats

random.seed(14)
cases = [
    ([0.70, 0.72, 0.74], [0.60, 0.64, 0.62]),
    ([1, 2, 3, 5], [2, 2.5, 3.5, 5.5]),
    ([0.51, 0.49], [0.50, 0.52]),
    ([0.31, 0.29, 0.35, 0.30, 0.33], [0.30, 0.31, 0.30, 0.28, 0.36]),
]
for n in (3, 5, 8, 20):
    a = [random.gauss(0.5, 0.05) for _ in range(n)]
    b = [x - random.gauss(0.01, 0.03) for x in a]
    cases.append((a, b))

out = []
for a, b in cases:
    t = stats.ttest_rel(a, b)
    d = [x - y for x, y in zip(a, b)]
    below, above = sum(x < 0 for x in d), sum(x > 0 for x in d)
    sign = stats.binomtest(below, below + above, 0.5).pvalue if below + above else 1.0
    out.append({"a": a, "b": b, "t": float(t.statistic), "t_test_p": float(t.pvalue), "below": below, "above": above,
                "sign_test_p": float(sign)})
with open("seed_stats_cases.json", "w") as f:
    json.dump({"scipy": __import__("scipy").__version__, "cases": out}, f, indent=1)
