"""Write the fixtures that prove liif_edu's MetaSR and LTE compute what the official code computes.

The official code is run once, here, by a developer; the tests (`tests/test_metasr_lte_official.py`) need
only the files this script writes into `tests/fixtures/`, and the official code is never committed.

Credits: MetaSR is the LIIF authors' reimplementation of Meta-SR (Hu et al., CVPR 2019) in
`models/misc.py` of github.com/yinboc/liif (Chen, Liu and Wang, CVPR 2021; BSD-3-Clause); LTE is
`models/lte.py` of github.com/jaewon-lee-b/lte (Lee and Jin, CVPR 2022; BSD-3-Clause).

Rebuild the fixtures
--------------------
From the repository root, with liif_edu's virtual environment active (torch, safetensors):

    git clone https://github.com/yinboc/liif /tmp/liif-official
    git -C /tmp/liif-official checkout 4c833f8f9d5d038df3ee2b50ebe649c30e628c0f
    git clone https://github.com/jaewon-lee-b/lte /tmp/lte-official
    git -C /tmp/lte-official checkout a8815d6ac8a643cd0463a092fa0f58e03935b343
    python tools/release/official_fixtures.py            # or: --liif PATH --lte PATH --out DIR

/tmp/liif-official and /tmp/lte-official are the default checkout places. The script needs no
GPU and none of the official code's other requirements: it imports only the official `models`
modules it uses (the encoders, the MLP, and `misc` or `lte`) and `utils.make_coord`. At run time,
and only inside this process, it
- makes `torch.Tensor.cuda` return the tensor itself, so the official code runs on the CPU;
- provides an empty `tensorboardX` module when none is installed (the official `utils` imports it
  at the top but `make_coord` does not use it);
- for the float64 outputs only, makes the official modules' `make_coord` return its float32 grid
  cast to float64 (the official `make_coord` always returns float32, and `grid_sample` refuses a
  float32 grid with a float64 input); the algorithm is untouched.

What it writes (seeded: a rebuild with the same torch writes the same checkpoints and tensors; only
the order of the safetensors files' metadata entries may change):
- `metasr-edsr.pth`, `lte-edsr.pth`: small official models with random weights (EDSR-baseline with
  2 blocks; 8 channels for MetaSR, whose decoder grows with the channels, 16 for LTE with 64
  amplitudes and an MLP of 64, 64, 64), saved exactly as the official training code saves them:
  `torch.save({'model': {'name', 'args', 'sd'}, 'optimizer': {...}, 'epoch': ...})`.
- `metasr-edsr.safetensors`, `lte-edsr.safetensors`: the input `inp` (2, 3, 7, 10) in [0, 1], and
  for each case `<case>/coord`, `<case>/cell` (2, Q, 2) and the official outputs in [0, 1]:
  `<case>/out32` (float32, as the official code runs) and `<case>/out64` (float64 weights and
  inputs). Cases: x2.5 (18 x 25), x3 (21 x 30: queries exactly on the outer latent centres),
  x2_x3.5 (14 x 35, anisotropic), x12_window (a 12 x 20 window of the 84 x 120 output) and random
  (300 random queries and cells per image, different for the two images, with the domain's edges).
  "Official output" means what the official test code computes: the model is fed
  (inp - 0.5) / 0.5 and its prediction p is reported as p * 0.5 + 0.5.
- `official-layouts.json`: for the paper-sized official models (MetaSR and LTE, each with
  EDSR-baseline and with RDN), the checkpoint args, every state-dict key with its shape, and the
  trainable and total parameter counts. RDN weights are far too large for a fixture (RDN's two
  published configurations have 20 or 16 blocks of dense layers); the layouts let the tests load a
  checkpoint of exactly the official RDN shapes, and this script checks RDN-encoded models against
  the official outputs itself (printed, below).

Finally it loads every fixture back with liif_edu and prints the largest differences from the
official outputs, and does the same for MetaSR and LTE with a narrow RDN (configuration A, G0=16)
through a temporary checkpoint.
"""
import argparse
import contextlib
import copy
import importlib
import importlib.util
import json
import subprocess
import sys
import tempfile
import types
from pathlib import Path

import torch
from safetensors.torch import save_file

ROOT = Path(__file__).resolve().parents[2]
SEED = 20240601
CASES = ('x2.5', 'x3', 'x2_x3.5', 'x12_window', 'random')
IN_SIZE = (7, 10)


@contextlib.contextmanager
def official_models(checkout: Path, modules):
    """The official `models` package of `checkout`, with just `modules` imported; every import is undone afterwards."""
    checkout = Path(checkout).resolve()
    if not (checkout / 'models' / 'models.py').is_file():
        sys.exit(f'{checkout} is not a checkout of the official code (no models/models.py); see this script\'s docstring')
    owned = lambda k: k in ('models', 'utils') or k.startswith('models.')
    saved = {k: sys.modules.pop(k) for k in list(sys.modules) if owned(k)}
    stub = 'tensorboardX' not in sys.modules and importlib.util.find_spec('tensorboardX') is None
    if stub:
        tbx = types.ModuleType('tensorboardX')
        tbx.SummaryWriter = None
        sys.modules['tensorboardX'] = tbx
    sys.path.insert(0, str(checkout))
    try:
        pkg = types.ModuleType('models')               # the package without its __init__, which imports every model
        pkg.__path__ = [str(checkout / 'models')]
        sys.modules['models'] = pkg
        registry = importlib.import_module('models.models')
        pkg.register, pkg.make = registry.register, registry.make
        for m in modules: setattr(pkg, m, importlib.import_module(f'models.{m}'))
        yield pkg
    finally:
        sys.path.remove(str(checkout))
        for k in [k for k in sys.modules if owned(k)]: del sys.modules[k]
        if stub: del sys.modules['tensorboardX']
        sys.modules.update(saved)


@contextlib.contextmanager
def cuda_on_cpu():
    """`tensor.cuda()` returns the tensor itself, for the official code's hard-coded `.cuda()` calls."""
    real = torch.Tensor.cuda
    torch.Tensor.cuda = lambda self, *args, **kwargs: self
    try: yield
    finally: torch.Tensor.cuda = real


@contextlib.contextmanager
def float64_coords(module):
    """`module.make_coord` returns its float32 grid cast to float64, so the official model runs in float64."""
    real = module.make_coord
    module.make_coord = lambda *args, **kwargs: real(*args, **kwargs).double()
    try: yield
    finally: module.make_coord = real


def commit(checkout: Path) -> str:
    try: return subprocess.run(['git', '-C', str(checkout), 'rev-parse', 'HEAD'], capture_output=True, text=True, check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError): return 'unknown (not a git checkout)'


def grid_queries(size, rows=slice(None), cols=slice(None)):
    """Pixel centres (1, Q, 2) of an output grid of `size` (or of a window of it) and their cells."""
    H, W = size
    r = -1 + (2 * torch.arange(H) + 1) / H
    c = -1 + (2 * torch.arange(W) + 1) / W
    coord = torch.stack(torch.meshgrid(r[rows], c[cols], indexing='ij'), -1).view(1, -1, 2).float()
    return coord, torch.tensor([2 / H, 2 / W]).expand_as(coord).clone()


def make_cases(batch=2):
    """{case: (coord, cell)}, each (batch, Q, 2) float32 and contiguous."""
    h, w = IN_SIZE
    cases = {}
    for name, size in (('x2.5', (round(h * 2.5), round(w * 2.5))), ('x3', (h * 3, w * 3)), ('x2_x3.5', (h * 2, round(w * 3.5)))):
        coord, cell = grid_queries(size)
        cases[name] = (coord.repeat(batch, 1, 1), cell.repeat(batch, 1, 1))
    coord, cell = grid_queries((h * 12, w * 12), slice(30, 42), slice(50, 70))
    cases['x12_window'] = (coord.repeat(batch, 1, 1), cell.repeat(batch, 1, 1))
    g = torch.Generator().manual_seed(SEED + 2)
    coord = torch.rand(batch, 300, 2, generator=g) * 2 - 1
    coord[:, :6] = torch.tensor([[-1., -1.], [1., 1.], [-1., 1.], [0., 0.], [1 - 1 / h, -0.3], [0.2, 1 - 1 / w]])  # edges, and outer latent centres
    cell = 0.02 + 0.48 * torch.rand(batch, 300, 2, generator=g)
    cases['random'] = (coord, cell)
    assert list(cases) == list(CASES)
    return cases


def run_official(model, inp, coord, cell):
    """What the official test code reports: the model fed the normalised input, its output shifted back to [0, 1]."""
    with torch.no_grad(): return model((inp - 0.5) / 0.5, coord, cell) * 0.5 + 0.5


def edsr_spec(n_resblocks, n_feats):
    return {'name': 'edsr-baseline', 'args': {'no_upsampling': True, 'n_resblocks': n_resblocks, 'n_feats': n_feats}}


def rdn_spec(G0=64, config='B'):
    return {'name': 'rdn', 'args': {'no_upsampling': True, 'G0': G0, 'RDNkSize': 3, 'RDNconfig': config}}


def metasr_spec(encoder_spec):
    return {'name': 'metasr', 'args': {'encoder_spec': encoder_spec}}


def lte_spec(encoder_spec, hidden_dim=256, hidden=(256, 256, 256)):
    return {'name': 'lte', 'args': {'encoder_spec': encoder_spec, 'hidden_dim': hidden_dim,
                                    'imnet_spec': {'name': 'mlp', 'args': {'out_dim': 3, 'hidden_list': list(hidden)}}}}


def build(models, spec, seed):
    torch.manual_seed(seed)
    return models.make(copy.deepcopy(spec)).eval()


def checkpoint(model, spec) -> dict:
    """The model as the official training code saves it (the optimizer of a run that has not stepped yet)."""
    model_spec = copy.deepcopy(spec)
    model_spec['sd'] = model.state_dict()
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-4)
    return {'model': model_spec, 'optimizer': {'name': 'adam', 'args': {'lr': 1e-4}, 'sd': optimizer.state_dict()}, 'epoch': 1}


def official_io(models, module, model, inp, cases) -> dict:
    """The input, and per case its queries and the official outputs in float32 and float64."""
    tensors = {'inp': inp}
    with cuda_on_cpu():
        for name, (coord, cell) in cases.items():
            tensors.update({f'{name}/coord': coord, f'{name}/cell': cell, f'{name}/out32': run_official(model, inp, coord, cell)})
        model64 = copy.deepcopy(model).double()
        with float64_coords(getattr(models, module)):
            for name, (coord, cell) in cases.items():
                tensors[f'{name}/out64'] = run_official(model64, inp.double(), coord.double(), cell.double())
    return {k: v.contiguous() for k, v in tensors.items()}


def layout(model, spec) -> dict:
    sd = model.state_dict()
    return {'name': spec['name'], 'args': spec['args'], 'keys': {k: list(v.shape) for k, v in sd.items()},
            'trainable': sum(p.numel() for p in model.parameters() if p.requires_grad),
            'total': sum(p.numel() for p in model.parameters())}


def liif_edu_diffs(path, io) -> dict:
    """Largest |liif_edu - official| per case and precision, for the checkpoint at `path`."""
    from liif_edu.checkpoint import load_model
    model = load_model(path)
    diffs = {}
    with torch.no_grad():
        for name in CASES:
            coord, cell = io[f'{name}/coord'], io[f'{name}/cell']
            diffs[name] = (float((model(io['inp'], coord, cell) - io[f'{name}/out32']).abs().max()),
                           float((model.double()(io['inp'].double(), coord.double(), cell.double()) - io[f'{name}/out64']).abs().max()))
            model.float()
    return diffs


def report(title, diffs):
    print(title)
    for name, (d32, d64) in diffs.items(): print(f'  {name:>11}: float32 {d32:.2e}   float64 {d64:.2e}')


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split('\n')[0], formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument('--liif', type=Path, default=Path('/tmp/liif-official'), help='checkout of github.com/yinboc/liif (for MetaSR)')
    p.add_argument('--lte', type=Path, default=Path('/tmp/lte-official'), help='checkout of github.com/jaewon-lee-b/lte (for LTE)')
    p.add_argument('--out', type=Path, default=ROOT / 'tests' / 'fixtures', help='where to write the fixtures')
    args = p.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    torch.manual_seed(SEED + 1)
    inp = torch.rand(2, 3, *IN_SIZE)
    cases = make_cases()
    small = {'metasr': metasr_spec(edsr_spec(2, 8)), 'lte': lte_spec(edsr_spec(2, 16), 64, (64, 64, 64))}
    sources = {'metasr': (args.liif, 'misc', 'yinboc/liif'), 'lte': (args.lte, 'lte', 'jaewon-lee-b/lte')}
    layouts, checks = {}, {}
    for name, (checkout, module, repo) in sources.items():
        with official_models(checkout, ['edsr', 'rdn', 'mlp', module]) as models:
            model = build(models, small[name], SEED)
            torch.save(checkpoint(model, small[name]), args.out / f'{name}-edsr.pth')
            io = official_io(models, module, model, inp, cases)
            meta = {'official': f'{repo}@{commit(checkout)}', 'writer': 'tools/release/official_fixtures.py', 'torch': torch.__version__,
                    'cases': json.dumps(CASES), 'output': 'official model((inp - 0.5) / 0.5, coord, cell) * 0.5 + 0.5'}
            save_file(io, args.out / f'{name}-edsr.safetensors', metadata=meta)
            for enc, enc_spec in (('edsr-baseline', edsr_spec(16, 64)), ('rdn', rdn_spec())):
                spec = metasr_spec(enc_spec) if name == 'metasr' else lte_spec(enc_spec)
                layouts[f'{name}-{enc}'] = layout(build(models, spec, SEED), spec)
            # RDN: checked here, too large to commit
            spec = metasr_spec(rdn_spec(16, 'A')) if name == 'metasr' else lte_spec(rdn_spec(16, 'A'), 64, (64, 64, 64))
            rdn = build(models, spec, SEED + 3)
            rdn_io = official_io(models, module, rdn, inp, cases)
            with tempfile.TemporaryDirectory() as d:
                torch.save(checkpoint(rdn, spec), Path(d) / 'rdn.pth')
                checks[f'{name} with RDN (configuration A, G0=16), not saved'] = liif_edu_diffs(Path(d) / 'rdn.pth', rdn_io)
        checks[f'{name}-edsr fixture'] = liif_edu_diffs(args.out / f'{name}-edsr.pth', io)
    layouts['official'] = {'yinboc/liif': commit(args.liif), 'jaewon-lee-b/lte': commit(args.lte)}
    (args.out / 'official-layouts.json').write_text(json.dumps(layouts, indent=1) + '\n')
    for f in sorted(args.out.iterdir()): print(f'{f.relative_to(ROOT) if f.is_relative_to(ROOT) else f}: {f.stat().st_size:,} bytes')
    for k, v in layouts.items():
        if 'trainable' in v: print(f"{k}: {v['trainable']:,} trainable parameters, {v['total']:,} in all")
    for title, diffs in checks.items(): report(f'largest |liif_edu - official|, {title}:', diffs)


if __name__ == '__main__':
    main()
