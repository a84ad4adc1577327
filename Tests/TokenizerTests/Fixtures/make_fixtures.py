#!/usr/bin/env python3
"""Fixtures for TokenizerTests from Hugging Face `tokenizers` (run with 0.23.3: python3 make_fixtures.py).

Writes, next to this script:
  corpus.txt                   deterministic mixed-script training corpus (~45 KB)
  test_text.txt                mixed-script lines to encode
  hf_tokenizer.json            BpeTrainer(vocab_size=800, min_frequency=2) on corpus.txt
  hf_tokenizer_minfreq.json    BpeTrainer(vocab_size=5000, min_frequency=40): stops on frequency
  hf_tokenizer_string_merges.json  hf_tokenizer.json with merges in the legacy "a b" string form
  hf_vocab.json, hf_merges.txt hf_tokenizer.json's model saved in GPT-2's format
  encodings.json               [{"text": line, "ids": [...]}] for each line of test_text.txt (newline kept)
  added_tokens.json            hf_tokenizer.json plus tokens with lstrip / rstrip / single_word, and the ids of
                               ADDED_TOKEN_LINES under it: {"tokenizer": {...}, "encodings": [{"text", "ids"}]}
  scalar_classes.txt           the regex class HF's ByteLevel split gives every code point, run-length coded:
                               "<hex start><L|N|S|O>" per run (letter, number, whitespace, other; surrogates O)
"""
import json, os, random

os.environ["TOKENIZERS_PARALLELISM"] = "false"
from tokenizers import AddedToken, Tokenizer, models, pre_tokenizers, decoders, trainers  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
SPECIALS = ["<|endoftext|>", "<|pad|>"]

SUBJECTS = ["The committee", "A small robot", "My neighbour", "The old library", "Every student", "Our team",
            "The river", "A quiet village", "The new model", "Her grandmother", "The market", "This tokenizer"]
VERBS = ["counted", "painted", "measured", "forgot", "described", "built", "repaired", "explained", "visited",
         "translated", "ignored", "celebrated"]
OBJECTS = ["the bridge", "three apples", "a broken clock", "the long report", "every window", "the blue door",
           "forty-two pages", "the annual budget", "a paper boat", "the northern road", "her favourite song"]
TAILS = ["before dawn", "after the storm", "in 1987", "for $3.50", "at 10:45 p.m.", "with 12% less effort",
         "on 2024-03-17", "near the station", "without a word", "(again)", "twice a week", "by noon"]
CONTRACTIONS = ["It's", "They're", "We've", "I'm", "You'll", "She'd", "Don't", "Can't", "Won't", "isn't",
                "they'll", "we'd", "I've", "that's"]
PUNCT = [".", "!", "?", "...", ";", " --", ":", "?!"]
FOREIGN = ["Привет, мир! Как дела?", "Καλημέρα κόσμε, τι κάνεις;", "你好，世界。今天天气很好。",
           "こんにちは、世界！カタカナとひらがな。", "안녕하세요 세계, 반갑습니다.", "مرحبا بالعالم، كيف حالك؟",
           "שלום עולם, מה שלומך?", "नमस्ते दुनिया, आप कैसे हैं?", "Grüße aus München — schön!",
           "Ça coûte 5 € à Paris, naïve café.", "Добрый вечер, 42 рубля.", "東京は2020年に五輪を開催した。"]
SYMBOLS = ["🙂", "🚀🚀", "👍🏽", "∑x² = 1", "≈ 3.14159", "#tag @user", "a+b=c", "<tag attr=\"v\">", "x_{i,j}",
           "~/path/to/file.txt", "100%", "#1!!!"]


def sentence(rng):
    words = [rng.choice(SUBJECTS), rng.choice(VERBS), rng.choice(OBJECTS), rng.choice(TAILS)]
    if rng.random() < 0.35:
        words.insert(0, rng.choice(CONTRACTIONS) + " true:")
    if rng.random() < 0.25:
        words.append(str(rng.randint(0, 99999)))
    if rng.random() < 0.2:
        words.append(rng.choice(SYMBOLS))
    s = " ".join(words) + rng.choice(PUNCT)
    if rng.random() < 0.1:
        s = s.replace(" ", "  ", 1)
    return s


def make_corpus():
    rng = random.Random(20240917)
    lines = []
    while sum(len(l.encode()) + 1 for l in lines) < 45_000:
        r = rng.random()
        if r < 0.12:
            lines.append(rng.choice(FOREIGN))
        elif r < 0.16:
            lines.append("")
        elif r < 0.19:
            lines.append("\t" + " ".join(str(rng.randint(0, 10 ** rng.randint(1, 7))) for _ in range(rng.randint(2, 6))))
        else:
            lines.append(" ".join(sentence(rng) for _ in range(rng.randint(1, 4))))
    return "\n".join(lines) + "\n"


TEST_LINES = [
    "Hello world! It's a test, isn't it? They'll see; we'd know.",
    "DON'T SHOUT — I'M LISTENING.",
    "Numbers: 3.14159, 2024-03-17, 1,000,000 and 007.",
    "   leading spaces and trailing spaces   ",
    "tabs\tand\t\tmore\ttabs",
    "Привет, мир! Καλημέρα κόσμε. 你好，世界。",
    "こんにちは、世界！ 안녕하세요 مرحبا שלום नमस्ते",
    "Emoji: 🙂🚀 👍🏽 👨‍👩‍👧 and flags 🇫🇷🇯🇵",
    "Combining: e\u0301 a\u0300\u0301 n\u0303 Zalgo: Z\u0351\u0352\u0353a\u0354l\u0355g\u0356o",
    "Mixed<|endoftext|>special tokens <|pad|><|pad|> inside text",
    "<|endoftext|>",
    "Words with 'quotes' and \"double quotes\" and `code` and 'll 've 're",
    "Unicode spaces:\u00a0non-breaking,\u3000ideographic,\u2009thin.",
    "Symbols ∑x² ≈ 3.14, €5, £3, ¥100, ©2024 ™",
    "x_{i,j} = a+b; path ~/dir/file.txt #tag @user 100%!!!",
    "Roman ⅠⅡⅢ, Arabic-Indic ٣٤٥, fractions ½ ¾",
    "",
    "A line ending in spaces followed by newline     ",
    "The committee counted three apples in 1987 for $3.50.",
    "Don't forget: we've built the new model; you'll like it!",
    "ﬁ ligature, Ǆ titlecase ǅ, ß, İstanbul, ΣΑΣ",
    "\u200b zero width \u200d joiner \ufeff bom",
    "line with CRLF\r",
]


ADDED_TOKEN_LINES = ["a  <mask> b", "<mask>", "   <mask>", "x <R>   y", "<R>\n\nz", "a word, words, sword word",
                     "word", "<mask><R>  <mask>", "éword wordé 1word"]


def added_tokens_fixture(tok):
    tok = Tokenizer.from_str(tok.to_str())
    tok.add_special_tokens([AddedToken("<mask>", lstrip=True), AddedToken("<R>", rstrip=True)])
    tok.add_tokens([AddedToken("word", single_word=True)])
    rows = [{"text": t, "ids": tok.encode(t).ids} for t in ADDED_TOKEN_LINES]
    return {"tokenizer": json.loads(tok.to_str()), "encodings": rows}


def scalar_classes():
    """Probes HF's split (Oniguruma) one code point at a time: joins a letter run, a number run, a whitespace run?"""
    p = pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=True)
    runs, last = [], None
    for v in range(0x110000):
        if 0xD800 <= v <= 0xDFFF:
            cls = "O"
        else:
            c = chr(v)
            if len(p.pre_tokenize_str("a" + c)) == 1:
                cls = "L"
            elif len(p.pre_tokenize_str("1" + c)) == 1:
                cls = "N"
            elif len(p.pre_tokenize_str("\t" + c)) == 1:
                cls = "S"
            else:
                cls = "O"
        if cls != last:
            runs.append("%x%s" % (v, cls))
            last = cls
    return " ".join(runs) + "\n"


def main():
    with open(os.path.join(HERE, "corpus.txt"), "w", encoding="utf-8", newline="") as f:
        f.write(make_corpus())
    with open(os.path.join(HERE, "test_text.txt"), "w", encoding="utf-8", newline="") as f:
        f.write("\n".join(TEST_LINES) + "\n")

    def train(vocab_size, min_frequency):
        tok = Tokenizer(models.BPE())
        tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
        tok.decoder = decoders.ByteLevel()
        trainer = trainers.BpeTrainer(vocab_size=vocab_size, min_frequency=min_frequency, special_tokens=SPECIALS,
                                      initial_alphabet=pre_tokenizers.ByteLevel.alphabet(), show_progress=False)
        tok.train([os.path.join(HERE, "corpus.txt")], trainer)
        return tok

    tok = train(800, 2)
    tok.save(os.path.join(HERE, "hf_tokenizer.json"))
    train(5000, 40).save(os.path.join(HERE, "hf_tokenizer_minfreq.json"))
    tok.model.save(HERE, "hf")  # hf-vocab.json, hf-merges.txt
    os.replace(os.path.join(HERE, "hf-vocab.json"), os.path.join(HERE, "hf_vocab.json"))
    os.replace(os.path.join(HERE, "hf-merges.txt"), os.path.join(HERE, "hf_merges.txt"))

    with open(os.path.join(HERE, "hf_tokenizer.json"), encoding="utf-8") as f:
        spec = json.load(f)
    spec["model"]["merges"] = [a + " " + b for a, b in spec["model"]["merges"]]
    legacy_path = os.path.join(HERE, "hf_tokenizer_string_merges.json")
    with open(legacy_path, "w", encoding="utf-8") as f:
        json.dump(spec, f, ensure_ascii=False, indent=1)
    legacy = Tokenizer.from_file(legacy_path)

    with open(os.path.join(HERE, "test_text.txt"), encoding="utf-8", newline="") as f:
        lines = f.read().splitlines(keepends=True)
    rows = []
    for line in lines:
        ids = tok.encode(line).ids
        assert legacy.encode(line).ids == ids
        assert tok.decode(ids, skip_special_tokens=False) == line, line
        rows.append({"text": line, "ids": ids})
    with open(os.path.join(HERE, "encodings.json"), "w", encoding="utf-8") as f:
        json.dump(rows, f, ensure_ascii=False, indent=1)
    with open(os.path.join(HERE, "added_tokens.json"), "w", encoding="utf-8") as f:
        json.dump(added_tokens_fixture(tok), f, ensure_ascii=False, indent=1)
    with open(os.path.join(HERE, "scalar_classes.txt"), "w", encoding="ascii") as f:
        f.write(scalar_classes())
    print(f"vocab {tok.get_vocab_size()}, merges {len(spec['model']['merges'])}, lines {len(rows)}")


if __name__ == "__main__":
    main()
