"""Training benchmark: one optimiser step with the plain decoder vs the factorised first layer (`FactorisedTraining`, as `train` uses it).

Both variants run in this one process on the same weights and the same batch, interleaved, and the result is a
ratio, so it means the same on any machine:

  python bench/training.py            # the paper's model and the CPU presets, batch 16 (a few minutes on 2 cores)
  python bench/training.py --quick    # the CPU presets only, batch 4
  python bench/training.py --smoke    # the CPU presets on a tiny batch, seconds: does the script still run?

Random weights and random batches cost exactly as much as real ones. The run stops with an error if the
factorised gradients are not the plain ones.
"""
import argparse
import copy
import sys
import time

import torch

from liif_edu.encoders import count_params
from liif_edu.paths import SAMPLES_DIR
from liif_edu.inference import FactorisedTraining
from liif_edu.config import get_config

# presets, batch, LR input side, queries per example, timed steps
SIZES = {
    'full': (['cpu-small', 'bundled', 'paper-edsr-baseline'], 16, 48, 2304, 3),
    'quick': (['cpu-small', 'bundled'], 4, 48, 2304, 2),
    'smoke': (['cpu-small', 'bundled'], 1, 16, 256, 1),
}
TOLERANCE = 1e-4  # max gradient difference allowed, relative to the largest gradient


def step_time(model, batch, repeat):
    opt = torch.optim.Adam(model.parameters(), 1e-4)
    def step():
        loss = torch.nn.functional.l1_loss(model(batch['inp'], batch['coord'], batch['cell']), batch['gt'])
        opt.zero_grad(); loss.backward(); opt.step()
    step()  # warm up
    times = []
    for _ in range(repeat):
        t = time.perf_counter(); step(); times.append(time.perf_counter() - t)
    return min(times)


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    size = p.add_mutually_exclusive_group()
    size.add_argument('--quick', action='store_true', help='the CPU presets only, batch 4')
    size.add_argument('--smoke', action='store_true', help='the smallest sizes: checks that the script runs; its numbers mean nothing')
    args = p.parse_args()
    presets, B, inp, q, repeat = SIZES['smoke' if args.smoke else 'quick' if args.quick else 'full']
    torch.manual_seed(0)
    print(f'## one training step, batch {B}, {inp}x{inp} inputs, {q} queries per example, {torch.get_num_threads()} threads\n')
    print('| preset | parameters | plain s/step | factorised s/step | speed-up | max grad diff / max grad |')
    print('|---|---|---|---|---|---|')
    batch = dict(inp=torch.rand(B, 3, inp, inp), coord=torch.rand(B, q, 2) * 2 - 1,
                 cell=torch.full((B, q, 2), 1 / inp), gt=torch.rand(B, q, 3))  # cell: a pixel of the x2 output
    for name in presets:
        model = get_config(name, data=str(SAMPLES_DIR), val_data='').model()
        fast = FactorisedTraining(copy.deepcopy(model))
        grads = []
        for m in (model, fast):
            m.zero_grad()
            torch.nn.functional.l1_loss(m(batch['inp'], batch['coord'], batch['cell']), batch['gt']).backward()
            grads.append(torch.cat([w.grad.flatten() for w in m.parameters()]))
        rel = ((grads[0] - grads[1]).abs().max() / grads[0].abs().max()).item()
        t_plain, t_fast = step_time(model, batch, repeat), step_time(fast, batch, repeat)
        t_plain = min(t_plain, step_time(model, batch, repeat))       # interleave: plain, fast, plain
        print(f'| {name} | {count_params(model):,} | {t_plain:.3f} | {t_fast:.3f} | {t_plain / t_fast:.2f}x | {rel:.1e} |', flush=True)
        if not rel <= TOLERANCE: sys.exit(f'{name}: the factorised gradients differ from the plain ones by {rel:.1e} of the largest (> {TOLERANCE:.0e})')


if __name__ == '__main__':
    main()
