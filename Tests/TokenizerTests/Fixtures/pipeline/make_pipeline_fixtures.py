#!/usr/bin/env python3
"""Pipeline fixtures for TokenizerTests, made with Hugging Face `tokenizers` (pip install tokenizers==0.23.3).

Run from anywhere: python3 make_pipeline_fixtures.py. It reads corpus.txt (committed, hand-written mixed text)
and lines.txt (the test lines, one per line, with \\t, \\r and \\n written as escapes) and writes, next to itself:

  <shape>.json      {"tokenizer": <tokenizer.json object>, "cases": [{"text", "ids", "ids_plain",
                    "decoded", "decoded_skip"}], "pairs": [{"text", "pair", "ids"}]} for each model-family shape
                    below; "ids" is encode(text) with special tokens, "ids_plain" without; "decoded" is
                    decode(ids), "decoded_skip" decode(ids, skip_special_tokens=True); pairs are
                    encode(text, pair) with special tokens for a few neighbouring lines.
  components.json   single pipeline stages run alone: [{"kind": "normalizer"|"pre_tokenizer"|"decoder",
                    "config": <its JSON>, "cases": [{"input", "output"}]}] (pre-tokenizer outputs are the list
                    of piece strings, decoder inputs are token lists).

Shapes (each trained with tokenizers' BpeTrainer on corpus.txt, vocab ~300-1000):
  gpt2        ByteLevel pre-tokenizer / decoder / post-processor
  llama3      Split(Llama 3 regex) + ByteLevel(use_regex=False), ignore_merges, TemplateProcessing BOS
  qwen2       NFC + Split(Qwen2 regex) + ByteLevel(use_regex=False)
  smollm2     Digits(individual) + ByteLevel
  llama2      Prepend("▁") + Replace(" ", "▁"), BPE byte_fallback + unk + fuse_unk, ByteFallback/Fuse/Strip decoders,
              BOS template (Llama 2 / TinyLlama / Mistral layout, byte tokens <0x00>..<0xFF> in the vocabulary)
  metaspace   Metaspace(prepend_scheme="first", split=False) pre-tokenizer and decoder, byte_fallback
  gemma       Replace(" ", "▁") only, byte_fallback, BOS template, no prefix space
  roberta     ByteLevel(add_prefix_space=True), RobertaProcessing (<s> A </s></s> B </s>)
  wordish     NFKC + Lowercase + Strip normalizers, Whitespace/Punctuation pre-tokenizers, BPE with
              continuing_subword_prefix "##" and end_of_word_suffix "</w>" (covers the remaining stages)

All shapes but "wordish" come out byte-identical on every run; the trainer orders wordish's prefixed alphabet by
hash, so its ids change from run to run (any run is a valid HF fixture; the committed one is what the tests use).
"""
import json, os

os.environ["TOKENIZERS_PARALLELISM"] = "false"
from tokenizers import (AddedToken, Regex, Tokenizer, decoders, models, normalizers,  # noqa: E402
                        pre_tokenizers, processors, trainers)

HERE = os.path.dirname(os.path.abspath(__file__))
CORPUS = os.path.join(HERE, "corpus.txt")

LLAMA3 = (r"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|"
          r"\s*[\r\n]+|\s+(?!\S)|\s+")
QWEN2 = (r"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*|"
         r"\s*[\r\n]+|\s+(?!\S)|\s+")


# scripts/bench_tokenizer_shapes.py trains the same shapes on its own corpus and vocabulary size through these two.
TRAIN_LINES = None
VOCAB_SIZE = None


def corpus_lines():
    if TRAIN_LINES is not None:
        return TRAIN_LINES
    with open(CORPUS, encoding="utf-8", newline="") as f:
        return f.read().splitlines(keepends=True)


def test_lines():
    with open(os.path.join(HERE, "lines.txt"), encoding="utf-8") as f:
        raw = f.read().split("\n")
    return [l.replace("\\t", "\t").replace("\\r", "\r").replace("\\n", "\n") for l in raw if l != ""]


def train(tok, vocab_size, specials, alphabet=None, **kw):
    trainer = trainers.BpeTrainer(vocab_size=VOCAB_SIZE or vocab_size, min_frequency=2, special_tokens=specials,
                                  initial_alphabet=alphabet or [], show_progress=False, **kw)
    tok.train_from_iterator(corpus_lines(), trainer=trainer)
    return tok


def byte_level(vocab_size, specials, pre, normalizer=None, ignore_merges=False):
    tok = Tokenizer(models.BPE(ignore_merges=ignore_merges))
    if normalizer is not None:
        tok.normalizer = normalizer
    tok.pre_tokenizer = pre
    tok.decoder = decoders.ByteLevel()
    return train(tok, vocab_size, specials, pre_tokenizers.ByteLevel.alphabet())


def with_byte_tokens(trained, specials, unk):
    """Re-numbers a trained model as SentencePiece conversions lay it out: specials, <0x00>..<0xFF>, the rest."""
    d = json.loads(trained.to_str())
    old = sorted(d["model"]["vocab"].items(), key=lambda kv: kv[1])
    vocab = {}
    for s in specials:
        vocab[s] = len(vocab)
    for b in range(256):
        vocab["<0x%02X>" % b] = len(vocab)
    for t, _ in old:
        if t not in vocab:
            vocab[t] = len(vocab)
    merges = [tuple(m) for m in d["model"]["merges"]]
    tok = Tokenizer(models.BPE(vocab=vocab, merges=merges, unk_token=unk, fuse_unk=True, byte_fallback=True))
    tok.add_special_tokens([AddedToken(s, special=True, normalized=False) for s in specials])
    return tok


def sentencepiece_base(vocab_size, specials):
    tok = Tokenizer(models.BPE())
    tok.pre_tokenizer = pre_tokenizers.Metaspace(replacement="▁", prepend_scheme="always", split=True)
    return train(tok, vocab_size, specials)


def bos_template(bos, bos_id):
    return processors.TemplateProcessing(single=f"{bos} $A", pair=f"{bos} $A {bos} $B", special_tokens=[(bos, bos_id)])


def shapes():
    out = {}
    t = byte_level(600, ["<|endoftext|>"], pre_tokenizers.ByteLevel(add_prefix_space=False))
    t.post_processor = processors.ByteLevel(trim_offsets=True)
    out["gpt2"] = t

    specials = ["<|begin_of_text|>", "<|end_of_text|>", "<|eot_id|>"]
    pre = pre_tokenizers.Sequence([pre_tokenizers.Split(Regex(LLAMA3), behavior="isolated", invert=False),
                                   pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=False)])
    t = byte_level(700, specials, pre, ignore_merges=True)
    t.post_processor = processors.Sequence([processors.ByteLevel(trim_offsets=False),
                                            bos_template("<|begin_of_text|>", t.token_to_id("<|begin_of_text|>"))])
    out["llama3"] = t

    pre = pre_tokenizers.Sequence([pre_tokenizers.Split(Regex(QWEN2), behavior="isolated", invert=False),
                                   pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=False)])
    t = byte_level(700, ["<|endoftext|>", "<|im_start|>", "<|im_end|>"], pre, normalizer=normalizers.NFC())
    t.post_processor = processors.ByteLevel(trim_offsets=False)
    # An added token that swallows the whitespace around it, and a non-special one that must be a whole word.
    t.add_special_tokens([AddedToken("<mask>", lstrip=True, rstrip=True, special=True, normalized=False)])
    t.add_tokens([AddedToken("wörd", single_word=True, normalized=False)])
    out["qwen2"] = t

    pre = pre_tokenizers.Sequence([pre_tokenizers.Digits(individual_digits=True),
                                   pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=True)])
    out["smollm2"] = byte_level(600, ["<|endoftext|>", "<|im_start|>", "<|im_end|>"], pre)

    specials = ["<unk>", "<s>", "</s>"]
    t = with_byte_tokens(sentencepiece_base(500, specials), specials, "<unk>")
    t.normalizer = normalizers.Sequence([normalizers.Prepend("▁"), normalizers.Replace(" ", "▁")])
    t.decoder = decoders.Sequence([decoders.Replace("▁", " "), decoders.ByteFallback(), decoders.Fuse(),
                                   decoders.Strip(" ", 1, 0)])
    t.post_processor = bos_template("<s>", 1)
    out["llama2"] = t

    t = with_byte_tokens(sentencepiece_base(500, specials), specials, "<unk>")
    t.pre_tokenizer = pre_tokenizers.Metaspace(replacement="▁", prepend_scheme="first", split=False)
    t.decoder = decoders.Sequence([decoders.ByteFallback(), decoders.Metaspace(replacement="▁", prepend_scheme="first")])
    t.post_processor = bos_template("<s>", 1)
    out["metaspace"] = t

    specials = ["<pad>", "<eos>", "<bos>", "<unk>"]
    t = with_byte_tokens(sentencepiece_base(500, specials), specials, "<unk>")
    t.normalizer = normalizers.Replace(" ", "▁")
    t.decoder = decoders.Sequence([decoders.Replace("▁", " "), decoders.ByteFallback(), decoders.Fuse()])
    t.post_processor = bos_template("<bos>", 2)
    out["gemma"] = t

    t = byte_level(600, ["<s>", "<pad>", "</s>", "<unk>"], pre_tokenizers.ByteLevel(add_prefix_space=True))
    t.post_processor = processors.RobertaProcessing(("</s>", 2), ("<s>", 0))
    out["roberta"] = t

    t = Tokenizer(models.BPE(unk_token="[UNK]", continuing_subword_prefix="##", end_of_word_suffix="</w>"))
    t.normalizer = normalizers.Sequence([normalizers.NFKC(), normalizers.Lowercase(), normalizers.Strip()])
    t.pre_tokenizer = pre_tokenizers.Sequence([pre_tokenizers.Whitespace(), pre_tokenizers.Punctuation()])
    t = train(t, 800, ["[UNK]", "[CLS]", "[SEP]"], continuing_subword_prefix="##", end_of_word_suffix="</w>")
    t.decoder = decoders.Sequence([decoders.Replace("##", ""), decoders.Replace("</w>", " "), decoders.Fuse()])
    # Added tokens matched after normalisation: their content is normalised too ("Special Word" -> "special word").
    t.add_tokens([AddedToken("Special Word", normalized=True), AddedToken("ＸＹ", normalized=True)])
    t.post_processor = processors.TemplateProcessing(single="[CLS] $A [SEP]", pair="[CLS] $A [SEP] $B:1 [SEP]:1",
                                                     special_tokens=[("[CLS]", 1), ("[SEP]", 2)])
    out["wordish"] = t
    return out


def record_shape(name, tok, lines):
    cases = []
    for text in lines:
        ids = tok.encode(text, add_special_tokens=True).ids
        plain = tok.encode(text, add_special_tokens=False).ids
        cases.append({"text": text, "ids": ids, "ids_plain": plain, "decoded": tok.decode(ids, skip_special_tokens=False),
                      "decoded_skip": tok.decode(ids, skip_special_tokens=True)})
    pairs = [{"text": a, "pair": b, "ids": tok.encode(a, b, add_special_tokens=True).ids}
             for a, b in zip(lines[:6], lines[1:7])]
    root = {"tokenizer": json.loads(tok.to_str()), "cases": cases, "pairs": pairs}
    with open(os.path.join(HERE, name + ".json"), "w", encoding="utf-8") as f:
        json.dump(root, f, ensure_ascii=False, separators=(",", ":"))
    print(name, tok.get_vocab_size(), len(cases))


def component_json(obj):
    """The JSON HF writes for one stage, taken from a tokenizer that holds it."""
    tok = Tokenizer(models.BPE())
    if isinstance(obj, normalizers.Normalizer):
        tok.normalizer = obj
        return json.loads(tok.to_str())["normalizer"]
    if isinstance(obj, pre_tokenizers.PreTokenizer):
        tok.pre_tokenizer = obj
        return json.loads(tok.to_str())["pre_tokenizer"]
    tok.decoder = obj
    return json.loads(tok.to_str())["decoder"]


def components(lines):
    pieces = lines[:12] + lines[-6:] + ["", " ", "  leading and trailing  ", "a,,b..c!?d", "x1y22z333w4444", "'s 'S 'Re 'LL 'x x'ſx x'ſ",
                      "tab\tand\nnewline\r\nand\u00a0nbsp", "▁already▁replaced", "12,345.67 and ٣٤٥ and ²"]
    out = []
    norms = [normalizers.NFC(), normalizers.NFKC(), normalizers.NFD(), normalizers.NFKD(), normalizers.Lowercase(),
             normalizers.Prepend("▁"), normalizers.Replace(" ", "▁"), normalizers.Replace(Regex(r"\s+"), " "),
             normalizers.Strip(), normalizers.Strip(left=True, right=False), normalizers.Strip(left=False, right=True),
             normalizers.Sequence([normalizers.NFKC(), normalizers.Lowercase()])]
    for n in norms:
        out.append({"kind": "normalizer", "config": component_json(n),
                    "cases": [{"input": p, "output": n.normalize_str(p)} for p in pieces]})
    pres = [pre_tokenizers.ByteLevel(add_prefix_space=False), pre_tokenizers.ByteLevel(add_prefix_space=True),
            pre_tokenizers.ByteLevel(add_prefix_space=True, use_regex=False),
            pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=False),
            pre_tokenizers.Split(Regex(LLAMA3), behavior="isolated"), pre_tokenizers.Split(Regex(QWEN2), behavior="isolated"),
            pre_tokenizers.Digits(individual_digits=True), pre_tokenizers.Digits(individual_digits=False),
            pre_tokenizers.Punctuation(), pre_tokenizers.Punctuation(behavior="removed"),
            pre_tokenizers.Punctuation(behavior="contiguous"),
            pre_tokenizers.Whitespace(), pre_tokenizers.WhitespaceSplit()]
    for behavior in ["removed", "isolated", "merged_with_previous", "merged_with_next", "contiguous"]:
        for invert in [False, True]:
            pres.append(pre_tokenizers.Split(" ", behavior=behavior, invert=invert))
            pres.append(pre_tokenizers.Split(Regex(r"\p{N}+|[,.!?]"), behavior=behavior, invert=invert))
    for scheme in ["always", "first", "never"]:
        for split in [True, False]:
            pres.append(pre_tokenizers.Metaspace(replacement="▁", prepend_scheme=scheme, split=split))
    pres.append(pre_tokenizers.Sequence([pre_tokenizers.WhitespaceSplit(), pre_tokenizers.Digits(individual_digits=True)]))
    for p in pres:
        out.append({"kind": "pre_tokenizer", "config": component_json(p),
                    "cases": [{"input": s, "output": [piece for piece, _ in p.pre_tokenize_str(s)]} for s in pieces]})
    token_lists = [["▁Hello", "▁world", "!"], ["Hello", "▁", "▁world"], ["<0x41>", "<0xE2>", "<0x82>", "<0xAC>", "b"],
                   ["<0xE2>", "<0x82>", "x", "<0xFF>"], ["ĠHello", "Ġw", "orld", "Ċ"], ["  a  ", " b", "c "],
                   ["▁▁a▁b", "▁c"], ["wor", "##ld", "</w>"], ["<s>", "▁Hi"], []]
    decs = [decoders.ByteLevel(), decoders.ByteFallback(), decoders.Fuse(), decoders.Strip(" ", 1, 0),
            decoders.Strip(" ", 2, 2), decoders.Strip("▁", 0, 1), decoders.Replace("▁", " "),
            decoders.Metaspace(replacement="▁", prepend_scheme="always"),
            decoders.Metaspace(replacement="▁", prepend_scheme="first"),
            decoders.Metaspace(replacement="▁", prepend_scheme="never"),
            decoders.Sequence([decoders.Replace("▁", " "), decoders.ByteFallback(), decoders.Fuse(),
                               decoders.Strip(" ", 1, 0)])]
    for d in decs:
        out.append({"kind": "decoder", "config": component_json(d),
                    "cases": [{"input": tl, "output": d.decode(tl)} for tl in token_lists]})
    with open(os.path.join(HERE, "components.json"), "w", encoding="utf-8") as f:
        json.dump(out, f, ensure_ascii=False, separators=(",", ":"))
    print("components", len(out))


def main():
    lines = test_lines()
    for name, tok in shapes().items():
        record_shape(name, tok, lines)
    components(lines)


if __name__ == "__main__":
    main()
