"""Loads each tokenizer_configs/*.json (Hub-style tokenizer_config.json files) with transformers'
`AutoTokenizer.from_pretrained`, next to a small tokenizer.json made here with `tokenizers`, and records what
transformers reads from it into tokenizer_configs/expected.json for TokenizerTests/TokenizerConfigTests.

    (installs transformers, jinja2 and tokenizers at the versions below when missing)
    python3 make_tokenizer_config_fixtures.py
"""
import importlib.util
import subprocess
import sys

# The versions these fixtures were made with; missing ones are installed first.
REQUIREMENTS = {"transformers": "transformers==5.24.0", "jinja2": "jinja2==3.1.6", "tokenizers": "tokenizers==0.23.3"}
_missing = [spec for module, spec in REQUIREMENTS.items() if importlib.util.find_spec(module) is None]
if _missing:
    subprocess.check_call([sys.executable, "-m", "pip", "install", *_missing])

import json
import os
import shutil
import tempfile

from tokenizers import Tokenizer, models
from transformers import AutoTokenizer, PreTrainedTokenizerFast

HERE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "tokenizer_configs")


def save_v5_folder():
    """A folder as transformers 5 saves it: templates in chat_template.jinja and additional_chat_templates/."""
    out = os.path.join(HERE, "saved-by-transformers")
    shutil.rmtree(out, ignore_errors=True)
    backend = Tokenizer(models.WordLevel(vocab={"<unk>": 0, "<s>": 1, "</s>": 2}, unk_token="<unk>"))
    tok = PreTrainedTokenizerFast(tokenizer_object=backend, bos_token="<s>", eos_token="</s>", unk_token="<unk>",
                                  model_max_length=4096)
    tok.chat_template = {"default": "{% for m in messages %}[{{ m.role }}] {{ m.content }}{{ eos_token }}{% endfor %}",
                         "tool_use": "{{ tools | tojson }}|{% for m in messages %}{{ m.content }}{% endfor %}"}
    tok.save_pretrained(out)
    # Keep only what TinyAlign reads; tokenizer.json is rebuilt below only to load the folder back.
    os.remove(os.path.join(out, "tokenizer.json"))
    folder = tempfile.mkdtemp()
    try:
        shutil.copytree(out, folder, dirs_exist_ok=True)
        backend.save(os.path.join(folder, "tokenizer.json"))
        loaded = AutoTokenizer.from_pretrained(folder)
        return {"bos_token": loaded.bos_token, "eos_token": loaded.eos_token, "model_max_length": loaded.model_max_length,
                "chat_templates": loaded.chat_template}
    finally:
        shutil.rmtree(folder)


def main():
    expected = {"saved-by-transformers": save_v5_folder()}
    for file in sorted(os.listdir(HERE)):
        if not file.endswith(".json") or file == "expected.json" or os.path.isdir(os.path.join(HERE, file)):
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
