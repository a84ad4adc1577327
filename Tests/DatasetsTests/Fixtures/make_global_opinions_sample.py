"""Writes global_opinions_sample.csv in the exact format of Anthropic/llm_global_opinions' global_opinions.csv:
a pandas-style CSV (minimal quoting) whose `selections` cells are str() of a defaultdict(list) and whose `options`
cells are str() of a Python list. The rows are made up; they exercise the tricky quoting of the real file and its
mixed option lists: the World Values Survey 0-10 scales hold floats (`['Not important at all', 1.0, 2.0, ...]`),
some rows hold ints, `Refused`/`DK` options, multi-line questions, apostrophes and commas inside option text, a
country whose name holds a comma, and two rows that cannot be read (a cut-off list; a missing field), which the
importer must skip and report by line rather than abort."""
import csv
import io
from collections import defaultdict

IND = "India (Current national sample)"


def sel(d):
    out = defaultdict(list)
    out.update(d)
    return str(out)


rows = [
    ("Do you think people in your country are better off today than 50 years ago?",
     sel({"Nigeria": [0.61, 0.22, 0.12, 0.05], "Egypt": [0.2, 0.5, 0.25, 0.05],
          IND: [0.3, 0.2, 0.45, 0.05], "Japan": [0.25, 0.25, 0.4, 0.1]}),
     str(["Better off", "Worse off", "About the same", "Don't know/Refused"]),
     "GAS"),
    ('How much do you agree: "Religion, in general, is good for society"?\n(Read the statement aloud)',
     sel({"Nigeria": [0.7, 0.2, 0.1], IND: [0.1, 0.3, 0.6], "Japan": [0.05, 0.15, 0.8]}),
     str(['Agree, "mostly"', "He said \"it's fine\"", "Disagree"]),
     "WVS"),
    ("Is a free press important to your country's future?",
     sel({"Nigeria": [0.4, 0.6], "Egypt": [0.55, 0.45], "Japan": [0.3, 0.3, 0.4]}),
     str(["Yes", "No"]),
     "GAS"),
    ("Should the government regulate caf\u00e9 culture \u2014 yes or no?",
     sel({"Nigeria": [0.5, 0.5], "Egypt": [float("nan"), 0.5], IND: [0.2, 0.8]}),
     str(["Yes", "No"]),
     "GAS"),
    ("Which matters more: economic growth, or protecting the environment?",
     sel({"China": [0.35, 0.65], "Egypt": [0.9, 0.1]}),
     str(["Economic growth", "Protecting the environment"]),
     "WVS"),
    ("How often do you pray?",
     sel({"Nigeria": [0.8, 0.1, 0.05, 0.03, 0.02], "Egypt": [0.85, 0.1, 0.03, 0.01, 0.01],
          IND: [0.5, 0.2, 0.2, 0.05, 0.05], "China": [0.02, 0.03, 0.05, 0.1, 0.8],
          "Japan": [0.05, 0.1, 0.15, 0.3, 0.4]}),
     str(["Several times a day", "Once a day", "Once a week", "Rarely", "Never"]),
     "WVS"),
]

KOREA = "Korea, Republic of"
scale = ["Not important at all"] + [float(i) for i in range(1, 10)] + ["Very important"]
rows += [
    ("How important is God in your life? Please use this scale to indicate.\n10 means \"very important\" and 1 means"
     " \"not at all important.\"",
     sel({"Egypt": [0.0, 0.0, 0.0, 0.0, 0.0, 0.01, 0.0, 0.02, 0.03, 0.04, 0.9],
          "Nigeria": [0.01, 0.0, 0.01, 0.0, 0.02, 0.03, 0.03, 0.05, 0.1, 0.15, 0.6],
          "China": [0.4, 0.1, 0.1, 0.1, 0.05, 0.1, 0.05, 0.04, 0.03, 0.01, 0.02],
          IND: [0.02, 0.01, 0.02, 0.02, 0.03, 0.1, 0.1, 0.1, 0.1, 0.1, 0.4]}),
     str(scale),
     "WVS"),
    ("On a scale from 1 to 4, how much do you trust your neighbours?",
     sel({"Nigeria": [0.1, 0.2, 0.3, 0.3, 0.05, 0.05], KOREA: [0.05, 0.25, 0.5, 0.1, 0.05, 0.05]}),
     str([1, 2, 3, 4, "DK", "Refused"]),
     "WVS"),
    ("Roughly what share of income should go to foreign aid?",
     sel({"Japan": [0.2, 0.3, 0.3, 0.15, 0.05], KOREA: [0.1, 0.4, 0.3, 0.1, 0.1]}),
     str([1e-05, 0.1, 1e16, 1e15, "Don't know, can't say"]),
     "GAS"),
    ("Is the country's economy, in your view, doing well?",
     sel({"Egypt": [0.3, 0.6, 0.1], KOREA: [0.5, 0.4, 0.1]}),
     "['Well, mostly', 'Not well', 'Refused'",
     "GAS"),
]

buf = io.StringIO()
w = csv.writer(buf, lineterminator="\n")
w.writerow(["question", "selections", "options", "source"])
w.writerows(rows)
buf.write("A row with three fields,\"{'Nigeria': [0.5, 0.5]}\",\"['Yes', 'No']\"\n")
w.writerow(["Do you own a phone?", sel({"China": [0.9, 0.1], KOREA: [0.95, 0.05]}), str(["Yes", "No"]), "GAS"])
with open("global_opinions_sample.csv", "w", encoding="utf-8", newline="") as f:
    f.write(buf.getvalue())
