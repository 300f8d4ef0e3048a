"""liif_edu against an independent oracle: the official LIIF query algorithm, written with grid_sample.

The oracle follows the official code's steps literally (nearest lookups through
`grid_sample(mode='nearest')`, the shift loop, the area swap) and shares no code with
liif_edu beyond the model's weights. Any drift in liif_edu's gather-based implementation
shows up here.
"""
import itertools
import pathlib

import pytest
import torch
import torch.nn.functional as F

from liif_edu.checkpoint import load_official
from liif_edu.official import official_checkpoint
from liif_edu.coords import make_coord
from liif_edu.encoders import EDSR, RDN
from liif_edu.model import LIIF


def oracle_query(encoder, decoder, inp, coord, cell, local_ensemble, feat_unfold, cell_decode):
    """The official query_rgb, in [0, 1] space, on any device."""
    feat = encoder((inp - 0.5) / 0.5)
    if feat_unfold:
        feat = F.unfold(feat, 3, padding=1).view(feat.shape[0], feat.shape[1] * 9, *feat.shape[-2:])
    H, W = feat.shape[-2:]
    shifts, eps = ([-1, 1], 1e-6) if local_ensemble else ([0], 0)
    centres = make_coord((H, W), flatten=False).permute(2, 0, 1)[None].expand(feat.shape[0], 2, H, W)
    preds, areas = [], []
    for vr in shifts:
        for vc in shifts:
            shifted = coord.clone()
            shifted[..., 0] += vr * (2 / H / 2) + eps
            shifted[..., 1] += vc * (2 / W / 2) + eps
            shifted.clamp_(-1 + 1e-6, 1 - 1e-6)
            grid = shifted.flip(-1).unsqueeze(1)
            z = F.grid_sample(feat, grid, mode='nearest', align_corners=False)[:, :, 0].permute(0, 2, 1)
            q = F.grid_sample(centres, grid, mode='nearest', align_corners=False)[:, :, 0].permute(0, 2, 1)
            rel = (coord - q) * torch.tensor([H, W], dtype=coord.dtype)
            x = [z, rel] + ([cell * torch.tensor([H, W], dtype=cell.dtype)] if cell_decode else [])
            preds.append(decoder(torch.cat(x, -1)))
            areas.append((rel[..., 0] * rel[..., 1]).abs() + 1e-9)
    total = torch.stack(areas).sum(0)
    if local_ensemble:
        areas = areas[::-1]
    out = sum(p * (a / total).unsqueeze(-1) for p, a in zip(preds, areas))
    return out * 0.5 + 0.5


def output_queries(h, w, scale):
    """Pixel-centre coordinates and cells of the output grid for a (possibly anisotropic) scale."""
    sh, sw = scale if isinstance(scale, tuple) else (scale, scale)
    H, W = round(h * sh), round(w * sw)
    coord = make_coord((H, W))[None]
    return coord, torch.tensor([2 / H, 2 / W]).expand_as(coord)


SWITCHES = list(itertools.product([True, False], repeat=3))


@pytest.mark.parametrize('path', ['plain', 'fast'])
@pytest.mark.parametrize('local_ensemble,feat_unfold,cell_decode', SWITCHES)
@pytest.mark.parametrize('scale', [2.7, 3, 5, (2, 3.5)])
def test_matches_oracle(local_ensemble, feat_unfold, cell_decode, scale, path):
    """Training mode takes the plain path; eval mode without gradients the factorised one."""
    torch.manual_seed(0)
    model = LIIF(EDSR(n_resblocks=2), hidden=(64, 64), local_ensemble=local_ensemble,
                 feat_unfold=feat_unfold, cell_decode=cell_decode).train(path == 'plain')
    inp = torch.rand(1, 3, 7, 10)
    coord, cell = output_queries(7, 10, scale)   # odd integer scales put queries exactly on the outer centres
    with torch.no_grad():
        ours = model(inp, coord, cell)
        ref = oracle_query(model.encoder, model.decoder, inp, coord, cell, local_ensemble, feat_unfold, cell_decode)
    assert (ours - ref).abs().max() <= 1e-5


@pytest.mark.parametrize('local_ensemble,feat_unfold,cell_decode', SWITCHES)
def test_official_checkpoint_round_trip(tmp_path, local_ensemble, feat_unfold, cell_decode):
    """Official layout -> load_official -> same outputs as the oracle on the original weights."""
    torch.manual_seed(1)
    model = LIIF(local_ensemble=local_ensemble, feat_unfold=feat_unfold, cell_decode=cell_decode).eval()
    path = tmp_path / 'liif.pth'
    torch.save(official_checkpoint(model), path)
    loaded = load_official(path)
    inp = torch.rand(2, 3, 9, 6)
    for scale in (1.7, 3, 4.5):
        coord, cell = output_queries(9, 6, scale)
        coord, cell = coord.expand(2, -1, -1), cell.expand(2, -1, -1)
        with torch.no_grad():
            ref = oracle_query(model.encoder, model.decoder, inp, coord, cell, local_ensemble, feat_unfold, cell_decode)
            assert (loaded(inp, coord, cell) - ref).abs().max() <= 1e-5


def test_rdn_official_round_trip(tmp_path):
    torch.manual_seed(2)
    model = LIIF(RDN()).eval()
    torch.save(official_checkpoint(model), tmp_path / 'rdn.pth')
    loaded = load_official(tmp_path / 'rdn.pth')
    inp = torch.rand(1, 3, 6, 5)
    coord, cell = output_queries(6, 5, 2.5)
    with torch.no_grad():
        ref = oracle_query(model.encoder, model.decoder, inp, coord, cell, True, True, True)
        assert (loaded(inp, coord, cell) - ref).abs().max() <= 1e-5


def test_border_quirk_matches_oracle():
    """Queries exactly on the last latent centre: four weights of 0.25 in both implementations."""
    torch.manual_seed(3)
    model = LIIF(EDSR(n_resblocks=1), hidden=(32,)).eval()
    inp = torch.rand(1, 3, 4, 6)
    last_row, last_col = 1 - 1 / 4, 1 - 1 / 6
    coord = torch.tensor([[[last_row, -0.3], [0.1, last_col], [last_row, last_col]]])
    cell = torch.full_like(coord, 0.1)
    with torch.no_grad():
        ref = oracle_query(model.encoder, model.decoder, inp, coord, cell, True, True, True)
        assert (model(inp, coord, cell) - ref).abs().max() <= 1e-5


def test_no_cuda_calls_in_library():
    """Every path takes a device: the library never hard-codes .cuda()."""
    root = pathlib.Path(__file__).resolve().parent.parent
    offenders = [p.name for p in (root / 'liif_edu').glob('*.py') if '.cuda(' in p.read_text()]
    assert offenders == []


@pytest.mark.parametrize('local_ensemble,feat_unfold,cell_decode', SWITCHES)
def test_tiled_upscale_matches_oracle(local_ensemble, feat_unfold, cell_decode):
    """upscale with the smallest tiles the budget allows equals the oracle on the whole image."""
    from liif_edu.upscale import upscale
    torch.manual_seed(4)
    model = LIIF(EDSR(n_resblocks=3), hidden=(32, 32), local_ensemble=local_ensemble,
                 feat_unfold=feat_unfold, cell_decode=cell_decode)
    img = torch.rand(3, 21, 30)
    for size in [(63, 90), (50, 41)]:
        coord = make_coord(size)[None]
        cell = torch.tensor([2 / size[0], 2 / size[1]]).expand_as(coord)
        with torch.no_grad():
            ref = oracle_query(model.encoder, model.decoder, img[None], coord, cell, local_ensemble, feat_unfold, cell_decode)
        ref = ref[0].t().reshape(3, *size).clamp(0, 1)
        assert (upscale(model, img, size=size, max_memory=0, chunk=500) - ref).abs().max() <= 1e-5
