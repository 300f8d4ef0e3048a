"""LIIF against its baseline (MetaSR) and its successor (LTE) at CPU scale: train, evaluate, write data/successors.json.

    python tools/successors.py              # trains and evaluates every run that data/successors.json lacks
    python tools/successors.py --only lte   # only the runs whose name starts with 'lte'

Every run is `liif-edu train --preset cpu-small --set method=... --set seed=...`: the same EDSR encoder (4 blocks of
32 features), the same decoder width (two hidden layers of 64; LTE estimates 64 amplitudes, so 32 frequencies, per
latent), the same photos (T91 + BSD200), iterations (20 epochs of 145) and seeds (0, 1, 2). One more run is the
fixed-scale baseline: the LIIF model trained at x4 only, whose x4 output is resampled to the target size (bicubic
and Lanczos). Each finished run is evaluated on Set5 and Set14 (benchmark protocol) from x2 to x30 and appended to
data/successors.json at once, so the command can be stopped and started again; a run whose result is already in the
file is not trained again, and an interrupted run resumes from its last epoch. On a 2-core CPU one run takes 4 to
13 minutes and its evaluation under a minute, so the ten runs take one to two hours.
"""
import argparse, csv, json, platform, subprocess, sys, time
from pathlib import Path

import torch
from PIL import Image

from liif_edu.checkpoint import load_model
from liif_edu.data import bicubic
from liif_edu.evaluate import evaluate_set
from liif_edu.images import to_pil, to_tensor
from liif_edu.runs import atomic_write
from liif_edu.upscale import liif_upscaler, upscale

ROOT = Path(__file__).resolve().parent.parent
RUNS = ROOT / 'runs' / 'successors'
OUT = ROOT / 'data' / 'successors.json'
BENCH = ROOT.parent / 'shared' / 'data' / 'benchmark'
SETS = ('Set5', 'Set14')
SCALES = (2, 3, 4, 6, 8, 12, 18, 24, 30)
SEEDS = (0, 1, 2)
METHOD_SETS = {'liif': [], 'metasr': ['method=metasr'], 'lte': ['method=lte', 'hidden_dim=64']}
RUN_SETS = {f'{m}-s{seed}': (m, seed, sets + [f'seed={seed}']) for seed in SEEDS for m, sets in METHOD_SETS.items()}
RUN_SETS = dict(list(RUN_SETS.items())[:3] + [('fixed-x4', ('liif', 0, ['scale_min=4', 'scale_max=4']))] + list(RUN_SETS.items())[3:])
PUBLISHED = {  # DIV2K validation, EDSR-baseline encoder, PSNR (dB), as collected in Table 1 of Becker et al. 2023 (Thera, arXiv 2311.17643)
    'source': 'Thera (arXiv 2311.17643), Table 1: DIV2K validation, EDSR-baseline encoder',
    'scales': ['x2', 'x3', 'x4'],
    'metasr': [34.64, 30.93, 28.92], 'liif': [34.67, 30.96, 29.00], 'lte': [34.72, 31.02, 29.04],
}


def train_command(name):
    sets = [a for s in RUN_SETS[name][2] for a in ('--set', s)]
    return ['liif-edu', 'train', '--preset', 'cpu-small', *sets, '--out', str(RUNS / name), '-q']


def resampled(model, resize):
    "The fixed-scale baseline: the model's x4 output, then `resize`d (Pillow, on the 8-bit image) to the target size."
    def run(lr, size):
        x4 = upscale(model, lr, size=(4 * lr.shape[-2], 4 * lr.shape[-1]))
        return to_tensor(to_pil(x4).resize((size[1], size[0]), resize))
    return run


def scores(upscaler, scales=None) -> dict:
    return {name: {f'x{s}': round(evaluate_set(upscaler, BENCH / name, s)['mean'], 3) for s in scales or SCALES} for name in SETS}


def load() -> dict:
    if OUT.exists(): return json.loads(OUT.read_text())
    return dict(preset='cpu-small', protocol='benchmark', scales=[f'x{s}' for s in SCALES], runs=[], fixed_x4={},
                published=PUBLISHED, machine=f'{platform.machine()}, {torch.get_num_threads()} threads, torch {torch.__version__}')


def save(result):
    atomic_write(OUT, lambda tmp: tmp.write_text(json.dumps(result, indent=1) + '\n'))


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument('--only', default='', help='train only the runs whose name starts with this')
    args = ap.parse_args(argv)
    if not BENCH.exists(): sys.exit(f'the training and benchmark photos are not at {BENCH.parent}: this study needs them')
    result = load()
    done = {f"{r['method']}-s{r['seed']}" for r in result['runs']} | ({'fixed-x4'} if result['fixed_x4'] else set())
    if 'bicubic' not in result:
        result['bicubic'] = scores(bicubic); save(result)
    for name, (method, seed, _) in RUN_SETS.items():
        if name in done or not name.startswith(args.only): continue
        cmd, last = train_command(name), RUNS / name / 'last.safetensors'
        print('$', ' '.join(cmd), flush=True)
        subprocess.run(cmd + (['--resume'] if last.exists() else []), check=True)
        model = load_model(last)
        trained = json.loads((RUNS / name / 'config.json').read_text())
        seconds = float(list(csv.DictReader((RUNS / name / 'log.csv').open()))[-1]['seconds'])   # over every resume
        t0 = time.perf_counter()
        if name == 'fixed-x4':
            out = {k: scores(resampled(model, f), [s for s in SCALES if s > 4]) for k, f in
                   (('bicubic', Image.BICUBIC), ('lanczos', Image.LANCZOS))}
            result['fixed_x4'] = dict(command=' '.join(cmd[:-1]).replace(str(ROOT) + '/', ''), train_seconds=seconds,
                                      evaluate_seconds=round(time.perf_counter() - t0, 1), psnr=out)
        else:
            result['runs'].append(dict(method=method, seed=seed, command=' '.join(cmd[:-1]).replace(str(ROOT) + '/', ''),
                                       parameters=sum(p.numel() for p in model.parameters()), train_seconds=seconds,
                                       psnr=scores(liif_upscaler(model)), evaluate_seconds=round(time.perf_counter() - t0, 1)))
        assert trained['method'] == method and trained['seed'] == seed, trained
        save(result)
        print(f'{name}: trained in {seconds / 60:.1f} min; wrote {OUT}', flush=True)


if __name__ == '__main__':
    main()
