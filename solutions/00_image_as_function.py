"""Solutions to the exercises of 00_image_as_function."""
import torch


# 1. On each axis the centres are x_i = -1 + (2i + 1)/n, i = 0..n-1; then every (row, col) pair, a row at a time:
#    meshgrid with indexing='ij' varies the row along the first axis and the column along the second, and flattening
#    that (H, W, 2) grid row-major lists pixel (0, 0), (0, 1), ...
def my_make_coord(shape):
    rows, cols = (-1 + (2 * torch.arange(n) + 1) / n for n in shape)
    return torch.stack(torch.meshgrid(rows, cols, indexing='ij'), -1).reshape(-1, 2)


# 2. Output centre i of 8 is at -1 + (2i + 1)/8: -0.875, -0.625, -0.375. The input centres of 4 are -0.75, -0.25, ...
#    In input pixels (centres at the integers) those positions are (x + 1) * 4/2 - 1/2 = -0.25, 0.25, 0.75. The row's
#    value at position p is p itself between the centres, and the first position lies before centre 0, where bilinear
#    sampling repeats the border value 0.
first_three = (0.0, 0.25, 0.75)


# 3. Run, in notebook 00 (lr and hr are its 48 x 48 input and 480 x 480 ground truth):
#        from liif_edu.evaluate import psnr
#        up = lambda ac: F.interpolate(lr[None], size=(480, 480), mode='bilinear', align_corners=ac)[0]
#        psnr(up(False), hr, 'benchmark', 10) - psnr(up(True), hr, 'benchmark', 10)
#    Here the same measurement, so that the value is not copied from anywhere.
def _measure():
    import torch.nn.functional as F
    from liif_edu.data import downsampled_pair
    from liif_edu.evaluate import psnr
    from liif_edu.images import load_image
    from liif_edu.paths import sample_path
    lr, hr = downsampled_pair(load_image(sample_path('astronaut'))[:, 0:480, 16:496], 10)
    up = lambda ac: F.interpolate(lr[None], size=(480, 480), mode='bilinear', align_corners=ac)[0]
    return psnr(up(False), hr, 'benchmark', 10) - psnr(up(True), hr, 'benchmark', 10)


align_corners_cost = _measure()
