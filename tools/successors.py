"""LIIF against its baseline (MetaSR) and its successor (LTE) at CPU scale: train, evaluate, write data/successors.json.

    python tools/successors.py              # trains and evaluates every run that data/successors.json lacks
    python tools/successors.py --only lte   # only the runs whose name starts with 'lte'
    python tools/successors.py --figure     # only redraw data/successors_crops.png from the seed-0 runs

Every run is `liif-edu train --preset cpu-small --set epochs=10 --set milestones=[6,8,9] --set method=... --set
seed=...`: half of cpu-small's schedule, so that nine runs fit in an hour, with the same EDSR encoder (4 blocks of 32
features), the same decoder width (two hidden layers of 64; LTE estimates 64 amplitudes, so 32 frequencies, per
latent), the same photos (T91 + BSD200), iterations (10 epochs of 145) and seeds (0, 1, 2). The fixed-scale
baseline needs no run of its own: each LIIF run's x4 output, resized to the target scale by Pillow's bicubic or
Lanczos filter (a network trained at x4 only would need 192-pixel crops, which many small T91 photos lack).
Each finished run is evaluated on Set5 and Set14 (benchmark protocol) from x2 to x30 and appended to
data/successors.json at once, so the command can be stopped and started again; a run whose result is already in the
file is not trained again, and an interrupted run resumes from its last epoch. On a 2-core CPU a run takes 3 (LIIF)
to 6 (MetaSR, LTE) minutes and its evaluation one or two, so the nine runs take about an hour.
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
FIGURE = ROOT / 'data' / 'successors_crops.png'
BENCH = ROOT.parent / 'shared' / 'data' / 'benchmark'
SETS = ('Set5', 'Set14')
SCALES = (2, 3, 4, 6, 8, 12, 18, 24, 30)
SEEDS = (0, 1, 2)
BUDGET = ['epochs=10', 'milestones=[6,8,9]']          # half of cpu-small's 20 epochs, its learning-rate steps halved too
METHOD_SETS = {'liif': [], 'metasr': ['method=metasr'], 'lte': ['method=lte', 'hidden_dim=64']}
RUN_SETS = {f'{m}-s{seed}': (m, seed, BUDGET + sets + [f'seed={seed}']) for seed in SEEDS for m, sets in METHOD_SETS.items()}
RESIZE = {'bicubic': Image.BICUBIC, 'lanczos': Image.LANCZOS}
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


def figure():
    "The seed-0 model of each method on a public-domain face (a bundled sample photo) at x4 and x12: data/successors_crops.png."
    from liif_edu.data import downsampled_pair
    from liif_edu.evaluate import psnr
    from liif_edu.images import load_image, sample_path
    from liif_edu.viz import fig_to_png, pixel_panels
    models = {m: load_model(RUNS / f'{m}-s0' / 'last.safetensors') for m in METHOD_SETS}
    face = load_image(sample_path('astronaut'))[:, 40:232, 160:352]                       # 192 x 192, as in notebook 06
    panels = []
    for s in (4, 12):
        lr, hr = downsampled_pair(face, s)
        outs = {'bicubic': bicubic(lr, hr.shape[-2:]), **{m: upscale(model, lr, size=tuple(hr.shape[-2:])) for m, model in models.items()}}
        panels += [(v, f'{k} x{s}\n{psnr(v, hr, "benchmark", s):.2f} dB') for k, v in outs.items()] + [(hr, 'ground truth\n')]
    png = fig_to_png(pixel_panels(panels, cols=5, fontsize=13))
    atomic_write(FIGURE, lambda tmp: tmp.write_bytes(png))
    print(f'wrote {FIGURE}')


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument('--only', default='', help='train only the runs whose name starts with this')
    ap.add_argument('--figure', action='store_true', help='only redraw the picture from the seed-0 runs')
    args = ap.parse_args(argv)
    if not BENCH.exists(): sys.exit(f'the training and benchmark photos are not at {BENCH.parent}: this study needs them')
    if args.figure: return figure()
    result = load()
    done = {f"{r['method']}-s{r['seed']}" for r in result['runs']}
    if 'bicubic' not in result:
        result['bicubic'] = scores(bicubic); save(result)
    far = [s for s in SCALES if s > 4]                # where the fixed-scale baseline is measured
    for name, (method, seed, _) in RUN_SETS.items():
        if name in done or not name.startswith(args.only): continue
        cmd, last = train_command(name), RUNS / name / 'last.safetensors'
        print('$', ' '.join(cmd), flush=True)
        subprocess.run(cmd + (['--resume'] if last.exists() else []), check=True)
        trained = json.loads((RUNS / name / 'config.json').read_text())
        assert trained['method'] == method and trained['seed'] == seed, trained     # the run folder holds the run named
        model = load_model(last)
        log = list(csv.DictReader((RUNS / name / 'log.csv').open()))
        seconds = float(log[-1]['seconds'])                                                 # over every resume
        t0 = time.perf_counter()
        result['runs'].append(dict(method=method, seed=seed, command=' '.join(cmd[:-1]).replace(str(ROOT) + '/', ''),
                                   parameters=sum(p.numel() for p in model.parameters()), train_seconds=seconds,
                                   loss=[round(float(row['loss']), 6) for row in log],   # the mean training loss of each epoch
                                   psnr=scores(liif_upscaler(model)), evaluate_seconds=round(time.perf_counter() - t0, 1)))
        done.add(name)
        save(result)
        print(f'{name}: trained in {seconds / 60:.1f} min; wrote {OUT}', flush=True)
    for seed in SEEDS:                               # the fixed-scale baseline, from each LIIF run
        if f'liif-s{seed}' in done and str(seed) not in result['fixed_x4']:
            model, t0 = load_model(RUNS / f'liif-s{seed}' / 'last.safetensors'), time.perf_counter()
            result['fixed_x4'][str(seed)] = dict(psnr={k: scores(resampled(model, f), far) for k, f in RESIZE.items()},
                                                 evaluate_seconds=round(time.perf_counter() - t0, 1))
            save(result)
            print(f'liif-s{seed} at x4, resized: wrote {OUT}', flush=True)
    if all((RUNS / f'{m}-s0' / 'last.safetensors').exists() for m in METHOD_SETS): figure()


if __name__ == '__main__':
    main()
