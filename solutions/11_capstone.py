"""One way to do the capstone of notebook 11: a one-channel (grey) LIIF, trained on CPU on the photos in data/photos/train,
tuned on the validation photos, checked on the test photos, with three seeds.

    python solutions/11_capstone.py            # seeds 0, 1 and 2: train, validate, check; then the spread
    python solutions/11_capstone.py 0          # one seed

Everything comes from the method track: `EDSR(in_dim=1)` reads one channel, `LIIF(out_dim=1)` predicts one value, and
the model's own normalisation, (x - 0.5) / 0.5, is the same for grey as for RGB. `read_pixels(path, channels=1)` and
`RandomScalePairs` make the training examples as notebook 05 does, and the loop is the plain loop of notebook 06: L1
loss, Adam, a step schedule. The sizes are those of notebook 06's `learner` preset, which trains on the same photos:
32-pixel input crops and 1024 queries make a step about half as long as the paper's 48 and 2304.

The table of notebook 11, filled in:
- encoder's first convolution: 1 input channel (EDSR(in_dim=1)); 2 x 64 x 9 = 1,152 weights fewer.
- normalisation: unchanged; (x - 0.5) / 0.5 is written per value, for any number of channels. A per-channel mean
  shift (the original EDSR's) would need one mean instead of three.
- unfolding, ensemble, rel, cell: unchanged; they work on latent codes and coordinates, never on image channels.
- decoder's last layer: 1 output (LIIF(out_dim=1)); 2 x (256 + 1) = 514 parameters fewer at the paper's sizes.
- loss: L1 over (B, Q, 1), the mean absolute grey error; not comparable with an RGB loss, which averages three errors.
- training pairs: grey before cropping, so that LR and HR are the same grey image at two sizes; LR by bicubic on 8 bits.
- sample_q: unchanged in meaning; it counts HR pixels (queries), not values, so issue 59's 2304 still fits a 48-pixel
  crop at x1. Here 1024 of a 32-pixel crop, for speed.
- PSNR: on the one channel, no luma conversion, shave = ceil(scale), as the benchmark protocol; so grey numbers are
  not comparable with notebook 07's Y-PSNR of RGB, whose Y weights are studio-range (black 16/255, white 235/255).
"""
import sys
import time
import numpy as np
import torch
import torch.nn.functional as F
from PIL import Image, ImageFilter
from liif_edu.data import RandomScalePairs
from liif_edu.folders import read_pixels
from liif_edu.encoders import EDSR, count_params
from liif_edu.evaluate import psnr
from liif_edu.course.ex11 import check_grey_liif
from liif_edu.images import to_uint8
from liif_edu.model import LIIF
from liif_edu.paths import SAMPLES_DIR, TRAIN_DIR, is_image_file
from liif_edu.upscale import upscale

def _photos(folder): return sorted(p for p in folder.iterdir() if is_image_file(p))
TRAIN_PHOTOS = _photos(TRAIN_DIR)                                                          # never the samples
VAL_PHOTOS = [p for p in _photos(SAMPLES_DIR) if p.stem in check_grey_liif.validation]    # tune on these
VAL_SIZE = (240, 360)   # the middle of each validation photo: its sides divide by every scale the checker uses


def grey_liif() -> LIIF:
    "A small LIIF for one channel, at the `learner` preset's sizes: the encoder reads 1 channel, the decoder predicts 1 value."
    return LIIF(EDSR(n_resblocks=4, n_feats=32, in_dim=1), hidden=(64, 64), out_dim=1)


def train_grey_liif(iterations=1000, batch_size=8, lr=2e-3, seed=0, log_every=100, inp_size=32, sample_q=1024) -> LIIF:
    "Train `grey_liif()` on TRAIN_PHOTOS at scales x1 to x4, as in the paper; returns the model in eval mode."
    torch.manual_seed(seed)
    photos = [read_pixels(p, channels=1) for p in TRAIN_PHOTOS]        # (H, W, 1) uint8: grey, as the checker's
    pairs = RandomScalePairs(photos * 100, inp_size=inp_size, sample_q=sample_q, seed=seed)   # 100 batches an epoch
    loader = torch.utils.data.DataLoader(pairs, batch_size=batch_size, shuffle=True, drop_last=True,
                                         generator=torch.Generator().manual_seed(seed))
    model = grey_liif()
    opt = torch.optim.Adam(model.parameters(), lr=lr)
    sched = torch.optim.lr_scheduler.MultiStepLR(opt, [int(iterations * f) for f in (0.6, 0.8, 0.9)], 0.5)
    step, epoch, t0 = 0, 0, time.perf_counter()
    while step < iterations:
        pairs.set_epoch(epoch); epoch += 1                            # new crops each epoch
        for batch in loader:
            loss = F.l1_loss(model(batch['inp'], batch['coord'], batch['cell']), batch['gt'])
            opt.zero_grad(); loss.backward(); opt.step(); sched.step()
            step += 1
            if log_every and (step % log_every == 0 or step == 20):
                print(f'step {step}: L1 {loss.item():.4f}, {(time.perf_counter() - t0) / step:.2f} s a step')
            if step == iterations: break
    return model.eval()


def sharpened(img, size, radius, percent):
    "Pillow's Lanczos resize of a grey (1, h, w) image to `size` (H, W), then an unsharp mask."
    im = Image.fromarray(to_uint8(img[0])).resize(size[::-1], Image.LANCZOS)
    if percent: im = im.filter(ImageFilter.UnsharpMask(radius=radius, percent=percent, threshold=0))
    return torch.from_numpy(np.asarray(im, dtype=np.float32) / 255)[None]


def validate(model, scales=check_grey_liif.scales) -> dict:
    """{scale: (model, bicubic, best sharpened Lanczos)}: mean PSNR on the middle of each validation photo, the inputs
    made as the checker makes its own, the sharpening settings the best on these photos."""
    hrs = []
    for p in VAL_PHOTOS:
        img = torch.from_numpy(read_pixels(p, channels=1).copy()).permute(2, 0, 1).float() / 255
        r, c = (img.shape[1] - VAL_SIZE[0]) // 2, (img.shape[2] - VAL_SIZE[1]) // 2
        hrs.append(img[:, r:r + VAL_SIZE[0], c:c + VAL_SIZE[1]])
    out = {}
    for s in scales:
        lrs = [check_grey_liif.bicubic(hr, (round(hr.shape[1] / s), round(hr.shape[2] / s))) for hr in hrs]
        mean = lambda up: float(np.mean([psnr(up(lr, hr.shape[-2:]), hr, 'benchmark', s) for lr, hr in zip(lrs, hrs)]))
        out[s] = (mean(lambda lr, size: upscale(model, lr, size=tuple(size))), mean(check_grey_liif.bicubic),
                  max(mean(lambda lr, size: sharpened(lr, size, *m)) for m in check_grey_liif.masks))   # its grid
        m, b, sh = out[s]
        print(f'validation x{s:g}: {m:.2f} dB; gain over bicubic {m - b:+.2f}, '
              f'over the sharpened Lanczos {m - sh:+.2f}')
    return out


def crop_spread(model) -> dict:
    """{scale: (mean gain over the checker's sharpened Lanczos on the test crops, two standard errors of it over the
    crops)}: for the write-up only, once the settings are chosen; a margin below its two standard errors may be luck."""
    out = {}
    for s, (lrs, hrs, _) in check_grey_liif.test_set().items():
        d = np.array([psnr(upscale(model, lr, size=tuple(hr.shape[-2:])), hr, 'benchmark', s)
                      - psnr(check_grey_liif.sharpened(lr, hr.shape[-2:], s), hr, 'benchmark', s)
                      for lr, hr in zip(lrs, hrs)])
        out[s] = float(d.mean()), float(2 * d.std(ddof=1) / np.sqrt(len(d)))
        print(f'test x{s:g}: gain over the sharpened Lanczos {out[s][0]:+.2f}, '
              f'two standard errors over the crops {out[s][1]:.2f}')
    return out


if __name__ == '__main__':
    seeds = [int(a) for a in sys.argv[1:]] or [0, 1, 2]
    print(f'training on {[p.name for p in TRAIN_PHOTOS]}; validating on {[p.name for p in VAL_PHOTOS]}; '
          f'testing on {list(check_grey_liif.held_out)}; {torch.get_num_threads()} threads')
    verdicts, val = {}, {}
    for seed in seeds:
        t0 = time.perf_counter()
        model = train_grey_liif(seed=seed)
        print(f'seed {seed}: {count_params(model):,} parameters trained in {(time.perf_counter() - t0) / 60:.1f} minutes')
        val[seed] = validate(model)
        verdicts[seed] = check_grey_liif(model)      # its line gives the test numbers of this seed
        if seed == seeds[0]: crop_spread(model)      # is the margin more than luck of the crops?
    print(f'passed the checker: {sum(map(bool, verdicts.values()))} of {len(verdicts)} seeds')
    for s in check_grey_liif.scales:                 # the spread over seeds, on the validation photos
        gains = [m - sh for m, _, sh in (v[s] for v in val.values())]
        print(f'validation x{s:g}, gain over the sharpened Lanczos: mean {np.mean(gains):+.2f}, '
              f'from {min(gains):+.2f} to {max(gains):+.2f} over {len(gains)} seeds')
