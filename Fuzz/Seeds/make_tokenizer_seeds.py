#!/usr/bin/env python3
"""Seeds of FuzzHFTokenizer: the tokenizer.json object of each pipeline fixture of TokenizerTests
(Tests/TokenizerTests/Fixtures/pipeline/<shape>.json holds {"tokenizer": ..., "cases": ..., "pairs": ...}; a seed
must be the tokenizer.json itself, or every input fails at the missing "model" before any pipeline is built).

Run from anywhere: python3 make_tokenizer_seeds.py. Writes Fuzz/Corpus/FuzzHFTokenizer/<shape>.json, compact,
keys in the fixture's order, UTF-8 as is (no \\u escapes: the fuzzer mutates the bytes a real file has).
"""
import glob, json, os

HERE = os.path.dirname(os.path.abspath(__file__))
FIXTURES = os.path.join(HERE, "..", "..", "Tests", "TokenizerTests", "Fixtures", "pipeline")
OUT = os.path.join(HERE, "..", "Corpus", "FuzzHFTokenizer")

for path in sorted(glob.glob(os.path.join(FIXTURES, "*.json"))):
    fixture = json.load(open(path, encoding="utf-8"))
    if "tokenizer" not in fixture:
        continue  # components.json: single stages, no whole tokenizer
    text = json.dumps(fixture["tokenizer"], ensure_ascii=False, separators=(",", ":"))
    with open(os.path.join(OUT, os.path.basename(path)), "w", encoding="utf-8") as f:
        f.write(text)
    print(os.path.basename(path), len(text.encode("utf-8")), "bytes")
