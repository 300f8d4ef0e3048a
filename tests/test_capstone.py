"""The capstone's solution (solutions/11_capstone.py): it trains on the photos of data/photos/train and tunes on the
validation photos, never on the checker's test photos; it builds a model of grey shapes that learns; and (when
LIIF_EDU_CAPSTONE=1: 1000 steps, about five minutes on one thread, plus the checker) it passes check_grey_liif, by
more than two standard errors of its gain over the test crops.
The checker itself is tested in nbs/course/ex11.ipynb with models that cost little to run."""
import contextlib
import io
import os
import runpy
from pathlib import Path

import pytest
import torch

from liif_edu.paths import SAMPLES_DIR, TRAIN_DIR, is_image_file

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope='module')
def sol():
    return runpy.run_path(str(ROOT / 'solutions' / '11_capstone.py'))


def verdict(model):
    "check_grey_liif's return value and its one line."
    from liif_edu.course.ex11 import check_grey_liif
    out = io.StringIO()
    with contextlib.redirect_stdout(out): ok = check_grey_liif(model)
    return ok, out.getvalue()


def test_training_photos_exclude_the_held_out_ones(sol):
    from liif_edu.course.ex11 import check_grey_liif
    stems = [p.stem for p in sol['TRAIN_PHOTOS']]
    assert stems and not set(stems) & set(check_grey_liif.held_out), stems
    assert set(check_grey_liif.held_out) < {p.stem for p in SAMPLES_DIR.iterdir()}
    assert sol['TRAIN_PHOTOS'] == sorted(p for p in TRAIN_DIR.iterdir() if is_image_file(p))       # all of data/train
    assert [p.stem for p in sol['VAL_PHOTOS']] == list(check_grey_liif.validation)
    assert not set(check_grey_liif.validation) & set(check_grey_liif.held_out)


def test_a_short_run_has_grey_shapes_and_learns(sol):
    """A few steps: the checker's first three steps pass (shapes, independent queries, one channel in and the cell handed
    to LIIF as given), so it fails on PSNR, the only thing training fixes; and the loss falls."""
    torch.manual_seed(0)
    model = sol['train_grey_liif'](iterations=30, log_every=0)
    ok, said = verdict(model)
    assert not ok and 'not above bicubic' in said, said
    fresh = sol['grey_liif']()
    inp = torch.rand(2, 1, 16, 16)
    from liif_edu.coords import make_coord
    coord = make_coord((40, 40))[None].expand(2, -1, -1)
    gt = torch.nn.functional.interpolate(inp, (40, 40), mode='bilinear', align_corners=False).flatten(2).transpose(1, 2)
    cell = torch.full_like(coord, 2 / 40)
    with torch.no_grad():
        before = (fresh(inp, coord, cell) - gt).abs().mean()
        after = (model(inp, coord, cell) - gt).abs().mean()
    assert after < before, (before, after)


@pytest.mark.skipif(os.environ.get('LIIF_EDU_CAPSTONE') != '1', reason='trains for minutes: set LIIF_EDU_CAPSTONE=1')
def test_the_solution_passes_the_checker(sol):
    model = sol['train_grey_liif'](log_every=0)
    ok, said = verdict(model)
    print(said)                      # its margins: run with -rP to see them
    assert ok, said
    spread = sol['crop_spread'](model)       # {scale: (gain over the bar's filter, two standard errors over the crops)}
    assert all(gain > two_se for gain, two_se in spread.values()), spread     # more than luck of the crops
