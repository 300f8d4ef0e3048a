"""One way to do the capstone of notebook 11: a one-channel (grey) LIIF, trained on CPU on the bundled photos that
the checker does not hold out, in under three minutes on two cores.

    python solutions/11_capstone.py            # train, then run check_grey_liif on the held-out photos

Everything comes from the course: `EDSR(in_dim=1)` reads one channel, `LIIF(out_dim=1)` predicts one value, and the
model's own normalisation, (x - 0.5) / 0.5, is the same for grey as for RGB. `ImageFolder`'s conversion to grey
(`read_pixels(path, channels=1)`) and `RandomScalePairs` make the training examples as notebook 05 does, and the
loop is the plain loop of notebook 06: L1 loss, Adam, a step schedule. The forward pass goes through `FactorisedTraining`
(appendix a5), which gives the plain path's numbers about twice as fast.

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
import time
import torch
import torch.nn.functional as F
from liif_edu.data import RandomScalePairs
from liif_edu.folders import read_pixels
from liif_edu.paths import SAMPLES_DIR
from liif_edu.encoders import EDSR, count_params
from liif_edu.course.ex11 import check_grey_liif
from liif_edu.inference import FactorisedTraining
from liif_edu.model import LIIF

TRAIN_PHOTOS = sorted(p for p in (SAMPLES_DIR).iterdir()
                      if p.suffix in ('.png', '.jpg') and p.stem not in check_grey_liif.held_out)   # never the held-out ones


def grey_liif() -> LIIF:
    "A small LIIF for one channel: the encoder reads 1 channel, the decoder predicts 1 value."
    return LIIF(EDSR(n_resblocks=4, n_feats=32, in_dim=1), hidden=(64, 64), out_dim=1)


def train_grey_liif(iterations=1000, batch_size=8, lr=1e-3, seed=0, log_every=100, inp_size=32, sample_q=1024) -> LIIF:
    "Train `grey_liif()` on TRAIN_PHOTOS, scales x1 to x4 as in the paper; returns the model in eval mode."
    torch.manual_seed(seed)
    photos = [read_pixels(p, channels=1) for p in TRAIN_PHOTOS]          # (H, W, 1) uint8: grey, as the checker's
    pairs = RandomScalePairs(photos * batch_size, inp_size=inp_size, sample_q=sample_q, seed=seed)   # a plain list of arrays will do
    loader = torch.utils.data.DataLoader(pairs, batch_size=batch_size, shuffle=True, drop_last=True)
    model = grey_liif()
    net = FactorisedTraining(model)    # the same numbers and gradients as model(...), about twice as fast (appendix a5)
    opt = torch.optim.Adam(model.parameters(), lr=lr)
    sched = torch.optim.lr_scheduler.MultiStepLR(opt, [iterations // 2, iterations * 3 // 4], 0.5)
    step, epoch, t0 = 0, 0, time.perf_counter()
    while step < iterations:
        pairs.set_epoch(epoch); epoch += 1
        for batch in loader:
            loss = F.l1_loss(net(batch['inp'], batch['coord'], batch['cell']), batch['gt'])
            opt.zero_grad(); loss.backward(); opt.step(); sched.step()
            step += 1
            if log_every and step % log_every == 0: print(f'step {step}: L1 {loss.item():.4f}, {time.perf_counter() - t0:.0f} s')
            if step == iterations: break
    return model.eval()


if __name__ == '__main__':
    t0 = time.perf_counter()
    model = train_grey_liif()
    print(f'{count_params(model):,} parameters trained on {[p.name for p in TRAIN_PHOTOS]} in {time.perf_counter() - t0:.0f} s '
          f'on {torch.get_num_threads()} threads')
    check_grey_liif(model)
