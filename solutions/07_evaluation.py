"""Solutions to the exercises of 07_evaluation."""
import math

# 1. MSE = 0.02^2 = 0.0004; PSNR = -10 log10(0.0004) = 33.98 dB.
psnr_value = -10 * math.log10(0.02 ** 2)

# 2. The benchmark protocol shaves `scale` pixels from each border, the DIV2K protocol `scale + 6`.
shave = (3, 9)

# 3. Each input pixel becomes a block of 3 rows and 5 columns of output pixels.
pixels = 15
