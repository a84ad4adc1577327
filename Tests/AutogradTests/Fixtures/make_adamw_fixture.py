"""Reference trajectories of torch.optim.AdamW and torch.optim.SGD, for OptimizerTests.

Run from this folder: python3 make_adamw_fixture.py   (torch; writes optimizer_trajectories.json)

Two parameters, W (2x3) and b (3), start from fixed values and take 5 steps with fixed gradients
g_t[i] = sin(0.7 i + 1.3 t + 0.2) * (1 + 0.1 t), rounded to float32 and stored in the JSON, so the Swift test
feeds exactly the same gradients. Each run records the parameters after every step and the optimizer state
(exp_avg, exp_avg_sq, momentum_buffer) after the last one, keyed like torch's state_dict (parameter index).
Defaults are torch's own: CPU tensors take the single-tensor (non-foreach, non-fused) path, amsgrad off.
"""
import json
import math

import torch

STEPS = 5
SHAPES = {"W": [2, 3], "b": [3]}
ORDER = ["W", "b"]


def initial():
    return {
        "W": torch.tensor([[0.5, -1.25, 2.0], [-0.75, 0.0, 1.5]], dtype=torch.float32),
        "b": torch.tensor([0.1, -0.2, 0.3], dtype=torch.float32),
    }


def grads(t):
    out = {}
    for name in ORDER:
        n = math.prod(SHAPES[name])
        offset = 0 if name == "W" else 6
        g = [math.sin(0.7 * (i + offset) + 1.3 * t + 0.2) * (1 + 0.1 * t) for i in range(n)]
        out[name] = torch.tensor(g, dtype=torch.float32).reshape(SHAPES[name])
    return out


def floats(t):
    return [float(v) for v in t.detach().flatten().tolist()]


def run(make_optimizer, lrs, state_names):
    params = {k: torch.nn.Parameter(v.clone()) for k, v in initial().items()}
    opt = make_optimizer(params)
    after = []
    for t in range(STEPS):
        for group in opt.param_groups:
            group["lr"] = lrs[t]
        g = grads(t)
        for name in ORDER:
            params[name].grad = g[name].clone()
        opt.step()
        after.append({name: floats(params[name]) for name in ORDER})
    state = {}
    for index, name in enumerate(ORDER):
        s = opt.state[params[name]]
        for key in state_names:
            state[f"{index}.{key}"] = floats(s[key]) if torch.is_tensor(s[key]) else [float(s[key])]
    return {"lr": lrs, "after_step": after, "state": state}


def adamw(decay_b, lrs):
    def make(p):
        return torch.optim.AdamW(
            [{"params": [p["W"]], "weight_decay": 0.1}, {"params": [p["b"]], "weight_decay": 0.1 if decay_b else 0.0}],
            lr=lrs[0], betas=(0.9, 0.999), eps=1e-8)
    return make


def sgd(weight_decay):
    def make(p):
        return torch.optim.SGD([p["W"], p["b"]], lr=0.05, momentum=0.9, weight_decay=weight_decay)
    return make


constant = [1e-2] * STEPS
schedule = [1e-2 * (t + 1) / STEPS for t in range(STEPS)]
adam_state = ["exp_avg", "exp_avg_sq", "step"]
fixture = {
    "torch": torch.__version__,
    "initial": {name: floats(v) for name, v in initial().items()},
    "shapes": SHAPES,
    "grads": [{name: floats(g) for name, g in grads(t).items()} for t in range(STEPS)],
    "runs": {
        "adamw_decay_W_only": dict(run(adamw(False, constant), constant, adam_state), decay={"W": True, "b": False},
                                   weight_decay=0.1),
        "adamw_decay_all": dict(run(adamw(True, constant), constant, adam_state), decay={"W": True, "b": True},
                                weight_decay=0.1),
        "adamw_lr_schedule": dict(run(adamw(False, schedule), schedule, adam_state), decay={"W": True, "b": False},
                                  weight_decay=0.1),
        "sgd_momentum": dict(run(sgd(0.0), [0.05] * STEPS, ["momentum_buffer"]), momentum=0.9, weight_decay=0.0),
        "sgd_momentum_decay": dict(run(sgd(0.01), [0.05] * STEPS, ["momentum_buffer"]), momentum=0.9,
                                   weight_decay=0.01),
    },
}
with open("optimizer_trajectories.json", "w") as out:
    json.dump(fixture, out, indent=1, sort_keys=True)
    out.write("\n")
print("wrote optimizer_trajectories.json")
