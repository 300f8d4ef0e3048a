"""The self-ensemble measured with the paper's weights: writes data/results/self_ensemble.json.

    python tools/experiments/self_ensemble.py        # about an hour on a 2-core CPU; minutes on a GPU

Y-PSNR (benchmark protocol) of the paper's EDSR-baseline-LIIF on Set5 and Set14 at x2, x3 and x4, plain and with
`upscale(..., self_ensemble=True)` (the 8 flips and transposes, averaged), with the wall time of each. Notebook 08
and `liif-edu upscale --help` quote the gain; tests/test_cli.py checks the help against this file.

Needs the benchmark sets in ../shared/data/benchmark (research data, kept beside the clone, never in it) and
the paper's weights (`liif-edu fetch official`).
"""
import json, platform, time

import torch

from liif_edu.checkpoint import load_model
from liif_edu.evaluate import evaluate_set
from liif_edu.paths import SHARED_DATA, RESULTS_DIR, atomic_write
from liif_edu.upscale import liif_upscaler

OUT = RESULTS_DIR / 'self_ensemble.json'


def main():
    model = load_model('official')
    res = {'model': 'official (EDSR-baseline-LIIF, the paper\'s weights)', 'protocol': 'benchmark (Y channel, shave = scale)',
           'hardware': f'{platform.machine()} CPU, {torch.get_num_threads()} threads, torch {torch.__version__}', 'psnr': {}, 'minutes': {}}
    for name in ('Set5', 'Set14'):
        for s in (2, 3, 4):
            for label, se in (('plain', False), ('self_ensemble', True)):
                t = time.perf_counter()
                db = evaluate_set(liif_upscaler(model, self_ensemble=se), SHARED_DATA / 'benchmark' / name, s)['mean']
                res['psnr'].setdefault(f'{name} x{s}', {})[label] = round(db, 4)
                res['minutes'].setdefault(f'{name} x{s}', {})[label] = round((time.perf_counter() - t) / 60, 2)
                print(name, s, label, f'{db:.3f}', flush=True)
    atomic_write(OUT, lambda tmp: tmp.write_text(json.dumps(res, indent=1) + '\n'))


if __name__ == '__main__':
    main()
