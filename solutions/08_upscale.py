"""Solutions to the exercises of 08_upscale."""

# 1. The width goes from 1200 to 2400, a factor 2; the height keeps the aspect ratio: 800 * 2 = 1600. Sizes are (H, W).
size = (1600, 2400)

# 2. Each axis on its own: 700 / 300 = 2.333 and 1000 / 451 = 2.217.
scales = (700 / 300, 1000 / 451)
