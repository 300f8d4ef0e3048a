"""Solutions to the exercises of 04_trained_liif."""

# 1. Member 0 reads the latent nearest to the query shifted by half a cell up and left. In latent-pixel units
#    (centres at 0, 1, 2, ...), the shifted point is col - 0.5; it crosses the border between cells k and k+1
#    (at k + 0.5) when col = k + 1: on the latent centres.
member_jumps = [1, 2, 3]

# 2. cell = (2/600, 2/900) in the [-1, 1] domain; times the input size (120, 200).
cell_input = (2 / 600 * 120, 2 / 900 * 200)   # (0.4, 0.444...)
