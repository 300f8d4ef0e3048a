"""Solutions to the exercises of 00_image_as_function."""
import torch


# 1. Pixel i of n has the cell [-1 + 2i/n, -1 + 2(i+1)/n]; its centre is the middle of that cell.
def pixel_centre(i, n):
    return -1 + (2 * i + 1) / n


# 2. (x + 1) * 64 / 2 is the position in pixel widths from the border: (0.88 * 32, 1.08 * 32) = (28.16, 34.56).
pixel = (28, 34)


# 3. The centres along each axis, then every (row, col) pair, rows first.
def my_make_coord(shape):
    rows, cols = (torch.tensor([pixel_centre(i, n) for i in range(n)]) for n in shape)
    return torch.stack(torch.meshgrid(rows, cols, indexing='ij'), -1).reshape(-1, 2)
