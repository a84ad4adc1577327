"""Writes goqa_sample.csv, a made-up file in the exact format of Anthropic/llm_global_opinions' global_opinions.csv
(pandas-style CSV with minimal quoting; `selections` = str() of a defaultdict(list); `options` = str() of a Python
list) sized for `repro goqa`'s test: the paper's five countries answer 30/30/20/20/10 questions (so the per-country
80/10/10 split is 24/3/3, 24/3/3, 16/2/2, 16/2/2, 8/1/1 pairs), with the real file's oddities: 0-10 scales whose
options mix strings and floats, int options, `Refused`/`DK` options, multi-line questions, quotes and commas inside
option text, another country with a comma in its name, and one row that cannot be read (a cut-off options list),
which the import skips and reports. Run: python3 make_goqa_sample.py"""
import csv
import io
import random
from collections import defaultdict

random.seed(7)
IND = "India (Current national sample)"
KOREA = "Korea, Republic of"
answered = {"Nigeria": 30, "Egypt": 30, IND: 20, "China": 20, "Japan": 10}

option_sets = [
    ["Yes", "No", "Refused"],
    ["Very good", "Somewhat good", "Somewhat bad", "Very bad", "DK/Refused"],
    ["Agree, \"mostly\"", "Disagree", "Don't know"],
    ["Not important at all"] + [float(i) for i in range(1, 10)] + ["Very important"],
    [1, 2, 3, 4, "DK", "Refused"],
    ["Better off", "Worse off", "About the same"],
]
topics = ["the national economy", "religion in public life", "the free press", "foreign aid", "the environment",
          "trust in neighbours", "the courts", "the military", "local government", "science"]


def shares(k):
    w = [random.random() ** 2 for _ in range(k)]
    s = sum(w)
    return [round(x / s, 3) for x in w]


rows = []
for i in range(30):
    topic = topics[i % len(topics)]
    q = f"Question {i + 1}: how do you view {topic}?"
    if i % 7 == 3:
        q = f"Question {i + 1}: thinking about {topic}, would you say\n(read the options aloud) that things are going well?"
    options = option_sets[i % len(option_sets)]
    sel = defaultdict(list)
    for country, n in answered.items():
        if i < n:
            sel[country] = shares(len(options))
    if i % 4 == 0:
        sel[KOREA] = shares(len(options))
    rows.append([q, str(sel), str(options), "WVS" if i % 2 else "GAS"])

buf = io.StringIO()
w = csv.writer(buf, lineterminator="\n")
w.writerow(["question", "selections", "options", "source"])
w.writerows(rows[:12])
w.writerow(["A broken row with a cut-off list", str(defaultdict(list, {"Nigeria": [0.5, 0.5]})), "['Yes', 'No'", "GAS"])
w.writerows(rows[12:])
with open("goqa_sample.csv", "w", encoding="utf-8", newline="") as f:
    f.write(buf.getvalue())
