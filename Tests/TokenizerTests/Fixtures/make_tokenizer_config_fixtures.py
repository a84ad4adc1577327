"""Loads each tokenizer_configs/*.json (Hub-style tokenizer_config.json files) with transformers'
`AutoTokenizer.from_pretrained`, next to a small tokenizer.json made here with `tokenizers`, and records what
transformers reads from it into tokenizer_configs/expected.json for TokenizerTests/TokenizerConfigTests.

    pip install transformers tokenizers
    python3 make_tokenizer_config_fixtures.py
"""
import json
import os
import shutil
import tempfile

from tokenizers import Tokenizer, models
from transformers import AutoTokenizer

HERE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "tokenizer_configs")


def main():
    expected = {}
    for file in sorted(os.listdir(HERE)):
        if not file.endswith(".json") or file == "expected.json":
            continue
        with open(os.path.join(HERE, file), encoding="utf-8") as f:
            config = json.load(f)
        folder = tempfile.mkdtemp()
        try:
            # A vocabulary holding every added token at its id, the gaps filled with plain tokens.
            vocab = {t["content"]: int(i) for i, t in config.get("added_tokens_decoder", {}).items()}
            taken = set(vocab.values())
            for token_id in range(max(taken, default=-1) + 2):
                if token_id not in taken:
                    vocab[f"<filler{token_id}>"] = token_id
            Tokenizer(models.WordLevel(vocab=vocab, unk_token=None)).save(os.path.join(folder, "tokenizer.json"))
            shutil.copy(os.path.join(HERE, file), os.path.join(folder, "tokenizer_config.json"))
            tok = AutoTokenizer.from_pretrained(folder)
            template = tok.chat_template
            expected[file] = {
                "bos_token": tok.bos_token, "eos_token": tok.eos_token, "pad_token": tok.pad_token,
                "unk_token": tok.unk_token, "model_max_length": tok.model_max_length,
                "chat_templates": template if isinstance(template, dict) else {"default": template},
                "added_tokens_decoder": {str(i): {"content": t.content, "special": t.special, "lstrip": t.lstrip,
                                                  "rstrip": t.rstrip, "single_word": t.single_word,
                                                  "normalized": t.normalized}
                                         for i, t in sorted(tok.added_tokens_decoder.items())
                                         if str(i) in config.get("added_tokens_decoder", {})},
            }
        finally:
            shutil.rmtree(folder)
    with open(os.path.join(HERE, "expected.json"), "w", encoding="utf-8") as f:
        json.dump(expected, f, ensure_ascii=False, indent=1)
        f.write("\n")
    print(json.dumps(expected, indent=1))


if __name__ == "__main__":
    main()
