"""Renders every chat template in chat_templates/ over a fixed set of conversations with transformers'
`apply_chat_template` (the real code path: a PreTrainedTokenizerFast built offline with `chat_template` set) and
writes chat_template_cases.json, which TokenizerTests/ChatTemplateParityTests compare against byte for byte.

    (installs transformers, jinja2 and tokenizers at the versions below when missing)
    python3 make_chat_template_fixtures.py

A case whose rendering raises (e.g. Gemma's "System role not supported") records the error message instead.
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

from tokenizers import Tokenizer, models
from transformers import PreTrainedTokenizerFast

HERE = os.path.dirname(os.path.abspath(__file__))
TEMPLATES = os.path.join(HERE, "chat_templates")

# Special tokens as each model family's tokenizer_config.json sets them (None: the config has no such token).
SPECIALS = {
    "smollm2-instruct": ("<|im_start|>", "<|im_end|>"),
    "qwen2.5-instruct": (None, "<|im_end|>"),
    "qwen3": (None, "<|im_end|>"),
    "llama-3.1-instruct": ("<|begin_of_text|>", "<|eot_id|>"),
    "llama-3.2-instruct": ("<|begin_of_text|>", "<|eot_id|>"),
    "gemma-2-it": ("<bos>", "<eos>"),
    "mistral-instruct-v0.1": ("<s>", "</s>"),
    "mistral-nemo-instruct-2407": ("<s>", "</s>"),
    "zephyr-tinyllama": ("<s>", "</s>"),
    "phi-3.5-mini-instruct": ("<s>", "<|endoftext|>"),
    "hermes-3-llama-3.1-tool-use": ("<|begin_of_text|>", "<|im_end|>"),
}

USER = {"role": "user", "content": "Hello, who are you?"}
SYSTEM = {"role": "system", "content": "  You are a terse assistant. Réponds en français ☕  "}
ASSISTANT = {"role": "assistant", "content": "I am a tiny model.\nNice to meet you!"}
USER2 = {"role": "user", "content": "What is 2 + 2? Answer with \"quotes\" and a backslash \\."}
THINKING = {"role": "assistant", "content": "<think>\nThe user greets me.\n</think>\n\nHi there!"}
# Reasoning as a separate field, under the standard name and under the older name transformers aliases.
REASONING = {"role": "assistant", "content": "Hi there!", "reasoning_content": "Greet back."}
REASONING_OLD_NAME = {"role": "assistant", "content": "Hi there!", "reasoning": "Greet back briefly."}
# A key whose value is None: apply_chat_template drops it, so `'tool_calls' in message` is false.
NONE_FIELD = {"role": "assistant", "content": "Plain answer.", "tool_calls": None}

TOOLS = [{
    "type": "function",
    "function": {
        "name": "get_weather",
        "description": "Current weather in a city, e.g. Zürich",
        "parameters": {
            "type": "object",
            "properties": {"city": {"type": "string"}, "days": {"type": "integer", "default": 1},
                           "celsius": {"type": "boolean"}, "ratio": {"type": "number", "default": 0.5}},
            "required": ["city"],
        },
    },
}]
TOOL_CALL = {"role": "assistant", "content": "",
             "tool_calls": [{"type": "function",
                             "function": {"name": "get_weather", "arguments": {"city": "Zürich", "days": 2}}}]}
TOOL_RESULT = {"role": "tool", "content": "{\"temperature\": 21}"}
SEARCH_CALL = {"role": "assistant", "content": "",
               "tool_calls": [{"type": "function", "function": {"name": "brave_search", "arguments": {"query": "Zürich weather"}}}]}
IPYTHON_RESULT = {"role": "ipython", "content": {"temperature": 21, "unit": "°C"}}

CONVERSATIONS = {
    "single": [USER],
    "system": [SYSTEM, USER],
    "multi": [USER, ASSISTANT, USER2],
    "system_multi": [SYSTEM, USER, ASSISTANT, USER2],
    "ends_with_assistant": [USER, ASSISTANT],
}


def tokenizer_for(bos, eos, template):
    vocab = {"<unk>": 0}
    for token in (bos, eos):
        if token is not None:
            vocab[token] = len(vocab)
    backend = Tokenizer(models.WordLevel(vocab=vocab, unk_token="<unk>"))
    kwargs = {"tokenizer_object": backend, "chat_template": template, "unk_token": "<unk>"}
    if bos is not None:
        kwargs["bos_token"] = bos
    if eos is not None:
        kwargs["eos_token"] = eos
    return PreTrainedTokenizerFast(**kwargs)


def render(tok, messages, add_generation_prompt, extra, continue_final_message=False):
    try:
        text = tok.apply_chat_template(messages, tokenize=False, add_generation_prompt=add_generation_prompt,
                                       continue_final_message=continue_final_message, **extra)
        return {"expected": text}
    except Exception as error:  # the template's own raise_exception, or a Jinja error
        return {"error": str(error)}


def cases_for(name):
    extras = [("", {})]
    conversations = dict(CONVERSATIONS)
    if name == "qwen3":
        extras += [("thinking_off", {"enable_thinking": False}), ("thinking_on", {"enable_thinking": True})]
        conversations["thinking_history"] = [USER, THINKING, USER2]
        conversations["thinking_last"] = [USER, THINKING]
        conversations["reasoning_field"] = [USER, REASONING]
        conversations["reasoning_old_name"] = [USER, REASONING_OLD_NAME]
    if name.startswith("llama"):
        extras = [("dated", {"date_string": "01 Dec 2026"})]
    if name == "hermes-3-llama-3.1-tool-use":
        # Its tool_use template always lists tools; types exercise the recursive json_to_python_type macro.
        hermes_tools = [{"type": "function", "function": {
            "name": "search", "description": "Search the web ",
            "parameters": {"type": "object", "properties": {
                "query": {"type": "string", "description": " words "},
                "limit": {"type": "integer", "description": "how many"},
                "tags": {"type": "array", "items": {"type": "string"}, "description": "filters"},
                "weights": {"type": "object", "additionalProperties": {"type": "number"}, "description": "boosts"},
                "mode": {"type": ["string", "integer"], "description": "optional"}}},
            "return": {"type": "object", "description": "the results"}}},
            {"name": "noop", "description": "Does nothing", "parameters": {"type": "object", "properties": {}}}]
        extras = [("", {"tools": hermes_tools})]
        conversations["tools"] = [SYSTEM, USER, TOOL_CALL, TOOL_RESULT, {**TOOL_RESULT, "content": "second"}, ASSISTANT]
        extras_tools = {"tools": hermes_tools}
    elif name in ("qwen3", "qwen2.5-instruct"):
        conversations["tools"] = [SYSTEM, USER, TOOL_CALL, TOOL_RESULT]
        extras_tools = {"tools": TOOLS}
    elif name.startswith("llama"):
        conversations["tools"] = [SYSTEM, USER]
        extras_tools = {"tools": TOOLS, "date_string": "01 Dec 2026"}
    else:
        extras_tools = None
    if name == "mistral-nemo-instruct-2407":
        with_id = {**TOOL_CALL, "tool_calls": [{**TOOL_CALL["tool_calls"][0], "id": "call00042"}]}
        conversations["tools"] = [SYSTEM, USER, with_id, {**TOOL_RESULT, "tool_call_id": "call00042"}, ASSISTANT, USER2]
        extras_tools = {"tools": TOOLS}
        conversations["bad_tool_id"] = [USER, {**TOOL_CALL, "tool_calls": [{**TOOL_CALL["tool_calls"][0], "id": "x"}]}]
        conversations["not_alternating"] = [USER, USER2]
    if name.startswith("llama"):
        conversations["tool_round"] = [USER, TOOL_CALL, IPYTHON_RESULT]
        conversations["none_field"] = [USER, NONE_FIELD]
    if name == "llama-3.1-instruct":
        conversations["builtin_tools"] = [SYSTEM, USER, SEARCH_CALL, TOOL_RESULT]
    out = []
    for conv_name, messages in conversations.items():
        for extra_name, extra in extras:
            if conv_name == "tools":
                if extras_tools is None or extra_name != extras[0][0]:
                    continue
                extra = extras_tools
                extra_name = "tools"
            if conv_name == "builtin_tools":
                extra = {"builtin_tools": ["brave_search", "code_interpreter", "wolfram_alpha"], "date_string": "01 Dec 2026"}
            for agp in (False, True):
                case_name = "-".join(p for p in (conv_name, extra_name, "gen" if agp else "nogen") if p)
                out.append({"name": case_name, "messages": messages, "add_generation_prompt": agp, "extra": extra})
    # continue_final_message: the last (assistant) message is left open for the model to continue.
    prefill = {"role": "assistant", "content": "The answer is "}
    extra = extras_tools if name.startswith("hermes") else ({"date_string": "01 Dec 2026"} if name.startswith("llama") else {})
    out.append({"name": "continue", "messages": [USER, prefill], "add_generation_prompt": False, "extra": extra,
                "continue_final_message": True})
    out.append({"name": "continue_multi", "messages": [USER, ASSISTANT, USER2, prefill], "add_generation_prompt": False,
                "extra": extra, "continue_final_message": True})
    return out


def main():
    results = []
    for file in sorted(os.listdir(TEMPLATES)):
        if not file.endswith(".jinja"):
            continue
        name = file[: -len(".jinja")]
        with open(os.path.join(TEMPLATES, file), encoding="utf-8") as f:
            template = f.read()
        bos, eos = SPECIALS[name]
        tok = tokenizer_for(bos, eos, template)
        for case in cases_for(name):
            case = {"template": name, "bos_token": bos, "eos_token": eos, **case}
            case.update(render(tok, case["messages"], case["add_generation_prompt"], case["extra"],
                               case.get("continue_final_message", False)))
            results.append(case)
    with open(os.path.join(HERE, "chat_template_cases.json"), "w", encoding="utf-8") as f:
        json.dump({"cases": results}, f, ensure_ascii=False, indent=1)
        f.write("\n")
    print(f"{len(results)} cases, {sum('error' in c for c in results)} errors")


if __name__ == "__main__":
    main()
