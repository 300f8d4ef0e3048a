"""Solutions to the exercises of 03_cell_decoding."""

# 1. The output is 360 x 480, so the cell is (2/360, 2/480) in the [-1, 1] domain; times the input size (120, 160):
#    (2/3, 2/3). In the decoder's units an input pixel is 2, and x3 divides it by 3, whatever the input size.
cell_x3 = (2 / 3, 2 / 3)

# 2. Input: 32 channels unfolded 3x3 (288) + rel (2) + cell (2) = 292.
#    292*64 + 64 = 18,752;  64*64 + 64 = 4,160;  64*3 + 3 = 195.
decoder_params = 18_752 + 4_160 + 195   # 23,107
