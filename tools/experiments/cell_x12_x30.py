"""What the cell is worth out of the training range (notebook 07): PSNR at x12 and x30 with the true cell, with the
cell of x4, and for a model trained with no cell at all; writes data/results/cell_x12_x30.json.

    python tools/experiments/cell_x12_x30.py                                  # all of it: many minutes on a CPU
    python tools/experiments/cell_x12_x30.py --sets Set5 --scales 30 --out /tmp/check.json   # a part, for a quicker check

Five ways to decode, each scored with `scale_sweep` under the benchmark protocol: the paper's model (`load_model('official')`)
and notebook 06's cpu-small model, each with the true cell (`liif_upscaler(model)`) and with the cell of x4
(`liif_upscaler(model, cell_scale=4)`), and cpu-small trained without cell decoding, which has no cell to be told.

Needs the benchmark sets in ../shared/data/benchmark (research data, kept beside the clone, never in it), the paper's
weights in the cache (`liif-edu fetch official`), and the ablation runs runs/ablation/liif and runs/ablation/no-cell,
which `python tools/experiments/ablations.py` trains.
"""
import argparse, json, os, platform, sys, time
from pathlib import Path

import torch

from liif_edu.checkpoint import load_model
from liif_edu.evaluate import scale_sweep
from liif_edu.scales import scale_name
from liif_edu.paths import SHARED_DATA, RESULTS_DIR, atomic_write
from liif_edu.upscale import liif_upscaler

ROOT = Path(__file__).resolve().parents[2]
BENCH = SHARED_DATA / 'benchmark'
RUNS = ROOT / 'runs' / 'ablation'
OUT = RESULTS_DIR / 'cell_x12_x30.json'


def methods(runs=RUNS, device='cpu') -> dict:
    "The five decodings, by the names notebook 07 shows."
    official = load_model('official', device=device)
    small, no_cell = (load_model(runs / name / 'last.safetensors', device=device) for name in ('liif', 'no-cell'))
    return {'official, true cell': liif_upscaler(official), 'cpu-small, true cell': liif_upscaler(small),
            'cpu-small, trained with no cell': liif_upscaler(no_cell),
            'official, x4 cell': liif_upscaler(official, cell_scale=4), 'cpu-small, x4 cell': liif_upscaler(small, cell_scale=4)}


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument('--sets', nargs='+', default=['Set5', 'Set14'])
    p.add_argument('--scales', type=float, nargs='+', default=[12, 30])
    p.add_argument('--runs', type=Path, default=RUNS, help='the folder of the ablation runs (default runs/ablation)')
    p.add_argument('--device', default='cpu')
    p.add_argument('--out', type=Path, default=OUT)
    args = p.parse_args()
    if not BENCH.exists():
        sys.exit(f'the benchmark sets are not at {BENCH}: they are research data, kept beside the clone (../shared/data), never in it')
    missing = [name for name in ('liif', 'no-cell') if not (args.runs / name / 'last.safetensors').exists()]
    if missing:
        sys.exit(f'no ablation runs {missing} in {args.runs}: python tools/experiments/ablations.py trains them (notebook 06)')
    scales = [int(s) if float(s).is_integer() else s for s in args.scales]
    t0 = time.perf_counter()
    ways = methods(args.runs, args.device)
    psnr_db = {}
    for name in args.sets:
        print(f'{name}: x{", x".join(f"{s:g}" for s in scales)}', flush=True)
        res = scale_sweep(ways, BENCH / name, scales, progress=True)
        psnr_db[name] = {m: {scale_name(s): round(v, 3) for s, v in row.items()} for m, row in res.items()}
    seconds = time.perf_counter() - t0
    record = {
        'what': 'mean PSNR (dB), benchmark protocol, of five ways to decode at large scales: with the true cell, with the cell of x4, '
                'and (cpu-small only) a model trained with no cell',
        'models': {'official': "the paper's EDSR-baseline-LIIF, load_model('official')",
                   'cpu-small': f"{os.path.relpath(args.runs / 'liif', ROOT)}: notebook 06's cpu-small preset",
                   'cpu-small, trained with no cell': f"{os.path.relpath(args.runs / 'no-cell', ROOT)}: the same preset with cell_decode=false"},
        'psnr_db': psnr_db,
        'made': {'how': f'measured by python tools/experiments/cell_x12_x30.py ({platform.machine()}, {os.cpu_count()} cores, '
                        f'torch {torch.__version__}, device {args.device})',
                 'command': 'python tools/experiments/cell_x12_x30.py',
                 'cost': f'{seconds / 60:.0f} minutes' + (' on the CPU' if args.device == 'cpu' else f' on {args.device}')},
    }
    atomic_write(args.out, lambda tmp: tmp.write_text(json.dumps(record, indent=1) + '\n'))
    print(f'wrote {args.out} in {seconds / 60:.1f} minutes')


if __name__ == '__main__':
    main()
