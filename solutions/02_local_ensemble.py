"""Solutions to the exercises of 02_local_ensemble."""
import torch


# 1. The equation, between the latent centres. In latent units (centres at 0, 1, ..., n-1) the query sits at
#    p = (x + 1) n / 2 - 1/2; the square of centres around it has its up-left corner at floor(p). (floor((x + 1) n / 2),
#    the cell that contains x, is one latent too far when x is in the upper or left half of its cell.)
#    rel is measured from the query itself, in half-cells; each member takes the area of the opposite rectangle.
def my_members(coord, shape):
    n = torch.tensor(shape)
    p = (coord + 1) * n / 2 - 0.5
    corner = p.floor().long().clamp(torch.zeros_like(n), n - 2)
    idx = corner.unsqueeze(-2) + torch.tensor([[0, 0], [0, 1], [1, 0], [1, 1]])
    centres = -1 + (2 * idx + 1) / n
    rel = (coord.unsqueeze(-2) - centres) * n
    area = (rel[..., 0] * rel[..., 1]).abs()
    return idx, rel, area.flip(-1) / area.sum(-1, keepdim=True)


# 2. Inside the cell of latent (i, j), the query crosses the latent's own centre lines (one row line, one column line).
#    They cut the cell into four quarters, each with its own square of four centres: up-left quarter (i-1..i, j-1..j),
#    up-right (i-1..i, j..j+1), down-left (i..i+1, j-1..j), down-right (i..i+1, j..j+1). Four sets; together, the
#    3 x 3 block i-1..i+1 by j-1..j+1: nine latents.
members_in_cell = (9, 4)
