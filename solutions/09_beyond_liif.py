"""Solutions to the exercises of 09_beyond_liif."""
import json
import math

import torch

from liif_edu.checkpoint import load_model
from liif_edu.data import downsampled_pair
from liif_edu.images import load_image
from liif_edu.paths import sample_path, MODEL_DIR, RESULTS_DIR
from liif_edu.course.drawings import fourier_spectrum


# 1. The argument is pi (f . rel + phase), one per frequency; each cosine and sine gets its own amplitude, cosines first.
def my_fourier(amplitude, frequency, rel, phase):
    arg = math.pi * ((frequency * rel.unsqueeze(-2)).sum(-1) + phase)      # (..., K)
    return amplitude * torch.cat([torch.cos(arg), torch.sin(arg)], -1)    # (..., 2K)


# 2. From the Set14 table at x30: the mean of the LTE seeds minus the mean of the MetaSR seeds, against the larger of the
#    two spreads (highest minus lowest seed).
runs = json.loads((RESULTS_DIR / 'successors.json').read_text())['runs']
x30 = {m: [r['psnr']['Set14']['x30'] for r in runs if r['method'] == m] for m in ('metasr', 'lte')}
mean, spread = (lambda v: sum(v) / len(v)), (lambda v: max(v) - min(v))
gap = mean(x30['lte']) - mean(x30['metasr'])
beyond = (gap, abs(gap) > max(spread(x30['lte']), spread(x30['metasr'])))

# 3. The total amplitude at the edge latent over that at the flat latent.
lte = load_model(MODEL_DIR / 'lte_small.safetensors')
lr, _ = downsampled_pair(load_image(sample_path('astronaut'))[:, :384, 96:480], 8)
total = lambda at: fourier_spectrum(lte, lr, at, scale=4)['magnitude'].sum().item()
ratio = total((9, 7)) / total((4, 2))
