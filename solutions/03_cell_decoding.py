"""Solutions to the exercises of 03_cell_decoding."""
import torch
from liif_edu.checkpoint import load_model
from liif_edu.data import downsampled_pair
from liif_edu.images import load_image
from liif_edu.paths import sample_path
from liif_edu.model import render


# 1. The cell is the size of one output pixel, and the decoder receives it in the units of rel: half-cells of the latent
#    grid, in which one input pixel is 2. A window of `rows` input pixels shown on `n_rows` output pixels has output
#    pixels rows / n_rows input pixels tall, so the decoder receives 2 * rows / n_rows on that axis. In the equation's
#    terms: the [-1, 1] cell is 2 * rows / (H * n_rows), times the latent grid's H. The whole grid's size cancels.
def my_cell_input(grid_shape, window, out_size):
    (rows, cols), (n_rows, n_cols) = window, out_size
    return (2 * rows / n_rows, 2 * cols / n_cols)


# 2. The prediction: the cell 8 times too big costs more. The measurement, on the bundled model:
worse = 'big'

bundled = load_model('bundled')
lr, hr = downsampled_pair(load_image(sample_path('coffee'))[:, 100:228, 200:328], 4)

def psnr_db(out, hr): return float(-10 * torch.log10((out.clamp(0, 1).double() - hr.double()).pow(2).mean()))

true_cell = 2 / 128
psnr = {k: psnr_db(render(bundled, lr, (128, 128), cell=(true_cell * k, true_cell * k)), hr) for k in (1, 8, 1 / 4)}
drops = (psnr[1] - psnr[8], psnr[1] - psnr[1 / 4])


# 3. Input: 32 channels unfolded 3x3 (288) + rel (2) + cell (2) = 292.
#    292*64 + 64 = 18,752;  64*64 + 64 = 4,160;  64*3 + 3 = 195.
decoder_params = 18_752 + 4_160 + 195   # 23,107
