"""The public API that outside code relies on (DESIGN.md), and a library that is exactly what the notebooks export."""
import inspect
import shutil
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def params(f):
    return [(p.name, p.default) for p in inspect.signature(f).parameters.values()]


def test_public_api():
    from liif_edu.coords import make_coord, to_pixel_samples
    from liif_edu.model import LIIF
    from liif_edu.checkpoint import load_official, save_model, load_model
    from liif_edu.upscale import upscale
    assert params(make_coord) == [('shape', inspect.Parameter.empty), ('ranges', None), ('flatten', True)]
    assert [n for n, _ in params(to_pixel_samples)] == ['img']
    assert [n for n, _ in params(LIIF.forward)] == ['self', 'inp', 'coord', 'cell']
    assert [n for n, _ in params(LIIF.gen_feat)] == ['self', 'inp']
    assert [n for n, _ in params(LIIF.query_rgb)] == ['self', 'coord', 'cell']
    init = dict(params(LIIF.__init__))
    assert {'encoder', 'hidden', 'local_ensemble', 'feat_unfold', 'cell_decode'} <= set(init)
    assert [n for n, _ in params(load_official)][0] == 'path'
    assert [n for n, _ in params(save_model)][:2] == ['model', 'path']
    assert [n for n, _ in params(load_model)][0] == 'path'
    assert [n for n, _ in params(upscale)][:4] == ['model', 'img', 'size', 'scale']   # upscale(model, img, size=(H, W))


def test_library_is_exported_from_notebooks(tmp_path):
    """nbdev_export and nbdev_clean on a copy of the project change nothing."""
    for name in ('settings.ini', 'setup.py', 'README.md'):
        shutil.copy(ROOT / name, tmp_path / name)
    for name in ('nbs', 'liif_edu'):
        shutil.copytree(ROOT / name, tmp_path / name, ignore=shutil.ignore_patterns('__pycache__', '.ipynb_checkpoints'))
    before = {p.relative_to(tmp_path): p.read_bytes() for p in tmp_path.rglob('*') if p.is_file()}
    for cmd in ('nbdev_export', 'nbdev_clean'):
        subprocess.run([cmd], cwd=tmp_path, check=True, capture_output=True)
    after = {p.relative_to(tmp_path): p.read_bytes() for p in tmp_path.rglob('*') if p.is_file() and '__pycache__' not in p.parts}
    changed = sorted(str(p) for p in set(before) | set(after) if before.get(p) != after.get(p))
    assert changed == [], f'run nbdev_export and nbdev_clean, then commit: {changed}'
