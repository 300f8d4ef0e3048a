"""Training benchmark: one optimiser step with the plain decoder vs the factorised first layer (`FactorisedTraining`, as `train` uses it).

Both variants run in this one process on the same weights and the same batch, interleaved, and the result is a
ratio, so it means the same on any machine:

  python bench/training.py            # the paper's model and the CPU presets, batch 16 (a few minutes on 2 cores)
  python bench/training.py --quick    # the CPU presets only, batch 4

Random weights and random batches cost exactly as much as real ones.
"""
import argparse
import copy
import time

import torch

from liif_edu.encoders import count_params
from liif_edu.images import DATA_DIR
from liif_edu.inference import FactorisedTraining
from liif_edu.train import PRESETS, get_config


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
    p.add_argument('--quick', action='store_true')
    args = p.parse_args()
    presets = ['cpu-small', 'bundled'] + ([] if args.quick else ['paper-edsr-baseline'])
    B, repeat = (4, 2) if args.quick else (16, 3)
    torch.manual_seed(0)
    print(f'## one training step, batch {B}, 48x48 inputs, 2304 queries per example, {torch.get_num_threads()} threads\n')
    print('| preset | parameters | plain s/step | factorised s/step | speed-up | max grad diff / max grad |')
    print('|---|---|---|---|---|---|')
    batch = dict(inp=torch.rand(B, 3, 48, 48), coord=torch.rand(B, 2304, 2) * 2 - 1,
                 cell=torch.full((B, 2304, 2), 2 / 96), gt=torch.rand(B, 2304, 3))
    for name in presets:
        model = get_config(name, data=str(DATA_DIR / 'samples'), val_data='').model()
        fast = FactorisedTraining(copy.deepcopy(model))
        grads = []
        for m in (model, fast):
            m.zero_grad()
            torch.nn.functional.l1_loss(m(batch['inp'], batch['coord'], batch['cell']), batch['gt']).backward()
            grads.append(torch.cat([q.grad.flatten() for q in m.parameters()]))
        rel = ((grads[0] - grads[1]).abs().max() / grads[0].abs().max()).item()
        t_plain, t_fast = step_time(model, batch, repeat), step_time(fast, batch, repeat)
        t_plain = min(t_plain, step_time(model, batch, repeat))       # interleave: plain, fast, plain
        print(f'| {name} | {count_params(model):,} | {t_plain:.3f} | {t_fast:.3f} | {t_plain / t_fast:.2f}x | {rel:.1e} |', flush=True)


if __name__ == '__main__':
    main()
