"""Solutions to the exercises of 05_data."""

# 1. _augment flips first and transposes after. Flip the rows (row i becomes row n-1-i), then transpose (row becomes
#    column): the new entry (i, j) is the old (n-1-j, i), so the old top row (i = 0) lands in the last column, read
#    from top to bottom: a quarter turn clockwise. Flipping the columns instead turns it anticlockwise.
quarter_turn = (True, False, True)

# 2. The fraction of an example's HR crop that is sampled is 2304 / round(48 s)^2, about 1/s^2. With s ~ U(1, 4),
#    its mean is (1/3) * integral from 1 to 4 of ds / s^2 = (1/3) * (1 - 1/4) = 1/4. (Not 1/2.5^2 = 0.16, the
#    fraction at the mean scale: 1/s^2 is convex, so its mean is larger than its value at the mean.)
mean_fraction = 0.25
