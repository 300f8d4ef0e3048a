"""Inference benchmark: plain vs fast path, decoder efficiency, and peak memory of upscale.

Everything is measured in this one run, on the same (random) weights, and reported as
ratios against a baseline measured alongside it, so the numbers mean the same on any machine:

  python bench/inference.py            # full run (about 12 minutes on 2 CPU cores)
  python bench/inference.py --quick    # smaller sizes, a minute or two

Random weights cost exactly as much to run as trained ones.
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
from liif_edu.model import LIIF, render
from liif_edu.upscale import upscale


def best_time(f, repeat=3):
    f()  # warm up
    times = []
    for _ in range(repeat):
        t = time.perf_counter(); f(); times.append(time.perf_counter() - t)
    return min(times)


def plain_vs_fast(model, n, scales):
    print(f'## plain vs fast path: {n}x{n} input, whole pipeline (encoder + decoder)\n')
    print('| scale | output | plain px/s | fast px/s | speed-up | max abs diff |')
    print('|---|---|---|---|---|---|')
    img = torch.rand(3, n, n)
    rows = []
    for s in scales:
        size = (n * s, n * s)
        model.eval()  # render: LIIF.query_rgb, the plain path that the notebooks teach
        t_plain = best_time(lambda: render(model, img, size), repeat=1)
        plain = render(model, img, size).clamp(0, 1)
        t_fast = best_time(lambda: upscale(model, img, size=size), repeat=2)
        diff = (upscale(model, img, size=size) - plain).abs().max().item()
        px = size[0] * size[1]
        rows.append(dict(scale=s, plain=px / t_plain, fast=px / t_fast, ratio=t_plain / t_fast, diff=diff))
        print(f'| x{s} | {size[0]}x{size[1]} | {px / t_plain:,.0f} | {px / t_fast:,.0f} | {t_plain / t_fast:.2f}x | {diff:.1e} |')
    print()
    return rows


def decoder_efficiency(model, q=2048, n_chunks=8):
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
    print('## decoder efficiency\n')
    print(f'fast decoder: {g_dec:.1f} GFLOP/s; bare fp32 matmuls of the same shapes: {g_mm:.1f} GFLOP/s; '
          f'fraction: {g_dec / g_mm:.0%}\n')
    return dict(decoder_gflops=g_dec, matmul_gflops=g_mm, fraction=g_dec / g_mm)


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

CHILD = PEAK + r'''
import json, sys, time, torch
from liif_edu.model import LIIF
from liif_edu.upscale import upscale
n, s = int(sys.argv[1]), float(sys.argv[2])
torch.manual_seed(0)
model, img = LIIF().eval(), torch.rand(3, n, n)
t = time.perf_counter()
out = upscale(model, img, scale=s)
dt = time.perf_counter() - t
torch.save(out[:, :256, :256].clone(), sys.argv[3]) if len(sys.argv) > 3 else None
print(json.dumps(dict(seconds=dt, shape=list(out.shape), maxrss=peak_bytes())))
'''

CROP_CHECK = r'''
import json, sys, torch
from liif_edu.model import LIIF
n, s, path = int(sys.argv[1]), float(sys.argv[2]), sys.argv[3]
torch.manual_seed(0)
model, img = LIIF().train(), torch.rand(3, n, n)   # same weights and image as the timed run
H, W = round(n * s), round(n * s)
coord = make_coord((H, W), flatten=False)[:256, :256].reshape(1, -1, 2)
cell = torch.tensor([2 / H, 2 / W]).expand_as(coord)
with torch.no_grad():
    model.gen_feat(img[None])                        # the whole image at once: no tiles
    ref = torch.cat([model.query_rgb(coord[:, i:i + 8192], cell[:, i:i + 8192]) for i in range(0, coord.shape[1], 8192)], 1)
ref = ref[0].t().reshape(3, 256, 256).clamp(0, 1)
print(json.dumps(dict(max_abs_diff=(torch.load(path) - ref).abs().max().item())))
'''


def peak_rss(n, s, crop_path=None):
    args = [sys.executable, '-c', CHILD, str(n), str(s)] + ([crop_path] if crop_path else [])
    return json.loads(subprocess.run(args, check=True, capture_output=True, text=True).stdout)


def baseline_rss():
    code = PEAK + 'import json, torch, liif_edu.upscale\nprint(json.dumps(peak_bytes()))'
    return json.loads(subprocess.run([sys.executable, '-c', code], check=True, capture_output=True, text=True).stdout)


def memory(jobs, check_crop):
    base = baseline_rss()
    print('## peak memory of upscale (default budget), each job in a fresh process\n')
    print(f'baseline: importing torch and liif_edu alone peaks at {base / 2**20:.0f} MiB\n')
    print('| job | output | seconds | peak RSS | of which above the import baseline |')
    print('|---|---|---|---|---|')
    results = []
    with tempfile.TemporaryDirectory() as d:
        for n, s in jobs:
            crop = os.path.join(d, 'crop.pt') if check_crop and (n, s) == jobs[-1] else None
            r = peak_rss(n, s, crop)
            results.append(dict(n=n, scale=s, **r))
            print(f'| {n}x{n} x{s:g} | {r["shape"][1]}x{r["shape"][2]} | {r["seconds"]:.0f} | {r["maxrss"] / 2**30:.2f} GiB | {(r["maxrss"] - base) / 2**30:.2f} GiB |')
        print()
        if check_crop:
            n, s = jobs[-1]
            out = subprocess.run([sys.executable, '-c', CROP_CHECK, str(n), str(s), crop], check=True, capture_output=True, text=True)
            diff = json.loads(out.stdout)['max_abs_diff']
            print(f'tiled vs untiled, top-left 256x256 of the {n}x{n} x{s:g} output: max abs diff {diff:.1e}\n')
            results.append(dict(crop_check_max_abs_diff=diff))
    return results


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument('--quick', action='store_true', help='smaller sizes: for a smoke test, not for the record')
    p.add_argument('--only', choices=['speed', 'decoder', 'memory'], help='run one part only')
    args = p.parse_args()
    torch.manual_seed(0)
    print(f'torch {torch.__version__}, {torch.get_num_threads()} threads\n')
    model = LIIF()
    if args.only in (None, 'speed'): plain_vs_fast(model, 32 if args.quick else 64, (2, 4, 8))
    if args.only in (None, 'decoder'): decoder_efficiency(model)
    if args.only in (None, 'memory'): memory([(128, 4), (256, 2)] if args.quick else [(512, 4), (2048, 2)], check_crop=True)


if __name__ == '__main__':
    main()
