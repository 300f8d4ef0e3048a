"""The paper's ablations (Table 3) at CPU scale: train the variants, evaluate them, write data/results/ablations.json.

    python tools/experiments/ablations.py           # trains what is missing under runs/ablation/, then evaluates every variant

Every run is the project's own command, `liif-edu train --preset cpu-small --set ...`, from scratch with the same
seed, data and budget (20 epochs of 145 iterations on T91 + BSD200); one more seed of the full model measures the
run-to-run spread. Each finished run is evaluated with `liif-edu evaluate` on Set5 and Set14 under the benchmark
protocol. A run that already finished is not trained again; an interrupted one is resumed. Each run takes about as long
as notebook 06's cpu-small run (its time is in data/results/cpu_small.json); the evaluation adds a few minutes per run.
"""
import csv, json, subprocess, sys, tempfile, time
from pathlib import Path

from liif_edu.paths import atomic_write

ROOT = Path(__file__).resolve().parents[2]
RUNS = ROOT / 'runs' / 'ablation'
OUT = ROOT / 'data' / 'results' / 'ablations.json'
BENCH = ROOT.parent / 'shared' / 'data' / 'benchmark'
SCALES = (2, 3, 4, 6, 8, 12, 30)
VARIANTS = {                       # name: (the paper's label, the --set options)
    'liif': ('LIIF', []),
    'no-cell': ('LIIF(-c)', ['cell_decode=false']),
    'no-unfold': ('LIIF(-u)', ['feat_unfold=false']),
    'no-ensemble': ('LIIF(-e)', ['local_ensemble=false']),
    'no-depth': ('LIIF(-d)', ['hidden=[64]']),
    'liif-seed1': ('LIIF, seed 1', ['seed=1']),
}
PAPER = {  # Chen et al. 2021, Table 3: EDSR-baseline encoder, DIV2K validation, PSNR (dB)
    'scales': ['x2', 'x3', 'x4', 'x6', 'x12', 'x18', 'x24', 'x30'],
    'LIIF': [34.67, 30.96, 29.00, 26.75, 23.71, 22.17, 21.18, 20.48],
    'LIIF(-c)': [34.53, 30.92, 28.97, 26.73, 23.72, 22.19, 21.19, 20.51],
    'LIIF(-u)': [34.64, 30.94, 28.98, 26.73, 23.69, 22.16, 21.17, 20.47],
    'LIIF(-e)': [34.63, 30.95, 28.97, 26.72, 23.66, 22.13, 21.14, 20.45],
    'LIIF(-d)': [34.65, 30.94, 28.98, 26.71, 23.64, 22.10, 21.12, 20.42],
}


def train_command(name):
    sets = [a for s in VARIANTS[name][1] for a in ('--set', s)]
    return ['liif-edu', 'train', '--preset', 'cpu-small', *sets, '--out', str(RUNS / name), '-q']


def finished(name) -> bool:
    log = RUNS / name / 'log.csv'
    return log.exists() and any(row['epoch'] == '20' for row in csv.DictReader(log.open()))


def main():
    if not BENCH.exists(): sys.exit(f'the training and benchmark photos are not at {BENCH.parent}')
    RUNS.mkdir(parents=True, exist_ok=True)
    result = {'preset': 'cpu-small', 'scales': [f'x{s}' for s in SCALES], 'protocol': 'benchmark', 'variants': {}, 'paper_table_3': PAPER}
    for name in VARIANTS:
        cmd = train_command(name)
        if not finished(name):
            resume = ['--resume'] if (RUNS / name / 'last.safetensors').exists() else []
            print('$', ' '.join(cmd + resume), flush=True)
            subprocess.run(cmd + resume, check=True)
        rows = list(csv.DictReader((RUNS / name / 'log.csv').open()))
        with tempfile.TemporaryDirectory() as d:
            ev = ['liif-edu', 'evaluate', '--model', str(RUNS / name / 'last.safetensors'), '--data', str(BENCH / 'Set5'),
                  str(BENCH / 'Set14'), '--scales', ','.join(map(str, SCALES)), '--json', f'{d}/r.json', '-q']
            print('$', ' '.join(ev), flush=True)
            t0 = time.perf_counter()
            subprocess.run(ev, check=True, stdout=subprocess.DEVNULL)
            scores = json.loads(Path(d, 'r.json').read_text())
        result['variants'][name] = {
            'label': VARIANTS[name][0],
            'command': ' '.join(cmd[:-1]).replace(str(ROOT) + '/', ''),
            'train_seconds': float(rows[-1]['seconds']),
            'final_loss': float(rows[-1]['loss']),
            'evaluate_seconds': round(time.perf_counter() - t0, 1),
            'psnr_db': {Path(f).name: {s: round(v, 3) for s, v in m['liif_edu'].items()} for f, m in scores.items()},
        }
        result['bicubic'] = {Path(f).name: {s: round(v, 3) for s, v in m['bicubic'].items()} for f, m in scores.items()}
    atomic_write(OUT, lambda tmp: tmp.write_text(json.dumps(result, indent=1) + '\n'))
    print(f'wrote {OUT}')


if __name__ == '__main__':
    main()
