"""Solutions to the exercises of 05_data."""

# 1. The HR crop is round(48 * 2.5) = 120 pixels wide; the [-1, 1] domain is 2 units wide, so one pixel is 2/120.
crop = (120, 2 / 120)

# 2. At x4 the crop is 192 x 192 = 36,864 pixels, of which 2304 = 48^2 are sampled: 1/16.
fraction = 2304 / 192 ** 2
