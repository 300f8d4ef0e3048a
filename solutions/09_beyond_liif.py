"""Solutions to the exercises of 09_beyond_liif."""
import math

import torch

from liif_edu.checkpoint import load_model
from liif_edu.data import downsampled_pair
from liif_edu.images import load_image
from liif_edu.paths import sample_path, MODEL_DIR
from liif_edu.course.drawings import fourier_spectrum


# 1. The argument is pi (f . rel + phase), one per frequency; each cosine and sine gets its own amplitude, cosines first.
def my_fourier(amplitude, frequency, rel, phase):
    arg = math.pi * ((frequency * rel.unsqueeze(-2)).sum(-1) + phase)      # (..., K)
    return amplitude * torch.cat([torch.cos(arg), torch.sin(arg)], -1)    # (..., 2K)


# 2. The head-start hypothesis is about a gap that training might close, so the runs must contain that gap and nothing
#    else: pairs that differ in the skip alone (LTE with and without it; LIIF without and with it, to see the same
#    skip on the other decoder), trained longer than the study (four times here), with three seeds a run so that a gap
#    can be set against the spread between seeds, and every other setting equal. If the skip is only a head start, each
#    pair's gap shrinks as training lengthens. The order is a prediction, not judged.
design = dict(
    runs={'liif', 'liif-skip', 'lte', 'lte-noskip'},
    iterations=4 * 2900,
    seeds=3,
    equal={'encoder', 'photos', 'seeds', 'parameters', 'learning rate', 'iterations', 'evaluation'},
    if_true='shrinks',
    order=['lte', 'liif-skip', 'lte-noskip', 'liif'],
)

# 3. The total amplitude at the edge latent over that at the flat latent.
lte = load_model(MODEL_DIR / 'lte_small.safetensors')
lr, _ = downsampled_pair(load_image(sample_path('astronaut'))[:, :384, 96:480], 8)
total = lambda at: fourier_spectrum(lte, lr, at, scale=4)['magnitude'].sum().item()
ratio = total((9, 7)) / total((4, 2))
