#!/usr/bin/env python3
"""TRL parity fixture for ChatTRLParityTests: TRL's token ids and masks for conversational data.

Run from this folder, offline (made with trl 1.16.0, transformers 5.24.0, torch 2.15, tokenizers 0.23.3):
  python3 make_chat_parity_fixture.py
Writes, next to this script:
  tokenizer.json        a byte-level BPE (vocab 400) with ChatML special tokens and a BOS-adding post-processor
                        (TemplateProcessing), so the test also checks that chat text is tokenised without it
  <template>/           tokenizer.json + tokenizer_config.json (+ chat_template.jinja, as transformers 5 saves
                        it) for each template below, saved by PreTrainedTokenizerFast.save_pretrained
  expected.json         the rows given to TRL and what TRL made of them:
                          dpo: DPOTrainer's prompt_ids / chosen_ids / rejected_ids (explicit and implicit prompt)
                          sft_prompt_completion: SFTTrainer's input_ids and loss mask (labels != -100)
                          sft_messages: the same with assistant_only_loss=True
Templates: smollm2, qwen2.5 and qwen3 (the real ones, from ../../../TokenizerTests/Fixtures/chat_templates; Qwen3
renders the final assistant turn with an empty <think></think> block, which thus belongs to the response);
smollm2-generation, SmolLM2's template with `{% generation %}` around each assistant turn's text and end of turn
(written for this fixture, so transformers can return assistant masks); divergent, a ChatML template whose
generation prompt ends with an extra newline that the rendered assistant turn does not have, so the prompt's last
token is not a prefix of prompt + completion and TRL cuts at the common prefix.
"""
import json
import os
import shutil
import tempfile

os.environ["HF_HUB_OFFLINE"] = "1"
os.environ["HF_DATASETS_OFFLINE"] = "1"
os.environ["TRANSFORMERS_OFFLINE"] = "1"
os.environ["TOKENIZERS_PARALLELISM"] = "false"
os.environ["TQDM_DISABLE"] = "1"
os.environ["WANDB_DISABLED"] = "true"

from datasets import Dataset  # noqa: E402
from tokenizers import Tokenizer, decoders, models, pre_tokenizers, processors, trainers  # noqa: E402
from transformers import LlamaConfig, LlamaForCausalLM, PreTrainedTokenizerFast  # noqa: E402
from trl import DPOConfig, DPOTrainer, SFTConfig, SFTTrainer  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
TEMPLATES = os.path.join(HERE, "..", "..", "..", "TokenizerTests", "Fixtures", "chat_templates")
SPECIALS = ["<|endoftext|>", "<|im_start|>", "<|im_end|>", "<|begin_of_text|>"]

SMOLLM2 = open(os.path.join(TEMPLATES, "smollm2-instruct.jinja")).read()
QWEN25 = open(os.path.join(TEMPLATES, "qwen2.5-instruct.jinja")).read()
QWEN3 = open(os.path.join(TEMPLATES, "qwen3.jinja")).read()
SMOLLM2_GENERATION = (
    "{% for message in messages %}{% if loop.first and messages[0]['role'] != 'system' %}"
    "{{ '<|im_start|>system\nYou are a helpful AI assistant named SmolLM, trained by Hugging Face<|im_end|>\n' }}"
    "{% endif %}{% if message['role'] == 'assistant' %}{{ '<|im_start|>assistant\n' }}{% generation %}"
    "{{ message['content'] + '<|im_end|>' + '\n' }}{% endgeneration %}{% else %}"
    "{{ '<|im_start|>' + message['role'] + '\n' + message['content'] + '<|im_end|>' + '\n' }}{% endif %}"
    "{% endfor %}{% if add_generation_prompt %}{{ '<|im_start|>assistant\n' }}{% endif %}"
)
DIVERGENT = (
    "{% for message in messages %}{{ '<|im_start|>' + message['role'] + '\n' + message['content'] + '<|im_end|>\n' }}"
    "{% endfor %}{% if add_generation_prompt %}{{ '<|im_start|>assistant\n\n' }}{% endif %}"
)
TEMPLATE_TEXT = {"smollm2": SMOLLM2, "qwen2.5": QWEN25, "qwen3": QWEN3, "smollm2-generation": SMOLLM2_GENERATION, "divergent": DIVERGENT}

CORPUS = [
    "What colour is the sky? It is blue. It is green. Is tea good? Yes, it is. No, never.",
    "Cold or hot? Cold, thanks. Hot, please. Rain today? Likely yes. Not at all.",
    "Best fruit? Apples. Plums, I think. Mangoes! Answer as briefly as you can.",
    "You are a helpful assistant. Tell me more. Sure: the sky scatters blue light.",
    "système, café, naïve — 東京 🙂 and 12345 digits\tand  spaces",
]


def user(text):
    return {"role": "user", "content": text}


def assistant(text):
    return {"role": "assistant", "content": text}


def system(text):
    return {"role": "system", "content": text}


DPO_EXPLICIT = [
    {"prompt": [user("What colour is the sky?")], "chosen": [assistant("It is blue.")],
     "rejected": [assistant("It is green.")]},
    {"prompt": [system("Answer as briefly as you can."), user("Is tea good?")], "chosen": [assistant("Yes.")],
     "rejected": [assistant("No, never. 🙂")]},
    {"prompt": [user("Cold or hot?"), assistant("Cold, thanks."), user("Rain today?")],
     "chosen": [assistant("Likely yes.")], "rejected": [assistant("Not at all, 東京 is dry.")]},
]
DPO_IMPLICIT = [
    {"chosen": [user("Best fruit?"), assistant("Apples.")], "rejected": [user("Best fruit?"), assistant("Mangoes!")]},
    {"chosen": [system("You are a helpful assistant."), user("Tell me more."), assistant("Sure: the sky scatters blue light.")],
     "rejected": [system("You are a helpful assistant."), user("Tell me more."), assistant("No.")]},
]
SFT_PROMPT_COMPLETION = [
    {"prompt": [user("What colour is the sky?")], "completion": [assistant("It is blue.")]},
    {"prompt": [system("Answer as briefly as you can."), user("Cold or hot?")], "completion": [assistant("Hot, please.")]},
]
SFT_MESSAGES = [
    {"messages": [user("Is tea good?"), assistant("Yes, it is.")]},
    {"messages": [system("Answer as briefly as you can."), user("Cold or hot?"), assistant("Cold."),
                  user("Rain today?"), assistant("Likely yes, 東京 🙂")]},
]


def train_tokenizer():
    tok = Tokenizer(models.BPE())
    tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tok.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(vocab_size=400, min_frequency=1, special_tokens=SPECIALS,
                                  initial_alphabet=pre_tokenizers.ByteLevel.alphabet(), show_progress=False)
    tok.train_from_iterator(CORPUS, trainer=trainer)
    bos = tok.token_to_id("<|begin_of_text|>")
    tok.post_processor = processors.TemplateProcessing(single="<|begin_of_text|> $A", pair="<|begin_of_text|> $A $B",
                                                       special_tokens=[("<|begin_of_text|>", bos)])
    return tok


def fast(tok, template):
    t = PreTrainedTokenizerFast(tokenizer_object=tok, bos_token="<|begin_of_text|>", eos_token="<|im_end|>",
                                pad_token="<|endoftext|>")
    t.chat_template = template
    return t


def tiny_model(vocab):
    config = LlamaConfig(vocab_size=vocab, hidden_size=16, intermediate_size=32, num_hidden_layers=1,
                         num_attention_heads=2, num_key_value_heads=1, max_position_embeddings=128)
    return LlamaForCausalLM(config)


def dpo_rows(tokenizer, rows):
    with tempfile.TemporaryDirectory() as tmp:
        args = DPOConfig(output_dir=tmp, report_to=[], use_cpu=True, bf16=False, max_length=None, per_device_train_batch_size=1,
                         dataset_num_proc=None)
        trainer = DPOTrainer(model=tiny_model(len(tokenizer)), ref_model=tiny_model(len(tokenizer)), args=args, train_dataset=Dataset.from_list(rows),
                             processing_class=tokenizer)
        return [{"prompt_ids": r["prompt_ids"], "chosen_ids": r["chosen_ids"], "rejected_ids": r["rejected_ids"]}
                for r in trainer.train_dataset]


def sft_rows(tokenizer, rows, assistant_only):
    with tempfile.TemporaryDirectory() as tmp:
        args = SFTConfig(output_dir=tmp, report_to=[], use_cpu=True, bf16=False, max_length=None, per_device_train_batch_size=1,
                         assistant_only_loss=assistant_only, dataset_num_proc=None)
        trainer = SFTTrainer(model=tiny_model(len(tokenizer)), args=args, train_dataset=Dataset.from_list(rows),
                             processing_class=tokenizer)
        # The labels column: the input ids, with -100 wherever the loss does not count.
        return [{"input_ids": r["input_ids"], "mask": [int(l != -100) for l in r["labels"]]} for r in trainer.train_dataset]


def main():
    tok = train_tokenizer()
    tok.save(os.path.join(HERE, "tokenizer.json"))
    expected = {"dpo": [], "sft_prompt_completion": [], "sft_messages": []}
    for name, template in TEMPLATE_TEXT.items():
        folder = os.path.join(HERE, name)
        shutil.rmtree(folder, ignore_errors=True)
        tokenizer = fast(Tokenizer.from_file(os.path.join(HERE, "tokenizer.json")), template)
        tokenizer.save_pretrained(folder)
        for extra in ("special_tokens_map.json",):
            path = os.path.join(folder, extra)
            if os.path.exists(path):
                os.remove(path)
        if name in ("smollm2", "qwen2.5", "qwen3", "divergent"):
            for rows in (DPO_EXPLICIT, DPO_IMPLICIT):
                for row, out in zip(rows, dpo_rows(tokenizer, rows)):
                    expected["dpo"].append({"template": name, "row": row, **out})
            for row, out in zip(SFT_PROMPT_COMPLETION, sft_rows(tokenizer, SFT_PROMPT_COMPLETION, False)):
                expected["sft_prompt_completion"].append({"template": name, "row": row, **out})
        if name == "smollm2-generation":
            for row, out in zip(SFT_MESSAGES, sft_rows(tokenizer, SFT_MESSAGES, True)):
                expected["sft_messages"].append({"template": name, "row": row, **out})
    with open(os.path.join(HERE, "expected.json"), "w", encoding="utf-8") as f:
        json.dump(expected, f, ensure_ascii=False, indent=1)
        f.write("\n")


if __name__ == "__main__":
    main()
