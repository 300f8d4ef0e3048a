"""Solutions to the exercises of 01_latent_grid."""
import torch

# 1. Row cells of a 5-row grid are 2/5 = 0.4 tall: 0.3 is at (0.3 + 1) / 0.4 = 3.25 cells from the top, in cell 3.
#    Column cells of 8 are 0.25 wide: -0.62 is at (1 - 0.62) / 0.25 = 1.52 cells from the left, in cell 1.
nearest = (3, 1)

# 2. Channel c, neighbour (ky, kx) with ky, kx in 0..2 (1 is the latent itself): c * 9 + ky * 3 + kx = 2 * 9 + 2 * 3 + 2.
index = 26


# 3. The cell of x along n cells is floor((x + 1) * n / 2), kept inside [0, n - 1] (x = 1 would give n).
#    Notebook 01 writes round((x + 1) * n / 2 - 1/2), the nearest latent centre, and that is the same number: with
#    p = (x + 1) * n / 2, round(p - 1/2) and floor(p) agree everywhere except exactly on a cell border (p a whole
#    number), where round breaks the tie to the even index and floor takes the cell after the border.
def my_nearest(coord, shape):
    n = torch.tensor(shape)
    return torch.minimum(((coord + 1) * n / 2).floor().long(), n - 1)
