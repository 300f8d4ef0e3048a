"""LIIF, its baseline (MetaSR) and its successor (LTE) in one controlled study at CPU scale: data/results/successors.json.

    python tools/experiments/successors.py              # trains and evaluates every run that data/results/successors.json lacks
    python tools/experiments/successors.py --only lte   # only the runs whose name starts with 'lte'
    python tools/experiments/successors.py --figure     # only redraw data/results/successors_crops.png from the seed-0 runs
    python tools/experiments/successors.py --figure --seed 1 --runs ../study/runs/successors   # ... seed 1's, from another checkout's runs
    python tools/experiments/successors.py --fixed-x4 --runs ../study/runs/successors  # only add the resized baseline of the LIIF runs there

What it holds equal. Every run is `liif-edu train --preset cpu-small` with the same EDSR encoder (4 blocks of 32
features), the same photos (T91 + BSD200), the same schedule (cpu-small's whole one: 20 epochs of 145 iterations,
2,900 in all, the learning rate 1e-3 halved after epochs 12, 16 and 18) and the same seeds (0, 1, 2). The decoders are
sized so that every variant has LIIF's parameter count to within 2%: LIIF 107,235; LTE with 32 amplitudes (16
frequencies) and an MLP of two hidden layers of 64, 109,123; MetaSR with the official code's one hidden layer in its
weight network, narrowed to 26, 107,560.

What it varies. Five variants: LIIF; LIIF with LTE's bilinear skip; LTE; LTE without its skip; MetaSR. The skip is
tested both ways because it is the difference between LIIF and LTE that hands a model a head start: bilinear
interpolation before any training.

Each run validates after every second epoch (and before the first) on the bundled sample photos at x4, never on the
test sets, which gives the learning curves. Then its last weights are evaluated on Set5 and Set14 (benchmark protocol)
from x2 to x30 with the true cell, and from x6 to x30 with LTE's evaluation protocol too (the cell of x4, as
`test.py` of jaewon-lee-b/lte clips it). Each finished run is appended to data/results/successors.json at once, so the command
can be stopped and started again: a run already in the file is not trained again, and an interrupted run resumes from
its last epoch. After the main study come, if there is time, a longer schedule (four times as long) for seed 0 of the
four LIIF and LTE variants, and a learning-rate check (half and twice cpu-small's rate, seed 0) of LIIF, LTE and
MetaSR. Times are in the file; on an idle 2-core CPU the main study takes about three hours.

The study runs the liif_edu of its own checkout (the one beside this file), so that it can run in a separate work tree
while the library changes elsewhere.

The picture (`--figure`) shows the seed-0 (or `--seed`) model of every variant whose run has finished, beside bicubic and
the ground truth, on a 120 x 120 crop of a face from a bundled sample photo: one row at x4, one at x12, one output
pixel per screen pixel, at most 7 panels a row, so that it stays under 960 pixels wide for a 1024-pixel projector.
`--runs` reads the runs from another folder (another checkout's, while its study runs) without touching them.
`--fixed-x4` adds the fixed-scale baseline (the LIIF model's x4 output, then resized) for each LIIF seed whose run folder
is there and whose baseline the file lacks; the main study adds it by itself once the last LIIF seed has run.
"""
import argparse, csv, json, os, platform, subprocess, sys, time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))                           # this checkout's liif_edu, whatever else is installed

import torch
from PIL import Image

import liif_edu
from liif_edu.checkpoint import load_model
from liif_edu.cli import parse_setting
from liif_edu.data import bicubic
from liif_edu.evaluate import evaluate_set
from liif_edu.images import to_pil, to_tensor
from liif_edu.runs import validate
from liif_edu.config import get_config
from liif_edu.paths import RESULTS_DIR, SAMPLES_DIR, atomic_write
from liif_edu.upscale import liif_upscaler, upscale

RUNS = ROOT / 'runs' / 'successors'
OUT = RESULTS_DIR / 'successors.json'
FIGURE = RESULTS_DIR / 'successors_crops.png'
BENCH = ROOT.parent / 'shared' / 'data' / 'benchmark'
VAL = SAMPLES_DIR                                # held out from training, and not a test set
SETS = ('Set5', 'Set14')
SCALES = (2, 3, 4, 6, 8, 12, 18, 24, 30)
FAR = tuple(s for s in SCALES if s > 4)                  # where LTE's protocol clips the cell, and the fixed-x4 baseline
SEEDS = (0, 1, 2)
VARIANTS = {                                             # name -> the settings that make it
    'liif': ['method=liif'],
    'liif-skip': ['method=liif', 'skip=true'],
    'lte': ['method=lte', 'hidden_dim=32', 'skip=true'],
    'lte-noskip': ['method=lte', 'hidden_dim=32', 'skip=false'],
    'metasr': ['method=metasr', 'hidden=[26]'],
}
SCHEDULES = {'main': ['epochs=20', 'milestones=[12,16,18]', 'val_every=2'],      # cpu-small's whole schedule: 2,900 iterations
             'long': ['epochs=80', 'milestones=[48,64,72]', 'val_every=8']}      # four times as long, the steps where they were
LRS = {'lr5e-4': 'lr=0.0005', 'lr2e-3': 'lr=0.002'}                              # half and twice cpu-small's 1e-3


def plan() -> dict:
    "Every run, in the order they are trained: name -> (variant, seed, schedule, settings)."
    runs = {}
    for seed in SEEDS:
        for v in VARIANTS: runs[f'{v}-s{seed}'] = (v, seed, 'main', [])
    for v in ('liif', 'liif-skip', 'lte', 'lte-noskip'): runs[f'{v}-long-s0'] = (v, 0, 'long', [])
    for v in ('liif', 'lte', 'metasr'):
        for tag, lr in LRS.items(): runs[f'{v}-{tag}-s0'] = (v, 0, 'main', [lr])
    return {name: (v, seed, sched, VARIANTS[v] + SCHEDULES[sched] + extra + [f'seed={seed}', f'val_data={VAL}'])
            for name, (v, seed, sched, extra) in runs.items()}

PLAN = plan()


def settings(name) -> dict:
    return dict(parse_setting(s) for s in PLAN[name][3])


def train_command(name):
    sets = [a for s in PLAN[name][3] for a in ('--set', s)]
    return ['liif-edu', 'train', '--preset', 'cpu-small', *sets, '--out', str(RUNS / name), '-q']


def resampled(model, resize):
    "The fixed-scale baseline: the model's x4 output, then `resize`d (Pillow, on the 8-bit image) to the target size."
    def run(lr, size):
        x4 = upscale(model, lr, size=(4 * lr.shape[-2], 4 * lr.shape[-1]))
        return to_tensor(to_pil(x4).resize((size[1], size[0]), resize))
    return run


def scores(upscaler, scales=SCALES) -> dict:
    return {name: {f'x{s}': round(evaluate_set(upscaler, BENCH / name, s)['mean'], 3) for s in scales} for name in SETS}


def load() -> dict:
    if OUT.exists():
        result = json.loads(OUT.read_text())
        if result.get('schedules') == SCHEDULES: return result
        print(f'{OUT.relative_to(ROOT)} holds another study; starting afresh')
    return dict(preset='cpu-small', protocol='benchmark', scales=[f'x{s}' for s in SCALES], variants=VARIANTS, schedules=SCHEDULES,
                validation=f'{VAL.relative_to(ROOT)} at x4, benchmark protocol', runs=[], fixed_x4={},
                machine=f'{platform.machine()}, {os.cpu_count()} cores, {torch.get_num_threads()} threads, torch {torch.__version__}')


def save(result):
    atomic_write(OUT, lambda tmp: tmp.write_text(json.dumps(result, indent=1) + '\n'))


FIGURE_VARIANTS = {'liif': 'LIIF', 'liif-skip': 'LIIF + skip', 'lte-noskip': 'LTE − skip', 'lte': 'LTE', 'metasr': 'MetaSR'}
CROP = (slice(64, 184), slice(180, 300))                # a 120 x 120 face in the astronaut photo: whole input pixels at x4 and x12


def finished(run: Path) -> bool:
    "Whether the run folder holds a finished run: its last weights, and a log that reaches the epochs its config asks for."
    if not (run / 'last.safetensors').exists() or not (run / 'log.csv').exists(): return False
    rows = list(csv.DictReader((run / 'log.csv').open()))
    return bool(rows) and int(rows[-1]['epoch']) >= json.loads((run / 'config.json').read_text())['epochs']


def figure(runs=RUNS, seed=0):
    "The `seed` model of each finished variant on a face (a bundled public-domain sample photo) at x4 and x12: data/results/successors_crops.png."
    from liif_edu.data import downsampled_pair
    from liif_edu.evaluate import psnr
    from liif_edu.images import load_image
    from liif_edu.paths import sample_path
    from liif_edu.figures import fig_to_png, pixel_panels
    there = [v for v in FIGURE_VARIANTS if finished(runs / f'{v}-s{seed}')]
    if not there: sys.exit(f'no finished seed-{seed} run in {runs}')
    models = {v: load_model(runs / f'{v}-s{seed}' / 'last.safetensors') for v in there}
    face = load_image(sample_path('astronaut'))[:, CROP[0], CROP[1]]
    panels = []
    for s in (4, 12):
        lr, hr = downsampled_pair(face, s)
        outs = {'bicubic': bicubic(lr, hr.shape[-2:]),
                **{FIGURE_VARIANTS[v]: upscale(m, lr, size=tuple(hr.shape[-2:])) for v, m in models.items()}}
        panels += [(hr, f'truth, x{s}\n')] + [(img, f'{k}\n{psnr(img, hr, "benchmark", s):.2f} dB') for k, img in outs.items()]
    png = fig_to_png(pixel_panels(panels, cols=len(there) + 2, gap=10, fontsize=12))
    atomic_write(FIGURE, lambda tmp: tmp.write_bytes(png))
    print(f'wrote {FIGURE.relative_to(ROOT)}: {", ".join(there)} (seed {seed}) from {runs}')


def curve(name, model_log) -> list:
    "[(iterations, validation PSNR)]: the untrained model's first, then every validation of the run."
    cfg = get_config('cpu-small', **settings(name))
    torch.manual_seed(cfg.seed)                              # the same initial weights as `train` draws
    first = [(0, round(validate(cfg.model(), cfg), 3))]
    return first + [(int(r['iterations']), round(float(r['val_psnr']), 3)) for r in model_log if r['val_psnr']]


def fixed_x4(result, runs=RUNS):
    "Add the fixed-scale baseline of every LIIF main run in `runs` that the file lacks: its x4 output resized, two ways."
    for s in SEEDS:
        run = runs / f'liif-s{s}'
        if str(s) in result['fixed_x4'] or not finished(run): continue
        m = load_model(run / 'last.safetensors')
        result['fixed_x4'][str(s)] = {k: scores(resampled(m, f), FAR) for k, f in (('bicubic', Image.BICUBIC), ('lanczos', Image.LANCZOS))}
        save(result)
        print(f'fixed_x4 of liif-s{s}: wrote {OUT.name}', flush=True)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument('--only', default='', help='train only the runs whose name starts with this')
    ap.add_argument('--figure', action='store_true', help='only redraw the picture from one seed\'s runs')
    ap.add_argument('--seed', type=int, default=0, choices=SEEDS, help='with --figure: the seed whose models it shows (default: 0)')
    ap.add_argument('--fixed-x4', action='store_true', help='only add the resized baseline of the LIIF runs that --runs holds')
    ap.add_argument('--runs', type=Path, default=RUNS, help='with --figure or --fixed-x4: the folder of runs to read (default: this checkout\'s)')
    args = ap.parse_args(argv)
    if Path(liif_edu.__file__).resolve().parent != ROOT / 'liif_edu': sys.exit(f'imported {liif_edu.__file__}, not this checkout\'s')
    if args.figure: return figure(args.runs.resolve(), args.seed)
    if not BENCH.exists(): sys.exit(f'the training and benchmark photos are not at {BENCH.parent}: this study needs them')
    result = load()
    if args.fixed_x4: return fixed_x4(result, args.runs.resolve())
    done = {r['name'] for r in result['runs']}
    if 'bicubic' not in result:
        result['bicubic'] = scores(bicubic)
        result['bicubic_val'] = round(evaluate_set(bicubic, VAL, 4)['mean'], 3)
        save(result)
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(ROOT), os.environ.get('PYTHONPATH', '')]))
    for name, (variant, seed, schedule, _) in PLAN.items():
        if name in done or not name.startswith(args.only): continue
        cmd, last = train_command(name), RUNS / name / 'last.safetensors'
        print(f'$ {" ".join(cmd)}', flush=True)
        launcher = [sys.executable, '-c', 'import sys; from liif_edu.cli import main; sys.exit(main())']
        subprocess.run(launcher + cmd[1:] + (['--resume'] if last.exists() else []), check=True, env=env, cwd=ROOT)
        trained = json.loads((RUNS / name / 'config.json').read_text())
        assert all(trained[k] == (list(v) if isinstance(v, tuple) else v) for k, v in settings(name).items()), trained   # the folder holds the run named
        model = load_model(last)
        log = list(csv.DictReader((RUNS / name / 'log.csv').open()))
        t0 = time.perf_counter()
        run = dict(name=name, variant=variant, method=trained['method'], skip=bool(model.config.get('skip', False)), seed=seed,
                   schedule=schedule, iterations=int(log[-1]['iterations']), lr=trained['lr'],
                   parameters=sum(p.numel() for p in model.parameters()),
                   command=' '.join(cmd[:-1]).replace(str(ROOT) + '/', ''),
                   train_seconds=float(log[-1]['seconds']),                            # over every resume
                   loss=[round(float(row['loss']), 6) for row in log],                  # the mean training loss of each epoch
                   curve=curve(name, log),
                   psnr=scores(liif_upscaler(model)),
                   psnr_clipped=scores(liif_upscaler(model, cell_scale=4), FAR))        # LTE's protocol: the cell of x4
        run['evaluate_seconds'] = round(time.perf_counter() - t0, 1)
        run['finished'] = time.strftime('%Y-%m-%d %H:%M:%S')
        result['runs'].append(run)
        done.add(name)
        save(result)
        print(f'{name}: trained in {run["train_seconds"] / 60:.1f} min, evaluated in {run["evaluate_seconds"] / 60:.1f}; '
              f'wrote {OUT.name}', flush=True)
        if name.endswith('-s2') and all(f'liif-s{s}' in done for s in SEEDS): fixed_x4(result)      # the fixed-scale baseline
        if name == f'{list(VARIANTS)[-1]}-s0': figure()                                       # every variant's seed 0 is done


if __name__ == '__main__':
    main()
