"""Solutions to the exercises of 06_training."""

# 1. An epoch is 800 photos * 20 repeats = 16,000 examples = 1000 steps of batch 16; 1000 epochs = 1,000,000 steps.
#    The learning rate 1e-4 is halved after epochs 200, 400, 600 and 800: 1e-4 / 16 in the last epoch.
schedule = (1_000_000, 1e-4 / 16)

# 2. cpu-small: lr 1e-3, milestones (12, 16, 18). Epochs 1-12 at 1e-3, 13-16 at 5e-4, 17-18 at 2.5e-4, 19-20 at 1.25e-4.
lr_17 = 2.5e-4
