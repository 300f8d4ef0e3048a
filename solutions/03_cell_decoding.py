"""Solutions to the exercises of 03_cell_decoding."""
import torch
from liif_edu.checkpoint import load_model
from liif_edu.data import downsampled_pair
from liif_edu.images import load_image
from liif_edu.paths import sample_path
from liif_edu.model import render


# 1. The cell is the output pixel's size in the [-1, 1] domain, (2/H_out, 2/W_out); the decoder gets it times the latent
#    grid's (H, W), the units of rel: half-cells of the latent grid, in which one input pixel is 2.
def my_cell_input(out_size, grid_shape):
    (H_out, W_out), (H, W) = out_size, grid_shape
    return (2 / H_out * H, 2 / W_out * W)


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
