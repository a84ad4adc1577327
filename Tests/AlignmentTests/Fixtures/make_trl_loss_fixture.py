#!/usr/bin/env python3
"""TRL loss parity fixture for TRLLossParityTests: TRL's own loss code on fixed log-prob tensors.

Run from this folder, offline (made with trl 1.16.0, torch 2.15):  python3 make_trl_loss_fixture.py
Writes trl_losses.json: 12 pairs of summed completion log-probs (policy and reference, chosen and rejected) with
completion lengths in tokens (response + EOS), and per pair the loss TRL computes for each of:

  ipo      DPOTrainer._compute_loss, loss_type="ipo": TRL averages each log-ratio over its completion tokens
  hinge    DPOTrainer._compute_loss, loss_type="hinge"
  sigmoid  DPOTrainer._compute_loss, loss_type="sigmoid" (plain DPO, as a check of the harness)
  cdpo     CPOTrainer.cpo_loss, loss_type="sigmoid" with label_smoothing, called on the log-ratios: TRL 1.16's
           DPOTrainer no longer smooths its sigmoid loss (label_smoothing now only feeds robust/EXO/AOT), and
           cpo_loss's smoothed sigmoid is the conservative-DPO formula (1-e)(-log s(bh)) + e(-log s(-bh))
  simpo    CPOTrainer.cpo_loss, loss_type="simpo" (label_smoothing 0) on length-averaged policy log-probs, as
           CPOTrainer.concatenated_forward passes them (average_log_prob=True for simpo)

DPOTrainer._compute_loss is called with a stand-in `self` and a stand-in model whose per-token log-probs sum to the
fixed values (spread evenly over the completion tokens); reference log-probs enter as precomputed, the way
`precompute_ref_log_probs=True` feeds them. Each pair is its own batch, so the returned mean is that pair's loss.
"""
import collections
import json
import os
import types

import torch
from trl import DPOTrainer
from trl.experimental.cpo import CPOTrainer

HERE = os.path.dirname(os.path.abspath(__file__))
BETA = 0.1
LABEL_SMOOTHING = 0.2
SIMPO_BETA, SIMPO_GAMMA = 2.0, 0.5
PROMPT_LEN = 3


class Accelerator:
    device = torch.device("cpu")

    def gather(self, x):
        return x

    def gather_for_metrics(self, x):
        return x


class Outputs:
    def __init__(self, log_probs):
        self.log_probs = log_probs
        self.entropy = torch.zeros_like(log_probs)
        self.mean_logits = torch.zeros_like(log_probs)
        self.is_top1 = torch.zeros_like(log_probs, dtype=torch.bool)


class FakeModel:
    """Returns fixed per-token log-probs for the (chosen, rejected) batch whatever the input."""

    training = False

    def __init__(self, per_token):
        self.per_token = per_token

    def __call__(self, **kwargs):
        return Outputs(self.per_token)


def trainer_stub(loss_type, model):
    return types.SimpleNamespace(
        model=model, accelerator=Accelerator(), aux_loss_enabled=False, ld_alpha=None, precompute_ref_logps=True,
        f_divergence_type="reverse_kl", loss_types=[loss_type], loss_weights=[1.0], beta=BETA,
        label_smoothing=0.0, use_weighting=False, _metrics={"train": collections.defaultdict(list),
                                                            "eval": collections.defaultdict(list)},
        _total_train_tokens=0, _tp_size=1)


def dpo_pair_loss(loss_type, pc, pr, rc, rr, lc, lr):
    """One pair through DPOTrainer._compute_loss: completion_mask marks lc / lr tokens after a 3-token prompt."""
    length = PROMPT_LEN + max(lc, lr)
    mask = torch.zeros(2, length, dtype=torch.long)
    mask[0, PROMPT_LEN:PROMPT_LEN + lc] = 1
    mask[1, PROMPT_LEN:PROMPT_LEN + lr] = 1
    shift = mask[:, 1:].to(torch.float64)
    totals = torch.tensor([pc, pr], dtype=torch.float64)
    per_token = shift * (totals / shift.sum(dim=1)).unsqueeze(1)
    inputs = {"input_ids": torch.zeros(2, length, dtype=torch.long), "attention_mask": torch.ones(2, length, dtype=torch.long),
              "completion_mask": mask, "ref_chosen_logps": torch.tensor([rc], dtype=torch.float64),
              "ref_rejected_logps": torch.tensor([rr], dtype=torch.float64)}
    model = FakeModel(per_token)
    return DPOTrainer._compute_loss(trainer_stub(loss_type, model), model, inputs, False).item()


def cpo_losses(loss_type, chosen, rejected, beta, label_smoothing, gamma=0.0):
    stub = types.SimpleNamespace(alpha=0.0, beta=beta, loss_type=loss_type, label_smoothing=label_smoothing,
                                 simpo_gamma=gamma, accelerator=Accelerator())
    losses, _, _ = CPOTrainer.cpo_loss(stub, chosen, rejected)
    return losses.tolist()


def main():
    g = torch.Generator().manual_seed(14)
    n = 12
    pc = -torch.rand(n, generator=g, dtype=torch.float64) * 60 - 5
    pr = -torch.rand(n, generator=g, dtype=torch.float64) * 60 - 5
    # references near the policy so margins straddle the targets, with a few far ones
    rc = pc + (torch.rand(n, generator=g, dtype=torch.float64) - 0.5) * 20
    rr = pr + (torch.rand(n, generator=g, dtype=torch.float64) - 0.5) * 20
    lc = torch.randint(2, 24, (n,), generator=g).tolist()
    lr = torch.randint(2, 24, (n,), generator=g).tolist()
    pairs = []
    for i in range(n):
        args = (pc[i].item(), pr[i].item(), rc[i].item(), rr[i].item(), lc[i], lr[i])
        pairs.append({"policy_chosen": args[0], "policy_rejected": args[1], "reference_chosen": args[2],
                      "reference_rejected": args[3], "chosen_length": lc[i], "rejected_length": lr[i],
                      "ipo": dpo_pair_loss("ipo", *args), "hinge": dpo_pair_loss("hinge", *args),
                      "sigmoid": dpo_pair_loss("sigmoid", *args)})
    cdpo = cpo_losses("sigmoid", pc - rc, pr - rr, BETA, LABEL_SMOOTHING)
    lens_c = torch.tensor(lc, dtype=torch.float64)
    lens_r = torch.tensor(lr, dtype=torch.float64)
    simpo = cpo_losses("simpo", pc / lens_c, pr / lens_r, SIMPO_BETA, 0.0, SIMPO_GAMMA)
    for p, c, s in zip(pairs, cdpo, simpo):
        p["cdpo"], p["simpo"] = c, s
    out = {"trl_version": __import__("trl").__version__, "beta": BETA, "label_smoothing": LABEL_SMOOTHING,
           "simpo_beta": SIMPO_BETA, "simpo_gamma": SIMPO_GAMMA, "pairs": pairs}
    with open(os.path.join(HERE, "trl_losses.json"), "w") as f:
        json.dump(out, f, indent=1, sort_keys=True)
        f.write("\n")
    print(json.dumps(pairs[0], indent=1))


if __name__ == "__main__":
    main()
