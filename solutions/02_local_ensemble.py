"""Solutions to the exercises of 02_local_ensemble."""
import torch

# 1. On a 4 x 4 grid the latent centres are at -0.75, -0.25, 0.25, 0.75. The query (0.1, -0.05) lies between rows 1 and 2
#    (centres -0.25 and 0.25) and columns 1 and 2 (centres -0.25 and 0.25). rel = (x - v) * 4:
#      member 0, z(1, 1): rel = (0.35 * 4, 0.20 * 4) = (1.4, 0.8),   area 1.12
#      member 1, z(1, 2): rel = (1.4, -1.2),                          area 1.68
#      member 2, z(2, 1): rel = (-0.6, 0.8),                          area 0.48
#      member 3, z(2, 2): rel = (-0.6, -1.2),                         area 0.72     total 4.0
#    Each member takes the opposite area: weights (0.72, 0.48, 1.68, 1.12) / 4.
weights = [0.18, 0.12, 0.42, 0.28]


# 2. The equation, between the latent centres: the corners of the square of centres around the query.
def my_members(coord, shape):
    n = torch.tensor(shape)
    p = (coord + 1) * n / 2 - 0.5                                   # latent units: centres at 0, 1, ..., n-1
    corner = p.floor().long().clamp(torch.zeros_like(n), n - 2)
    idx = corner.unsqueeze(-2) + torch.tensor([[0, 0], [0, 1], [1, 0], [1, 1]])
    centres = -1 + (2 * idx + 1) / n
    rel = (coord.unsqueeze(-2) - centres) * n
    area = (rel[..., 0] * rel[..., 1]).abs()
    return idx, rel, area.flip(-1) / area.sum(-1, keepdim=True)


# 3. The centre of the last latent column of 8 is 1 - 1/8 = 0.875 (exact in float32): both column shifts clamp onto
#    column 7, rel_col = 0 for all four members, and every area is 1e-9, so the weights are 0.25 whatever the row.
#    Any row will do; on row 0, halfway between two latent rows, bilinear would give 0.25 too, so 0.1 shows the quirk better.
quirk_query = (0.1, 0.875)
