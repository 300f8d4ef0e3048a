"""Solutions to the exercises of 01_latent_grid."""
import torch
import torch.nn.functional as F


# 1. The cell of x along n cells is floor((x + 1) * n / 2), kept inside [0, n - 1] (x = 1 would give n).
#    Notebook 01 writes round((x + 1) * n / 2 - 1/2), the nearest latent centre, and that is the same number: with
#    p = (x + 1) * n / 2, round(p - 1/2) and floor(p) agree everywhere except exactly on a cell border (p a whole
#    number), where round breaks the tie to the even index and floor takes the cell after the border.
def my_nearest(coord, shape):
    n = torch.tensor(shape)
    return torch.minimum(((coord + 1) * n / 2).floor().long(), n - 1)


# 2. Pad the grid with one ring of zeros; then the neighbour (ky - 1, kx - 1) of every latent is the padded grid
#    shifted by (ky, kx). Stack the nine shifts after the channel axis, (B, C, 9, H, W), so that flattening
#    puts channel c of tap ky * 3 + kx at c * 9 + ky * 3 + kx.
def my_unfold(feat):
    B, C, H, W = feat.shape
    padded = F.pad(feat, (1, 1, 1, 1))
    taps = [padded[:, :, ky:ky + H, kx:kx + W] for ky in range(3) for kx in range(3)]
    return torch.stack(taps, 2).reshape(B, 9 * C, H, W)


# 3. Change one input pixel, encode again, and find the farthest latent that changed. Pixel (0, 0) of a 36 x 36 input:
#    the changed latents fill the square [0, r] x [0, r], so r is the largest changed index. float64 keeps every real
#    change visible and every unchanged latent exactly equal. The count agrees with the architecture: a head conv,
#    16 residual blocks of two 3x3 convs and a conv after them, 34 convs that each reach one pixel further.
def _measure():
    from liif_edu.encoders import EDSR
    from liif_edu.latent import unfold_features
    torch.manual_seed(0)
    encoder = EDSR().double()
    x = torch.rand(1, 3, 36, 36, dtype=torch.float64)
    x2 = x.clone()
    x2[0, :, 0, 0] += 0.5
    with torch.no_grad(): a, b = encoder(x), encoder(x2)
    farthest = lambda f, g: (f - g).abs().amax((0, 1)).nonzero().max().item()
    return farthest(a, b), farthest(unfold_features(a), unfold_features(b))


radius = _measure()
