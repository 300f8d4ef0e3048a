"""Solutions to the exercises of 08_upscale."""
import torch
from liif_edu.checkpoint import load_model
from liif_edu.data import bicubic, downsampled_pair
from liif_edu.evaluate import psnr
from liif_edu.images import load_image
from liif_edu.paths import sample_path
from liif_edu.upscale import upscale


# 1. The eight symmetries of a square: transpose or not, then flip the columns or not, then the rows or not.
#    Each output is brought back by the inverse, in reverse order: the flips first, then the transpose.
#    A transposed input has its rows and columns swapped, so its output is asked for at (W, H).
def my_self_ensemble(upscaler, lr, size):
    H, W = size
    outs = []
    for transpose in (False, True):
        for flip_rows in (False, True):
            for flip_cols in (False, True):
                x = lr.transpose(-1, -2) if transpose else lr
                x = x.flip(-2) if flip_rows else x
                x = x.flip(-1) if flip_cols else x
                y = upscaler(x, (W, H) if transpose else (H, W))
                y = y.flip(-1) if flip_cols else y
                y = y.flip(-2) if flip_rows else y
                outs.append(y.transpose(-1, -2) if transpose else y)
    return torch.stack(outs).mean(0)


# 2. Frame pixel (k, l) sits at photo position (top + (k + 1/2) / zoom, left + (l + 1/2) / zoom), since each frame
#    pixel covers 1/zoom of a photo pixel; mapped to [-1, 1] by -1 + 2 y / h. The cell is one frame pixel: 2 / (h zoom).
def my_frame_queries(top, left, zoom, frame, photo):
    (Sh, Sw), (h, w) = frame, photo
    rows = -1 + 2 * (top + (torch.arange(Sh, dtype=torch.float64) + 0.5) / zoom) / h
    cols = -1 + 2 * (left + (torch.arange(Sw, dtype=torch.float64) + 0.5) / zoom) / w
    coord = torch.stack(torch.meshgrid(rows, cols, indexing='ij'), -1).reshape(-1, 2)
    return coord, torch.tensor([2 / (h * zoom), 2 / (w * zoom)])


# 3. The coffee crop shrunk by 4; each upscaler with and without the self-ensemble, benchmark protocol at x4.
lr, hr = downsampled_pair(load_image(sample_path('coffee'))[:, 72:232, 168:328], 4)
size, model = tuple(hr.shape[-2:]), load_model('bundled')
bicubic_gain = psnr(my_self_ensemble(bicubic, lr, size), hr, 'benchmark', 4) - psnr(bicubic(lr, size), hr, 'benchmark', 4)
model_gain = (psnr(upscale(model, lr, size=size, self_ensemble=True), hr, 'benchmark', 4)
              - psnr(upscale(model, lr, size=size), hr, 'benchmark', 4))
ensemble_gains = (bicubic_gain, model_gain)
