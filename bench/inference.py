"""Inference benchmark: plain vs fast path, decoder efficiency, the self-ensemble's cost, and peak memory of upscale
(LIIF, MetaSR and LTE).

Everything is measured in this one run, on the same (random) weights, and reported as
ratios against a baseline measured alongside it, so the numbers mean the same on any machine:

  python bench/inference.py            # full run (about 12 minutes on 2 CPU cores)
  python bench/inference.py --quick    # smaller sizes, a minute or two
  python bench/inference.py --smoke    # every section on the smallest sizes, seconds: does the script still run?
  python bench/inference.py --only memory --models metasr,lte   # MetaSR's and LTE's 512x512 x4, tiled, against untiled

Random weights cost exactly as much to run as trained ones. The run stops with an error if the fast path's
numbers are not the plain path's.
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile
import time

import torch

from liif_edu.inference import decode_table, latent_table
from liif_edu.devices import DEFAULT_MAX_MEMORY
from liif_edu.model import LIIF, render
from liif_edu.upscale import upscale

# speed: input side and scales; decoder: queries per chunk and chunks; memory: (input side, scale) jobs and the budget.
# smoke's budget is small enough that its job is decoded in tiles, so the crop check covers the tile seams.
SIZES = {
    'full': dict(n=64, scales=(2, 4, 8), q=2048, n_chunks=8, jobs=[(512, 4), (2048, 2)], budget=DEFAULT_MAX_MEMORY),
    'quick': dict(n=32, scales=(2, 4, 8), q=2048, n_chunks=8, jobs=[(128, 4), (256, 2)], budget=DEFAULT_MAX_MEMORY),
    'smoke': dict(n=8, scales=(2, 3), q=256, n_chunks=1, jobs=[(16, 2)], budget=2**18),
}
TOLERANCE = 1e-4  # max abs difference allowed between the fast and the plain path's colours


def best_time(f, repeat=3):
    f()  # warm up
    times = []
    for _ in range(repeat):
        t = time.perf_counter(); f(); times.append(time.perf_counter() - t)
    return min(times)


def check(diff, what):
    """A speed-up of a path that gives other numbers means nothing: fail the run (exit status 1) rather than print it."""
    if not diff <= TOLERANCE: sys.exit(f'{what}: the fast path differs from the plain path by {diff:.1e} (> {TOLERANCE:.0e})')


def plain_vs_fast(model, n, scales):
    print(f'## plain vs fast path: {n}x{n} input, whole pipeline (encoder + decoder)\n')
    print('| scale | output | plain px/s | fast px/s | speed-up | max abs diff |')
    print('|---|---|---|---|---|---|')
    img = torch.rand(3, n, n)
    model.eval()
    for s in scales:
        size = (n * s, n * s)
        t_plain = best_time(lambda: render(model, img, size), repeat=1)  # LIIF.query_rgb, the path the notebooks teach
        plain = render(model, img, size).clamp(0, 1)
        t_fast = best_time(lambda: upscale(model, img, size=size), repeat=2)
        diff = (upscale(model, img, size=size) - plain).abs().max().item()
        px = size[0] * size[1]
        print(f'| x{s} | {size[0]}x{size[1]} | {px / t_plain:,.0f} | {px / t_fast:,.0f} | {t_plain / t_fast:.2f}x | {diff:.1e} |')
        check(diff, f'x{s}')
    print()


def self_ensemble_cost(model, n, s):
    """upscale(self_ensemble=True) against the plain upscale: eight views should cost eight times one."""
    img = torch.rand(3, n, n)
    model.eval()
    plain = lambda: upscale(model, img, scale=s)
    both = lambda: upscale(model, img, scale=s, self_ensemble=True)
    plain(); both()
    t_plain, t_se = float('inf'), float('inf')
    for _ in range(3):   # interleaved, so that whatever else the machine is doing slows both sides alike
        t = time.perf_counter(); plain(); t_plain = min(t_plain, time.perf_counter() - t)
        t = time.perf_counter(); both(); t_se = min(t_se, time.perf_counter() - t)
    print(f'## self-ensemble: {n}x{n} input, x{s}\n')
    print(f'plain {t_plain:.2f} s; self-ensemble {t_se:.2f} s; ratio {t_se / t_plain:.2f}x (eight views: 8x expected)\n')


def decoder_efficiency(model, q, n_chunks):
    """The fast decoder's FLOP rate against bare fp32 matmuls of exactly its shapes."""
    model.eval()
    feat = torch.randn(1, 64, 64, 64)
    tbl = latent_table(model, feat)
    coord = (torch.rand(1, q, 2) * 2 - 1)
    cell = torch.full((1, q, 2), 2 / 256)
    T, D = 4, model.decoder.layers[0].out_features
    linears = [m for m in model.decoder.layers if isinstance(m, torch.nn.Linear)]
    flops = 2 * q * T * (2 * D + sum(l.in_features * l.out_features for l in linears[1:-1])) \
        + 2 * q * (2 * D + T * D + linears[-1].in_features * linears[-1].out_features)

    def decoder():
        with torch.no_grad():
            for _ in range(n_chunks): decode_table(model, tbl, coord, cell)

    shapes = [(q * T, 2, D)] + [(q * T, l.in_features, l.out_features) for l in linears[1:-1]] + [(q, 2, D), (q, linears[-1].in_features, linears[-1].out_features)]
    mats = [(torch.randn(m, k), torch.randn(k, n), torch.randn(n)) for m, k, n in shapes]
    w = torch.rand(q, 1, T); h = torch.randn(q, T, D)

    def matmuls():
        for _ in range(n_chunks):
            for a, b, c in mats: torch.addmm(c, a, b)
            torch.bmm(w, h)

    # interleaved, so that whatever else the machine is doing slows both sides alike
    decoder(); matmuls()
    t_dec, t_mm = float('inf'), float('inf')
    for _ in range(5):
        t = time.perf_counter(); decoder(); t_dec = min(t_dec, time.perf_counter() - t)
        t = time.perf_counter(); matmuls(); t_mm = min(t_mm, time.perf_counter() - t)
    g_dec, g_mm = flops * n_chunks / t_dec / 1e9, flops * n_chunks / t_mm / 1e9
    print(f'## decoder efficiency: {n_chunks} x {q} queries\n')
    print(f'fast decoder: {g_dec:.1f} GFLOP/s; bare fp32 matmuls of the same shapes: {g_mm:.1f} GFLOP/s; '
          f'fraction: {g_dec / g_mm:.0%}\n')


# Linux carries ru_maxrss over from the parent through fork and exec, so a child reads its own
# high-water mark from /proc (VmHWM), which starts afresh with the new program.
PEAK = r'''
def peak_bytes():
    try:
        with open('/proc/self/status') as f:
            return next(int(l.split()[1]) * 1024 for l in f if l.startswith('VmHWM:'))
    except OSError:
        import resource, sys
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * (1 if sys.platform == 'darwin' else 1024)
'''

# shared by the timed job and its crop check, so that both see the same weights and the same image
SETUP = r'''
import json, sys, torch
from liif_edu.models import MODELS
method, n, s = sys.argv[1], int(sys.argv[2]), float(sys.argv[3])
torch.manual_seed(0)
model, img = MODELS[method]().eval(), torch.rand(3, n, n)     # each model as the paper or its official code sizes it
'''

CHILD = PEAK + SETUP + r'''
import time
from liif_edu.upscale import upscale
t = time.perf_counter()
out = upscale(model, img, scale=s, max_memory=int(sys.argv[4]), self_ensemble=sys.argv[5] == 'se')
dt = time.perf_counter() - t
if len(sys.argv) > 6: torch.save(out[:, :256, :256].clone(), sys.argv[6])
print(json.dumps(dict(seconds=dt, shape=list(out.shape), maxrss=peak_bytes())))
'''

CROP_CHECK = SETUP + r'''
from liif_edu.coords import make_coord
H, W = round(n * s), round(n * s)
coord = make_coord((H, W), flatten=False)[:256, :256]
h, w = coord.shape[:2]
coord = coord.reshape(1, -1, 2)
cell = torch.tensor([2 / H, 2 / W]).expand_as(coord)
with torch.no_grad():
    model.gen_feat(img[None])
    ref = torch.cat([model.query_rgb(coord[:, i:i + 8192], cell[:, i:i + 8192]) for i in range(0, coord.shape[1], 8192)], 1)
ref = ref[0].t().reshape(3, h, w).clamp(0, 1)
print(json.dumps(dict(max_abs_diff=(torch.load(sys.argv[4]) - ref).abs().max().item(), crop=[h, w])))
'''


def run_child(code, *args):
    """Run `code` in a fresh Python; its traceback, if any, goes to our stderr and the run fails."""
    out = subprocess.run([sys.executable, '-c', code, *map(str, args)], check=True, stdout=subprocess.PIPE, text=True)
    return json.loads(out.stdout)


def memory(jobs, budget, models=('liif', 'metasr', 'lte')):
    """Peak memory of `upscale`: LIIF's jobs, LIIF's first job with the self-ensemble, and MetaSR's and LTE's first job
    (each tiled by the same `decode_tiles` within the same budget); then each model's top-left crop of its tiled output
    against its plain path on the whole image. `models` picks some of the three."""
    base = run_child(PEAK + 'import json, torch, liif_edu.upscale, liif_edu.models\nprint(json.dumps(peak_bytes()))')
    print(f'## peak memory of upscale (budget {budget / 2**20:g} MiB), each job in a fresh process\n')
    print(f'baseline: importing torch and liif_edu alone peaks at {base / 2**20:.0f} MiB\n')
    print('| model | job | output | seconds | peak RSS | of which above the import baseline |')
    print('|---|---|---|---|---|---|')
    runs = [('liif', job, 'plain') for job in jobs] + [('liif', jobs[0], 'se')] + [(m, jobs[0], 'plain') for m in ('metasr', 'lte')]
    checks = {'liif': jobs[-1], 'metasr': jobs[0], 'lte': jobs[0]}         # the job whose output each crop check reads
    runs, checks = [r for r in runs if r[0] in models], {m: job for m, job in checks.items() if m in models}
    with tempfile.TemporaryDirectory() as d:
        crops = {m: os.path.join(d, f'{m}.pt') for m in checks}
        for method, (n, s), how in runs:
            keep = [crops[method]] if (n, s) == checks[method] and how == 'plain' else []
            r = run_child(CHILD, method, n, s, budget, how, *keep)
            print(f'| {method} | {n}x{n} x{s:g}{", self-ensemble" if how == "se" else ""} | {r["shape"][1]}x{r["shape"][2]} | '
                  f'{r["seconds"]:.0f} | {r["maxrss"] / 2**30:.2f} GiB | {(r["maxrss"] - base) / 2**30:.2f} GiB |')
        print()
        for method, (n, s) in checks.items():
            r = run_child(CROP_CHECK, method, n, s, crops[method])
            h, w = r['crop']
            print(f'{method}: upscale vs the plain path on the whole image at once (no tiles), top-left {h}x{w} of the {n}x{n} '
                  f'x{s:g} output: max abs diff {r["max_abs_diff"]:.1e}')
            check(r['max_abs_diff'], f'{method} crop check')
    print()


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    size = p.add_mutually_exclusive_group()
    size.add_argument('--quick', action='store_true', help='smaller sizes: for a first look, not for the record')
    size.add_argument('--smoke', action='store_true', help='the smallest sizes: checks that every section runs; its numbers mean nothing')
    p.add_argument('--only', choices=['speed', 'ensemble', 'decoder', 'memory'], help='run one part only')
    p.add_argument('--models', default='liif,metasr,lte', help='the memory section\'s models, comma-separated (default: all three)')
    args = p.parse_args()
    z = SIZES['smoke' if args.smoke else 'quick' if args.quick else 'full']
    torch.manual_seed(0)
    print(f'torch {torch.__version__}, {torch.get_num_threads()} threads\n')
    model = LIIF()
    if args.only in (None, 'speed'): plain_vs_fast(model, z['n'], z['scales'])
    if args.only in (None, 'ensemble'): self_ensemble_cost(model, z['n'], z['scales'][-1])
    if args.only in (None, 'decoder'): decoder_efficiency(model, z['q'], z['n_chunks'])
    models = args.models.split(',')
    if set(models) - {'liif', 'metasr', 'lte'}: p.error(f'--models takes liif, metasr and lte, not {args.models}')
    if args.only in (None, 'memory'): memory(z['jobs'], z['budget'], models)


if __name__ == '__main__':
    main()
