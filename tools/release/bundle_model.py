"""Bundle a finished training run as the project's bundled model: data/models/bundled.safetensors and data/models/bundled.json.

    python tools/release/bundle_model.py runs/bundled

The weights are re-saved without the training state (optimiser, random state). The card's PSNR table is measured
here with the same functions as `liif-edu evaluate`, so that command reproduces it:

    liif-edu evaluate --model bundled --data ../shared/data/benchmark/Set5 ../shared/data/benchmark/Set14 --scales 2,3,4,6,8
"""
import argparse, hashlib, json, os, platform
from pathlib import Path

import torch

from liif_edu.checkpoint import load_model, save_model, load_checkpoint
from liif_edu.paths import BUNDLED_MODEL, SHARED_DATA, atomic_write, MODEL_DIR
from liif_edu.data import bicubic
from liif_edu.folders import image_files
from liif_edu.encoders import count_params
from liif_edu.evaluate import scale_sweep
from liif_edu.scales import scale_name
from liif_edu.upscale import liif_upscaler

SCALES = (2, 3, 4, 6, 8)
SETS = ('Set5', 'Set14')


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument('run', type=Path, help='a finished run folder (holding last.safetensors)')
    p.add_argument('--preset', default='bundled', help='the preset the run was trained with (default: %(default)s)')
    p.add_argument('--note', default='', help="anything the card's reader should know about how this run went")
    args = p.parse_args()
    state = load_checkpoint(args.run / 'last.safetensors')
    cfg = state['config']
    if state['epoch'] != cfg['epochs']: raise SystemExit(f"{args.run}: the run stopped at epoch {state['epoch']} of {cfg['epochs']}")
    model = load_model(args.run / 'last.safetensors')
    save_model(model, BUNDLED_MODEL)
    model = load_model(BUNDLED_MODEL)                         # measure exactly what ships
    results = {}
    for name in SETS:
        sweep = scale_sweep({'liif_edu': liif_upscaler(model), 'bicubic': bicubic}, SHARED_DATA / 'benchmark' / name, SCALES)
        results[name] = {scale_name(s): dict(bicubic=round(sweep['bicubic'][s], 3), liif_edu=round(sweep['liif_edu'][s], 3),
                                             gain=round(sweep['liif_edu'][s] - sweep['bicubic'][s], 3)) for s in SCALES}
    n_train = {d.name: len(image_files(d)) for d in sorted((SHARED_DATA / 'train').iterdir()) if d.is_dir()}
    iterations = state['history'][-1]['iterations']
    card = {
        'name': 'liif_edu bundled model',
        'file': BUNDLED_MODEL.name,
        'sha256': hashlib.sha256(BUNDLED_MODEL.read_bytes()).hexdigest(),
        'bytes': BUNDLED_MODEL.stat().st_size,
        'architecture': {
            'summary': (f"LIIF with an EDSR encoder ({cfg['encoder_args']['n_resblocks']} residual blocks, {cfg['encoder_args']['n_feats']} channels, "
                        f"no upsampler) and an MLP decoder ({model.decoder.layers[0].in_features} -> "
                        + ' -> '.join(str(h) for h in cfg['hidden']) + ' -> 3); local ensemble, feature unfolding and cell decoding on'),
            'parameters': count_params(model),
            'config': model.config,
        },
        'trained_on': f"T91 + BSD200 ({sum(n_train.values())} photos)",
        'training': {
            'data': f"T91 and BSD200 (the classic '291' set: {', '.join(f'{k} {v}' for k, v in n_train.items())} photos), read from ../shared/data/train",
            'command': f'liif-edu train --preset {args.preset} --out runs/{args.preset}',
            'bundle_command': f'python tools/release/bundle_model.py runs/{args.preset}',
            'settings': cfg,
            'epochs': state['epoch'],
            'iterations': iterations,
            'examples': iterations * cfg['batch_size'],
            'wall_time_minutes': round(state['seconds'] / 60, 1),
            'hardware': f'{os.cpu_count()}-core CPU ({platform.machine()}), torch {torch.__version__}, shared with other work during the run',
            **({'notes': args.note} if args.note else {}),
        },
        'evaluation': {
            'protocol': ('benchmark: PSNR on the Y channel (BT.601), border of `scale` pixels shaved, averaged over images; '
                         'x2-x4 from the official bicubic LR images, x6 and x8 from the HR cropped to a multiple of the scale '
                         'and downsampled with Pillow bicubic; bicubic upscaling is Pillow bicubic'),
            'command': 'liif-edu evaluate --model bundled --data ../shared/data/benchmark/Set5 ../shared/data/benchmark/Set14 --scales 2,3,4,6,8',
            'psnr_db': results,
        },
    }
    atomic_write(MODEL_DIR / 'bundled.json', lambda tmp: tmp.write_text(json.dumps(card, indent=1) + '\n'))
    for name, rows in results.items():
        print(name, ' '.join(f"{s}: {r['liif_edu']:.2f} ({r['gain']:+.2f})" for s, r in rows.items()))


if __name__ == '__main__':
    main()
