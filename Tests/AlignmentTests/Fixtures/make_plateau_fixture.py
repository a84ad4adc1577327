#!/usr/bin/env python3
"""PyTorch's ReduceLROnPlateau on scripted validation losses, for PlateauScheduleTests (made with torch 2.15).

Run from this folder:  python3 make_plateau_fixture.py   ->  plateau_cases.json
Each case: settings, the values fed to scheduler.step(value) one by one, and the learning rate after each step
as a fraction of the initial one (mode "min", threshold_mode "rel", cooldown 0, min_lr = min_scale · lr).
"""
import json
import math
import os
import random

import torch

HERE = os.path.dirname(os.path.abspath(__file__))
rng = random.Random(14)


def run(values, factor, patience, threshold, min_scale):
    p = torch.nn.Parameter(torch.zeros(1))
    opt = torch.optim.SGD([p], lr=1.0)
    sched = torch.optim.lr_scheduler.ReduceLROnPlateau(opt, mode="min", factor=factor, patience=patience,
                                                       threshold=threshold, threshold_mode="rel", cooldown=0,
                                                       min_lr=min_scale)
    scales = []
    for v in values:
        sched.step(v)
        scales.append(opt.param_groups[0]["lr"])
    return scales


cases = []
noisy = [1.0 - 0.01 * i + rng.uniform(-0.05, 0.05) for i in range(40)]
flat = [0.7] * 12
plateau_then_drop = [0.9, 0.8, 0.8, 0.8, 0.8, 0.5, 0.5, 0.50001, 0.49999, 0.6, 0.6, 0.6, 0.6, 0.3]
negative = [-1.0, -1.1, -1.1, -1.0999, -1.2, -1.2, -1.2, -1.2, -1.2]
for values in [noisy, flat, plateau_then_drop, negative]:
    for factor, patience, threshold, min_scale in [(0.5, 2, 1e-4, 0.0), (0.1, 0, 1e-4, 0.0), (0.5, 1, 0.05, 0.2),
                                                   (0.3, 3, 0.0, 0.01)]:
        cases.append({"values": values, "factor": factor, "patience": patience, "threshold": threshold,
                      "min_scale": min_scale, "scales": run(values, factor, patience, threshold, min_scale)})
with open(os.path.join(HERE, "plateau_cases.json"), "w") as f:
    json.dump({"torch_version": torch.__version__, "cases": cases}, f, indent=1)
    f.write("\n")
print(len(cases), "cases")
