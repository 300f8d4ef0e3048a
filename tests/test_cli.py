"""The installed `liif-edu` command, end to end: a good run per image mode, and every kind of bad input.

Bad input must give exit status != 0, exactly one line on standard error, no traceback,
and no output file (not even a partial or temporary one).
"""
import json
import math
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import torch
from PIL import Image

from liif_edu.checkpoint import save_model
from liif_edu.official import official_checkpoint
from liif_edu.encoders import EDSR
from liif_edu.model import LIIF

from helpers import assert_clean_failure, liif_edu, liif_edu_many

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope='module')
def work(tmp_path_factory):
    d = tmp_path_factory.mktemp('cli')
    torch.manual_seed(0)
    model = LIIF(EDSR(n_resblocks=1), hidden=(16,))
    save_model(model, d / 'tiny.safetensors')
    torch.save(official_checkpoint(model), d / 'tiny.pth')
    rng = np.random.default_rng(0)
    Image.fromarray(rng.integers(0, 256, (12, 17, 3), dtype=np.uint8)).save(d / 'rgb.png')
    return d


def test_help():
    for args in (['--help'], ['upscale', '--help'], ['zoom', '--help']):
        r = liif_edu(*args)
        assert r.returncode == 0 and 'usage: liif-edu' in r.stdout


def test_lean_start():
    """The command's modules import nothing of the notebooks' tool kit, and --help does not even import torch."""
    code = ('import json, sys, liif_edu.cli; a = sorted(sys.modules); import liif_edu.upscale; '
            'print(json.dumps([sorted({m.split(".")[0] for m in mods}) for mods in (a, sys.modules)]))')
    r = subprocess.run([sys.executable, '-c', code], capture_output=True, text=True, check=True)
    cli_mods, upscale_mods = json.loads(r.stdout)
    assert 'torch' not in cli_mods and 'PIL' not in cli_mods, cli_mods
    for heavy in ('matplotlib', 'ipywidgets', 'IPython'):
        assert heavy not in upscale_mods, heavy


def test_self_ensemble_help_states_the_measured_gain():
    from liif_edu.cli import SELF_ENSEMBLE_GAIN
    res = json.loads((ROOT / 'data' / 'results' / 'self_ensemble.json').read_text())['psnr']
    gains = [res[f'{name} x4']['self_ensemble'] - res[f'{name} x4']['plain'] for name in ('Set5', 'Set14')]
    assert SELF_ENSEMBLE_GAIN == f'+{sum(gains) / 2:.2f} dB', (SELF_ENSEMBLE_GAIN, gains)
    r = liif_edu('upscale', '--help')
    assert SELF_ENSEMBLE_GAIN in ' '.join(r.stdout.split()) and '8x the time' in ' '.join(r.stdout.split())
    readme = ' '.join((ROOT / 'README.md').read_text().split())
    assert '--self-ensemble' in readme and f'{SELF_ENSEMBLE_GAIN} at x4 on Set5 and Set14' in readme and '8x the time' in readme


@pytest.mark.parametrize('mode', ['1', 'L', 'LA', 'RGB', 'RGBA', 'P', 'I;16', 'CMYK'])
def test_every_mode(work, mode, tmp_path):
    base = Image.open(work / 'rgb.png')
    im = Image.fromarray((np.asarray(base.convert('L'), dtype=np.uint16) * 257)) if mode == 'I;16' else base.convert(mode)
    src = tmp_path / ('in.tif' if mode == 'CMYK' else 'in.png')
    im.save(src)
    r = liif_edu('upscale', src, '-o', tmp_path / 'out.png', '--scale', '2.5', '--model', work / 'tiny.safetensors')
    assert r.returncode == 0, r.stderr
    out = Image.open(tmp_path / 'out.png')
    assert out.size == (round(17 * 2.5), round(12 * 2.5))
    grey, alpha = mode in ('1', 'L', 'LA', 'I;16'), mode in ('LA', 'RGBA')
    expected = {(True, True): 'LA', (True, False): 'I;16' if mode == 'I;16' else 'L', (False, True): 'RGBA', (False, False): 'RGB'}
    assert out.mode == expected[grey, alpha]


def test_sizes_and_models(work, tmp_path):
    cases = [(['--scale', '2,3'], (51, 24)), (['--size', '40x9'], (40, 9)), (['--width', '34'], (34, 24)), (['--height', '6'], (8, 6))]
    for args, size in cases:
        for model in ('tiny.safetensors', 'tiny.pth'):
            r = liif_edu('upscale', work / 'rgb.png', '-o', tmp_path / 'out.jpg', *args, '--model', work / model, '-q', '--overwrite')
            assert r.returncode == 0, r.stderr
            assert Image.open(tmp_path / 'out.jpg').size == size


def test_exif_orientation(work, tmp_path):
    im = Image.open(work / 'rgb.png')
    exif = Image.Exif(); exif[0x0112] = 6                     # "rotate 90 degrees clockwise to display"
    im.save(tmp_path / 'rot.jpg', exif=exif)
    r = liif_edu('upscale', tmp_path / 'rot.jpg', '-o', tmp_path / 'out.png', '--scale', '2', '--model', work / 'tiny.safetensors')
    assert r.returncode == 0, r.stderr
    assert Image.open(tmp_path / 'out.png').size == (24, 34)   # upright: 12 wide, 17 tall, doubled


def bad_inputs(work, d):
    model = ['--model', work / 'tiny.safetensors']
    ok_in = work / 'rgb.png'
    (d / 'notes.png').write_text('not an image')
    (d / 'empty.png').write_bytes(b'')
    (d / 'cut.png').write_bytes(ok_in.read_bytes()[:200])
    Image.new('1', (20000, 10000)).save(d / 'bomb.png')
    (d / 'junk.safetensors').write_bytes(os.urandom(300))

    class Payload:
        def __reduce__(self): return (os.system, (f'touch {d}/PWNED',))
    torch.save({'model': Payload()}, d / 'evil.pth')
    ro = '/proc/out.png' if os.geteuid() == 0 else None
    if ro is None:
        (d / 'ro').mkdir(); os.chmod(d / 'ro', 0o555); ro = d / 'ro' / 'out.png'
    out = d / 'out.png'
    return {
        'missing input': (['upscale', d / 'nope.png', '-o', out, '--scale', '2', *model], 'no such file'),
        'directory into one file': (['upscale', d, '-o', out, '--scale', '2', *model], 'names an output folder'),
        'non-image': (['upscale', d / 'notes.png', '-o', out, '--scale', '2', *model], 'not an image'),
        'zero-byte file': (['upscale', d / 'empty.png', '-o', out, '--scale', '2', *model], 'empty'),
        'truncated png': (['upscale', d / 'cut.png', '-o', out, '--scale', '2', *model], 'truncated'),
        'decompression bomb': (['upscale', d / 'bomb.png', '-o', out, '--scale', '2', *model], 'safety limit'),
        'scale 0': (['upscale', ok_in, '-o', out, '--scale', '0', *model], 'not a scale'),
        'negative scale': (['upscale', ok_in, '-o', out, '--scale=-2', *model], 'not a scale'),
        'nan scale': (['upscale', ok_in, '-o', out, '--scale', 'nan', *model], 'not a scale'),
        'inf scale': (['upscale', ok_in, '-o', out, '--scale', 'inf', *model], 'not a scale'),
        'text scale': (['upscale', ok_in, '-o', out, '--scale', 'big', *model], 'not a scale'),
        'size 0': (['upscale', ok_in, '-o', out, '--size', '0x10', *model], 'not a size'),
        'malformed size': (['upscale', ok_in, '-o', out, '--size', '10by10', *model], 'not a size'),
        'missing folder': (['upscale', ok_in, '-o', d / 'no' / 'out.png', '--scale', '2', *model], 'does not exist'),
        'read-only location': (['upscale', ok_in, '-o', ro, '--scale', '2', *model], 'cannot write'),
        'unknown extension': (['upscale', ok_in, '-o', d / 'out.xyz', '--scale', '2', *model], 'unknown image extension'),
        'model not a model': (['upscale', ok_in, '-o', out, '--scale', '2', '--model', d / 'junk.safetensors'], 'not a safetensors model'),
        'model missing': (['upscale', ok_in, '-o', out, '--scale', '2', '--model', d / 'none.safetensors'], 'no such file'),
        'pickle with code': (['upscale', ok_in, '-o', out, '--scale', '2', '--model', d / 'evil.pth'], 'would run code'),
        'absurd output': (['upscale', ok_in, '-o', out, '--scale', '100000', *model], 'GiB'),
        'no cuda': (['upscale', ok_in, '-o', out, '--scale', '2', '--device', 'cuda:7', *model], 'not available'),
    }


def test_bad_inputs(work, tmp_path):
    failures = []
    cases = {name: case for name, case in bad_inputs(work, tmp_path).items() if not (name == 'no cuda' and torch.cuda.device_count() > 7)}
    results = liif_edu_many({name: args for name, (args, _) in cases.items()}, tmp_path)
    for name, (args, expect) in cases.items():
        r = results[name]
        try:
            assert_clean_failure(r, tmp_path, expect)
        except AssertionError as e:
            failures.append(f'{name}: {e}')
    assert not (tmp_path / 'PWNED').exists(), 'the pickled payload ran'
    assert failures == []


def test_every_subcommand_has_help():
    for cmd in ('upscale', 'zoom', 'demo', 'train', 'evaluate', 'fetch'):
        r = liif_edu(cmd, '--help')
        assert r.returncode == 0 and f'usage: liif-edu {cmd}' in r.stdout, r.stderr


def test_demo(work, tmp_path):
    r = liif_edu('demo', '-o', tmp_path / 'demo.png', '--scales', '2,3.5', '--model', work / 'tiny.safetensors')
    assert r.returncode == 0, r.stderr
    means = [line for line in r.stdout.splitlines() if line.startswith('mean')]
    assert [line.split()[1] for line in means] == ['x2', 'x3.5'], r.stdout
    assert Image.open(tmp_path / 'demo.png').format == 'PNG'
    assert sorted(p.name for p in tmp_path.iterdir()) == ['demo.png']       # no temporary file left


def test_demo_with_the_bundled_model(tmp_path):
    r = subprocess.run(['liif-edu', 'demo', '--model', 'bundled'], capture_output=True, text=True, stdin=subprocess.DEVNULL, cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    gains = {line.split()[1]: float(line.split()[-1]) for line in r.stdout.splitlines() if line.startswith('mean')}
    assert set(gains) == {'x2', 'x3.5', 'x6'} and all(g > 0 for g in gains.values()), r.stdout   # beats bicubic at every scale
    assert Image.open(tmp_path / 'liif_edu_demo.png').size[0] > 500
    progress = [line.split(' (')[0] for line in r.stderr.splitlines()]        # not a terminal: a plain line per scale, as it ends
    assert progress == ['x2: 5 of 15 upscaled', 'x3.5: 10 of 15 upscaled', 'x6: 15 of 15 upscaled'] and '\r' not in r.stderr, r.stderr
    first = r.stdout.splitlines()[:2]                                           # every run names its device and model
    assert first[0].startswith('device: ') and first[1] == 'model: bundled', r.stdout


def small_set(d):
    (d / 'set' / 'HR').mkdir(parents=True)
    rng = np.random.default_rng(1)
    for i in range(2):
        Image.fromarray(rng.integers(0, 256, (30, 26, 3), dtype=np.uint8)).save(d / 'set' / 'HR' / f'{i}.png')
    return d / 'set'


def test_evaluate(work, tmp_path):
    data = small_set(tmp_path)
    r = liif_edu('evaluate', '--model', work / 'tiny.safetensors', '--data', data, '--scales', '2,2x3,6', '--json', tmp_path / 'r.json', '-q')
    assert r.returncode == 0, r.stderr
    assert '| method | x2 | x2x3 | x6 |' in r.stdout and '| liif_edu - bicubic |' in r.stdout
    res = json.loads((tmp_path / 'r.json').read_text())[str(data)]
    assert set(res) == {'liif_edu', 'bicubic'} and set(res['bicubic']) == {'x2', 'x2x3', 'x6'}
    r = liif_edu('evaluate', '--model', 'bicubic', '--data', data, '--scales', '3', '-q')
    assert r.returncode == 0 and '| bicubic |' in r.stdout and 'liif_edu' not in r.stdout


def test_bad_demo_and_evaluate_inputs(work, tmp_path):
    data, model = small_set(tmp_path), ['--model', work / 'tiny.safetensors']
    cases = {
        'demo to a missing folder': (['demo', '-o', tmp_path / 'no' / 'demo.png', *model], 'does not exist'),
        'demo bad scale': (['demo', '--scales', '2,zero', *model], 'not a scale'),
        'demo scale below 1': (['demo', '--scales', '0.5', *model], 'not a scale'),
        'evaluate missing data': (['evaluate', '--data', tmp_path / 'nope', *model], 'no such folder'),
        'evaluate empty data': (['evaluate', '--data', tmp_path / 'empty', *model], 'no images'),
        'evaluate nan scale': (['evaluate', '--data', data, '--scales', 'nan', *model], 'not a scale'),
        'evaluate huge scale': (['evaluate', '--data', data, '--scales', '40', *model], 'smaller than one pixel'),
        'evaluate json to a missing folder': (['evaluate', '--data', data, '--json', tmp_path / 'no' / 'r.json', *model], 'does not exist'),
        'evaluate not a model': (['evaluate', '--data', data, '--model', data / 'HR' / '0.png'], 'not a safetensors model'),
    }
    (tmp_path / 'empty').mkdir()
    (tmp_path / 'notes.txt').write_text('not an image')
    failures = []
    results = liif_edu_many({name: args for name, (args, _) in cases.items()}, tmp_path)
    for name, (args, expect) in cases.items():
        r = results[name]
        try: assert_clean_failure(r, tmp_path, expect)
        except AssertionError as e: failures.append(f'{name}: {e}')
    assert failures == []


def photos(d, names=('a.png', 'b.jpg', 'c.png')):
    rng = np.random.default_rng(2)
    d.mkdir(parents=True, exist_ok=True)
    for i, name in enumerate(names):
        Image.fromarray(rng.integers(0, 256, (9 + i, 11, 3), dtype=np.uint8)).save(d / name)
    return d


def test_batch(work, tmp_path):
    """Files, a folder and a glob into one output folder; names and formats kept; a bad file reported, the rest done."""
    src = photos(tmp_path / 'in')
    (src / 'zz-broken.png').write_bytes((src / 'a.png').read_bytes()[:60])
    extra = photos(tmp_path / 'more', ('d.png',))
    model = ['--model', work / 'tiny.safetensors']
    r = liif_edu('upscale', src, str(extra / '*.png'), '-o', tmp_path / 'out', '--scale', '2', *model)
    assert r.returncode == 1, r.stderr
    err = r.stderr.strip().splitlines()
    assert len(err) == 1 and 'zz-broken.png' in err[0] and 'truncated' in err[0] and 'Traceback' not in r.stderr, r.stderr
    assert sorted(p.name for p in (tmp_path / 'out').iterdir()) == ['a.png', 'b.jpg', 'c.png', 'd.png']
    assert Image.open(tmp_path / 'out' / 'c.png').size == (22, 22) and Image.open(tmp_path / 'out' / 'b.jpg').format == 'JPEG'
    assert '4 upscaled, 0 skipped (already there), 1 failed' in r.stdout, r.stdout
    assert 'device: cpu' in r.stdout, r.stdout                                 # --device auto says what it picked
    done = [line.split()[:2] for line in r.stdout.splitlines() if ' -> ' in line]   # not a terminal: one plain line per file
    assert [k for k, _ in done] == ['1/5', '2/5', '3/5', '5/5'] and done[0][1] == str(src / 'a.png'), r.stdout
    assert '\r' not in r.stdout + r.stderr
    before = (tmp_path / 'out' / 'a.png').stat().st_mtime_ns
    r = liif_edu('upscale', src / 'a.png', src / 'b.jpg', '-o', tmp_path / 'out', '--scale', '2', '--skip-existing', '--format', 'webp', *model)
    assert r.returncode == 0 and '2 upscaled, 0 skipped' in r.stdout, r.stdout + r.stderr
    r = liif_edu('upscale', src / 'a.png', src / 'b.jpg', '-o', tmp_path / 'out', '--scale', '2', '--skip-existing', *model)
    assert r.returncode == 0 and '0 upscaled, 2 skipped' in r.stdout, r.stdout + r.stderr
    assert (tmp_path / 'out' / 'a.png').stat().st_mtime_ns == before
    assert Image.open(tmp_path / 'out' / 'b.webp').format == 'WEBP'
    r = liif_edu('upscale', src / 'c.png', '-o', tmp_path / 'out', '--scale', '3', '-q', '--overwrite', *model)   # one file into a folder
    assert r.returncode == 0 and r.stdout == '' and Image.open(tmp_path / 'out' / 'c.png').size == (33, 33)


def test_batch_self_ensemble(work, tmp_path):
    src = photos(tmp_path / 'in', ('a.png',))
    for flag in ([], ['--self-ensemble']):
        r = liif_edu('upscale', src, '-o', tmp_path / ('se' if flag else 'plain'), '--scale', '2', '-q', *flag, '--model', work / 'tiny.safetensors')
        assert r.returncode == 0, r.stderr
    plain, se = (np.asarray(Image.open(tmp_path / k / 'a.png'), dtype=float) for k in ('plain', 'se'))
    assert plain.shape == se.shape and 0 < np.abs(plain - se).max()


def test_zoom(work, tmp_path):
    src = photos(tmp_path, ('p.png',))
    Image.fromarray(np.random.default_rng(3).integers(0, 256, (20, 30, 3), dtype=np.uint8)).save(src / 'p.png')
    model = ['--model', work / 'tiny.safetensors']
    for ext, fmt in [('gif', 'GIF'), ('webp', 'WEBP'), ('png', 'PNG')]:
        r = liif_edu('zoom', src / 'p.png', '-o', tmp_path / f'z.{ext}', '--frames', '6', '--to', '5', '--size', '16x12', '--at', '20,8', *model)
        assert r.returncode == 0, r.stderr
        im = Image.open(tmp_path / f'z.{ext}')
        assert (im.format, im.size, im.n_frames) == (fmt, (16, 12), 6), (im.format, im.size, im.n_frames)
    r = liif_edu('zoom', src / 'p.png', '-o', tmp_path / 'c.webp', '--frames', '3', '--compare', 'bicubic', '-q', *model)
    assert r.returncode == 0 and r.stdout == '', r.stderr
    im = Image.open(tmp_path / 'c.webp')
    assert (im.size, im.n_frames) == ((30 * 2 + 4, 20), 3)
    frames = []
    for k in range(3):
        im.seek(k); frames.append(np.asarray(im.convert('RGB'), dtype=float))
    assert all(np.abs(a - b).mean() > 1 for a, b in zip(frames, frames[1:]))   # every frame a new view (too small to label)
    Image.fromarray(np.random.default_rng(4).integers(0, 256, (96, 128, 3), dtype=np.uint8)).save(src / 'big.png')
    r = liif_edu('zoom', src / 'big.png', '-o', tmp_path / 'c.png', '--frames', '2', '--compare', 'bicubic', '-q', *model)
    assert r.returncode == 0, r.stderr
    with Image.open(tmp_path / 'c.png') as im:
        both = np.asarray(im.convert('RGB'))
    assert both.shape == (96, 128 * 2 + 4, 3)
    assert (both[0, :2] == 0).all() and (both[0, 132:134] == 0).all()          # each half labelled on its dark band
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith('.')) == []


def test_bad_batch_and_zoom_inputs(work, tmp_path):
    src = photos(tmp_path / 'in')
    (tmp_path / 'empty').mkdir()
    (tmp_path / 'notes.txt').write_text('not an image')
    (tmp_path / 'afile.png').write_bytes((src / 'a.png').read_bytes())
    (tmp_path / 'other').mkdir(); (tmp_path / 'other' / 'a.png').write_bytes((src / 'a.png').read_bytes())
    model = ['--model', work / 'tiny.safetensors']
    ok = src / 'a.png'
    out = tmp_path / 'out'
    cases = {
        'output folder is a file': (['upscale', src, '-o', tmp_path / 'afile.png', '--scale', '2', *model], 'is a file, not a folder'),
        'glob matches nothing': (['upscale', str(src / '*.tiff'), '-o', out, '--scale', '2', *model], 'no image files match'),
        'glob matches no image': (['upscale', str(tmp_path / 'notes*'), '-o', out, '--scale', '2', *model], 'no image files match'),
        'a missing file among others': (['upscale', ok, tmp_path / 'nope.png', '-o', out, '--scale', '2', *model], 'no such file'),
        'folder without images': (['upscale', tmp_path / 'empty', ok, '-o', out, '--scale', '2', *model], 'has no images'),
        'unknown format': (['upscale', src, '-o', out, '--scale', '2', '--format', 'xyz', *model], 'not a format'),
        'output over its input': (['upscale', src, '-o', src, '--scale', '2', *model], 'overwrite'),
        'two inputs, one output': (['upscale', ok, tmp_path / 'other' / 'a.png', '-o', out, '--scale', '2', *model], 'both be written'),
        'zoom frames 0': (['zoom', ok, '-o', out / 'z.gif', '--frames', '0', *model], 'not a number of frames'),
        'zoom frames negative': (['zoom', ok, '-o', tmp_path / 'z.gif', '--frames=-4', *model], 'not a number of frames'),
        'zoom frames nan': (['zoom', ok, '-o', tmp_path / 'z.gif', '--frames', 'nan', *model], 'not a number of frames'),
        'zoom 0': (['zoom', ok, '-o', tmp_path / 'z.gif', '--to', '0', *model], 'not a zoom'),
        'zoom negative': (['zoom', ok, '-o', tmp_path / 'z.gif', '--to=-3', *model], 'not a zoom'),
        'zoom nan': (['zoom', ok, '-o', tmp_path / 'z.gif', '--to', 'nan', *model], 'not a zoom'),
        'zoom point outside': (['zoom', ok, '-o', tmp_path / 'z.gif', '--at', '50,3', *model], 'outside'),
        'zoom point negative': (['zoom', ok, '-o', tmp_path / 'z.gif', '--at', '-5,3', *model], 'outside'),
        'zoom point malformed': (['zoom', ok, '-o', tmp_path / 'z.gif', '--at', 'middle', *model], 'not a point'),
        'zoom frames larger than the photo': (['zoom', ok, '-o', tmp_path / 'z.gif', '--size', '40x40', *model], 'larger than'),
        'zoom unknown format': (['zoom', ok, '-o', tmp_path / 'z.mp4', *model], 'unknown animation extension'),
        'zoom missing input': (['zoom', tmp_path / 'nope.png', '-o', tmp_path / 'z.gif', *model], 'no such file'),
        'zoom fps 0': (['zoom', ok, '-o', tmp_path / 'z.gif', '--fps', '0', *model], 'not a frame rate'),
    }
    failures = []
    results = liif_edu_many({name: args for name, (args, _) in cases.items()}, tmp_path)
    for name, (args, expect) in cases.items():
        r = results[name]
        try:
            assert_clean_failure(r, tmp_path, expect)
            assert not out.exists() and not [p for p in tmp_path.iterdir() if p.name.startswith(('z.', '.z'))]
        except AssertionError as e:
            failures.append(f'{name}: {e}')
    assert failures == []
    assert sorted(p.name for p in src.iterdir()) == ['a.png', 'b.jpg', 'c.png']   # nothing lost
