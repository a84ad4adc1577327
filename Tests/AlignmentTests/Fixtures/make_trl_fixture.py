#!/usr/bin/env python3
"""TRL parity fixture for TRLParityTests: TRL's own DPO metrics on a tiny policy / reference pair.

Run from this folder, offline (made with trl 1.16.0, transformers 5.24.0, torch 2.15, tokenizers 0.23.3):
  python3 make_trl_fixture.py
Writes, next to this script:
  trl_policy/, trl_reference/  config.json + model.safetensors copied from ../../ModelsTests/Fixtures/hf_gpt2 (policy)
                               and ../../ModelsTests/Fixtures/tinyalign_gpt2 (reference), plus tokenizer.json
  trl_prefs.jsonl              8 preference pairs in 2 groups
  trl_expected.json            TRL's eval metrics (DPOTrainer.evaluate, beta 0.1, loss_type sigmoid), TRL's token ids
                               per pair, and TRL's per-pair summed completion log-probs of both models

Both models have vocab 300 and 32 positions, so the tokenizer is a byte-level BPE with 300 tokens
(<|endoftext|> = 0, the 256 bytes, 43 merges) and every prompt + response + EOS fits in 32 tokens.
Every prompt ends on a token boundary (responses start with a space), so TRL's completion cut (common prefix of
ids(prompt) and ids(prompt + response)) and TinyAlign's (ids(prompt + response) minus ids(prompt).count) agree.
"""
import json
import os
import shutil

os.environ["HF_HUB_OFFLINE"] = "1"
os.environ["HF_DATASETS_OFFLINE"] = "1"
os.environ["TRANSFORMERS_OFFLINE"] = "1"
os.environ["TOKENIZERS_PARALLELISM"] = "false"
os.environ["TQDM_DISABLE"] = "1"
os.environ["WANDB_DISABLED"] = "true"

import tempfile  # noqa: E402

import torch  # noqa: E402
from datasets import Dataset  # noqa: E402
from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers  # noqa: E402
from transformers import GPT2LMHeadModel, PreTrainedTokenizerFast  # noqa: E402
from trl import DPOConfig, DPOTrainer  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
MODELS = os.path.join(HERE, "..", "..", "ModelsTests", "Fixtures")
EOS = "<|endoftext|>"
BETA = 0.1

PAIRS = [
    ("north", "Is tea good?", " Yes, it is.", " No, never."),
    ("north", "Cold or hot?", " Cold, thanks.", " Hot, please."),
    ("north", "Rain today?", " Likely yes.", " Not at all."),
    ("north", "Best fruit?", " Apples.", " Plums, I think."),
    ("south", "Is tea good?", " No, never.", " Yes, it is."),
    ("south", "Cold or hot?", " Hot, please.", " Cold, thanks."),
    ("south", "Rain today?", " Not at all.", " Likely yes."),
    ("south", "Best fruit?", " Mangoes!", " Apples."),
]


def train_tokenizer():
    """Byte-level BPE with vocab 300, trained on the pairs themselves so the merges cut through them."""
    tok = Tokenizer(models.BPE())
    tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tok.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(vocab_size=300, min_frequency=1, special_tokens=[EOS],
                                  initial_alphabet=pre_tokenizers.ByteLevel.alphabet(), show_progress=False)
    corpus = [p + c for _, p, c, _ in PAIRS] + [p + r for _, p, _, r in PAIRS]
    tok.train_from_iterator(corpus * 4, trainer=trainer)
    assert tok.get_vocab_size() <= 300, tok.get_vocab_size()
    assert tok.token_to_id(EOS) is not None
    return tok


def write_model(src, dst, tok):
    if os.path.exists(dst):
        shutil.rmtree(dst)
    os.makedirs(dst)
    for name in ["config.json", "model.safetensors"]:
        shutil.copy(os.path.join(src, name), os.path.join(dst, name))
    tok.save(os.path.join(dst, "tokenizer.json"))


def main():
    tok = train_tokenizer()
    policy_dir, reference_dir = os.path.join(HERE, "trl_policy"), os.path.join(HERE, "trl_reference")
    write_model(os.path.join(MODELS, "hf_gpt2"), policy_dir, tok)
    write_model(os.path.join(MODELS, "tinyalign_gpt2"), reference_dir, tok)

    rows = [{"prompt": p, "chosen": c, "rejected": r, "group": g} for g, p, c, r in PAIRS]
    with open(os.path.join(HERE, "trl_prefs.jsonl"), "w") as f:
        for row in rows:
            f.write(json.dumps(row, sort_keys=True) + "\n")

    tokenizer = PreTrainedTokenizerFast(tokenizer_object=tok, eos_token=EOS)
    policy = GPT2LMHeadModel.from_pretrained(policy_dir).float().eval()
    reference = GPT2LMHeadModel.from_pretrained(reference_dir).float().eval()

    with tempfile.TemporaryDirectory() as out:
        args = DPOConfig(output_dir=out, beta=BETA, loss_type=["sigmoid"], per_device_eval_batch_size=len(rows),
                         max_length=32, report_to=[], use_cpu=True, dataloader_num_workers=0,
                         dataset_num_proc=None, bf16=False, fp16=False, disable_tqdm=True, seed=0)
        dataset = Dataset.from_list(rows)
        trainer = DPOTrainer(model=policy, ref_model=reference, args=args, processing_class=tokenizer,
                             train_dataset=dataset, eval_dataset=dataset)
        metrics = trainer.evaluate()

        # TRL's tokenisation and its per-sequence summed completion log-probs (chosen then rejected) of each model.
        batch = next(iter(trainer.get_eval_dataloader()))
        with torch.no_grad():
            pc, pr = trainer.compute_ref_log_probs(trainer.model, batch)
            rc, rr = trainer.compute_ref_log_probs(trainer.ref_model, batch)
        tokenized = trainer.eval_dataset

    pairs = []
    for i, ex in enumerate(tokenized):
        # Prompt ids must be a prefix of prompt + response ids, or the two conventions would cut differently.
        assert ex["prompt_ids"] == tokenizer(rows[i]["prompt"])["input_ids"], i
        pairs.append({"prompt_ids": ex["prompt_ids"], "chosen_ids": ex["chosen_ids"], "rejected_ids": ex["rejected_ids"],
                      "policy_chosen": pc[i].item(), "policy_rejected": pr[i].item(),
                      "reference_chosen": rc[i].item(), "reference_rejected": rr[i].item()})
        assert len(ex["prompt_ids"]) + max(len(ex["chosen_ids"]), len(ex["rejected_ids"])) <= 32, i
        margin = BETA * ((pc[i] - rc[i]) - (pr[i] - rr[i])).item()
        assert abs(margin) > 1e-3, f"pair {i}: margin {margin} too close to 0 for a stable accuracy"

    keys = ["loss", "rewards/chosen", "rewards/rejected", "rewards/accuracies", "rewards/margins",
            "logps/chosen", "logps/rejected"]
    expected = {
        "trl_version": __import__("trl").__version__,
        "beta": BETA,
        "loss_type": "sigmoid",
        "eos_id": tok.token_to_id(EOS),
        "metrics": {k: metrics["eval_" + k] for k in keys},
        "pairs": pairs,
    }
    with open(os.path.join(HERE, "trl_expected.json"), "w") as f:
        json.dump(expected, f, indent=1, sort_keys=True)
        f.write("\n")
    print(json.dumps(expected["metrics"], indent=1))


if __name__ == "__main__":
    main()
