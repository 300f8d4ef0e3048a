"""Upscaling speed of the models liif-edu knows by name, in seconds per megapixel of output, and of their ONNX graphs.

  python bench/speed.py            # the named models at x4 on a 256 x 256 photo crop (a few minutes on 2 CPU cores)
  python bench/speed.py --write    # the same, and store each model's numbers in its card (data/models/NAME.json),
                                   # which `liif-edu models` and the README quote
  python bench/speed.py --smoke    # a random model on a tiny crop, every section, seconds: does the script still run?

Each model's time is the best of three runs of `upscale`, interleaved with Pillow's bicubic on the same photo to the
same size, so that whatever else the machine is doing slows both alike; the ratio is the number that travels between
machines. The ONNX section exports each model with `liif-edu export`'s code and times onnxruntime's run of the two
graphs against `upscale` in the same way. The paper's weights are used if they are in the cache (`liif-edu fetch
official` puts them there); otherwise that model is left out, with a line saying so.
"""
import argparse
import datetime
import json
import os
import platform
import sys
import tempfile
import time

import torch

from liif_edu.checkpoint import cached_path, load_model
from liif_edu.data import bicubic
from liif_edu.images import load_image
from liif_edu.paths import MODEL_DIR, MODEL_NAMES, atomic_write, sample_path
from liif_edu.upscale import upscale

SCALE = 4


def machine() -> str:
    "This CPU's name, the threads PyTorch uses and PyTorch's version: what a seconds-per-megapixel figure depends on."
    name = platform.processor() or platform.machine()
    try:
        name = next(line.split(':', 1)[1].strip() for line in open('/proc/cpuinfo') if line.startswith('model name'))
    except (OSError, StopIteration):
        pass
    return f'{name}, {torch.get_num_threads()} threads, torch {torch.__version__}'


def interleaved(fs: dict, repeat=3) -> dict:
    "Best time of each function in `fs`, run in turn `repeat` times after one warm-up each."
    for f in fs.values(): f()
    best = dict.fromkeys(fs, float('inf'))
    for _ in range(repeat):
        for k, f in fs.items():
            t = time.perf_counter(); f(); best[k] = min(best[k], time.perf_counter() - t)
    return best


def models(smoke: bool) -> dict:
    if smoke:
        from liif_edu.encoders import EDSR
        from liif_edu.model import LIIF
        torch.manual_seed(0)
        return {'random': LIIF(EDSR(n_resblocks=1, n_feats=8), hidden=(16,)).eval()}
    out = {}
    for name in MODEL_NAMES:
        if name == 'official' and not cached_path().is_file():
            print("official: left out, its weights are not in the cache (liif-edu fetch official)\n")
            continue
        out[name] = load_model(name, 'cpu')
    return out


def speed(nets: dict, img: torch.Tensor) -> dict:
    H, W = img.shape[1] * SCALE, img.shape[2] * SCALE
    mp = H * W / 1e6
    print(f'## seconds per megapixel: {img.shape[1]}x{img.shape[2]} photo crop, x{SCALE} ({W}x{H} out), {machine()}\n')
    print('| model | seconds | s/MP | bicubic s/MP | x bicubic |')
    print('|---|---|---|---|---|')
    out = {}
    for name, net in nets.items():
        t = interleaved({'model': lambda: upscale(net, img, size=(H, W)), 'bicubic': lambda: bicubic(img, (H, W))})
        out[name] = dict(seconds_per_megapixel=round(t['model'] / mp, 3), vs_bicubic=round(t['model'] / t['bicubic'], 1),
                         bicubic_seconds_per_megapixel=round(t['bicubic'] / mp, 4))
        print(f"| {name} | {t['model']:.2f} | {t['model'] / mp:.2f} | {t['bicubic'] / mp:.3f} | {t['model'] / t['bicubic']:.0f}x |")
    print()
    return out


def onnx_speed(nets: dict, img: torch.Tensor) -> dict:
    from liif_edu.onnx_export import export_onnx, upscale_onnx
    H, W = img.shape[1] * SCALE, img.shape[2] * SCALE
    print(f'## ONNX (onnxruntime, CPU) against upscale: same photo, x{SCALE}\n')
    print('| model | upscale s | onnxruntime s | onnxruntime / upscale | max abs diff |')
    print('|---|---|---|---|---|')
    out = {}
    with tempfile.TemporaryDirectory() as d:
        for name, net in nets.items():
            paths = export_onnx(net, os.path.join(d, f'{name}.onnx'), check=False)['paths']
            x = img.numpy()
            t = interleaved({'torch': lambda: upscale(net, img, size=(H, W)), 'onnx': lambda: upscale_onnx(paths, x, (H, W))})
            diff = float((torch.from_numpy(upscale_onnx(paths, x, (H, W))) - upscale(net, img, size=(H, W))).abs().max())
            out[name] = dict(onnxruntime_vs_upscale=round(t['onnx'] / t['torch'], 2))
            print(f"| {name} | {t['torch']:.2f} | {t['onnx']:.2f} | {t['onnx'] / t['torch']:.2f} | {diff:.1e} |")
            if diff > 1e-4: sys.exit(f'{name}: the ONNX graphs differ from upscale by {diff:.1e} (> 1e-4)')
    print()
    return out


def write_cards(results: dict, crop: int):
    for name, numbers in results.items():
        card_path = MODEL_DIR / f'{name}.json'
        card = json.loads(card_path.read_text())
        card['speed'] = {**numbers, 'input': f'{crop}x{crop} crop of the astronaut sample at x{SCALE}', 'machine': machine(),
                         'measured': datetime.date.today().isoformat(), 'command': 'python bench/speed.py --write'}
        atomic_write(card_path, lambda tmp: tmp.write_text(json.dumps(card, indent=1) + '\n'))
        print(f'wrote the speed into {card_path.relative_to(MODEL_DIR.parent.parent)}')


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument('--write', action='store_true', help="store the numbers in the models' cards")
    ap.add_argument('--smoke', action='store_true', help='a tiny run of every section')
    args = ap.parse_args()
    if args.write and args.smoke: sys.exit('--smoke measures a random model: nothing to write')
    crop = 16 if args.smoke else 256
    img = load_image(sample_path('astronaut'))[:, 100:100 + crop, 150:150 + crop].contiguous()   # a face and a collar: detail
    nets = models(args.smoke)
    results = speed(nets, img)
    for name, extra in onnx_speed(nets, img).items(): results[name].update(extra)
    if args.write: write_cards(results, crop)


if __name__ == '__main__':
    main()
