"""The bicubic baselines of notebook 07, measured on the benchmark sets: writes data/results/bicubic_baselines.json.

    python tools/experiments/bicubic_baselines.py        # seconds

Bicubic upscaling of each benchmark input back to the ground truth's size, scored with `liif_edu.evaluate`:
Pillow's bicubic (`liif_edu.data.bicubic`, the one that makes the inputs and the published baselines) and
PyTorch's (`F.interpolate(mode='bicubic')`, a sharper kernel), under the benchmark protocol, and Pillow's
under the DIV2K protocol too. Notebook 07 measures the same numbers live when the benchmark sets are there,
and shows this file's when they are not.

Needs the benchmark sets in ../shared/data/benchmark: research data, kept beside the clone, never in it.
"""
import json, os, platform, sys, time
from pathlib import Path

import torch
import torch.nn.functional as F

from liif_edu.data import bicubic
from liif_edu.evaluate import evaluate_set
from liif_edu.paths import SHARED_DATA, RESULTS_DIR, atomic_write

BENCH = SHARED_DATA / 'benchmark'
OUT = RESULTS_DIR / 'bicubic_baselines.json'
CASES = (('Set5', 2), ('Set5', 4), ('Set14', 4))    # the baselines published with the benchmark copies


def torch_bicubic(lr, size):
    "PyTorch's bicubic (a = -0.75), rounded to 8 bits as a saved image would be."
    out = F.interpolate(lr[None], size=tuple(size), mode='bicubic', align_corners=False)[0]
    return (out.clamp(0, 1) * 255).round() / 255


def measure(bench=BENCH) -> dict:
    "{'benchmark': {'Set5 x2': {'pillow': dB, 'torch': dB}, ...}, 'div2k': {'Set5 x4': {'pillow': dB}}}"
    out = {'benchmark': {}, 'div2k': {}}
    for name, s in CASES:
        out['benchmark'][f'{name} x{s}'] = {'pillow': evaluate_set(bicubic, bench / name, s)['mean'],
                                            'torch': evaluate_set(torch_bicubic, bench / name, s)['mean']}
    out['div2k']['Set5 x4'] = {'pillow': evaluate_set(bicubic, bench / 'Set5', 4, 'div2k')['mean']}
    return out


def main():
    if not BENCH.exists():
        sys.exit(f'the benchmark sets are not at {BENCH}: they are research data, kept beside the clone (../shared/data), never in it')
    t0 = time.perf_counter()
    psnr_db = measure()
    record = {
        'what': "mean PSNR (dB) of bicubic upscaling on the benchmark sets: Pillow's bicubic ('pillow', liif_edu.data.bicubic) "
                "and PyTorch's ('torch', F.interpolate mode='bicubic', rounded to 8 bits)",
        'psnr_db': psnr_db,
        'made': {'command': 'python tools/experiments/bicubic_baselines.py', 'seconds': round(time.perf_counter() - t0, 1),
                 'machine': f'{platform.machine()}, {os.cpu_count()} cores, torch {torch.__version__}'},
    }
    atomic_write(OUT, lambda tmp: tmp.write_text(json.dumps(record, indent=1) + '\n'))
    for protocol, rows in psnr_db.items():
        for case, v in rows.items(): print(protocol, case, ', '.join(f'{k} {x:.3f}' for k, x in v.items()))
    print(f'wrote {OUT}')


if __name__ == '__main__':
    main()
