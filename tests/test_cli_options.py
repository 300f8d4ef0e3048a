"""`liif-edu upscale`'s promises to a photographer, through the installed command on real files: nothing overwritten
without being asked, nothing lost on the way out (quality, EXIF, XMP, the colour profile, 16 bits), progress that a
log can keep, and each option's bad values refused in one line before any work, most of them before PyTorch loads.
"""
import contextlib
import io
import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import tifffile
import torch
from PIL import Image, ImageCms, JpegImagePlugin

from liif_edu.checkpoint import save_model
from liif_edu.encoders import EDSR
from liif_edu.model import LIIF
from liif_edu.paths import MODEL_NAMES, sample_path

from helpers import assert_clean_failure, liif_edu, liif_edu_many

XMP = (b'<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">'
       b'<rdf:Description xmlns:xmp="http://ns.adobe.com/xap/1.0/" xmp:Rating="5"/></rdf:RDF></x:xmpmeta>')


@pytest.fixture(scope='module')
def work(tmp_path_factory):
    "A tiny model, a real photo (a crop of the bundled cat) and its camera metadata."
    d = tmp_path_factory.mktemp('options')
    torch.manual_seed(0)
    save_model(LIIF(EDSR(n_resblocks=1), hidden=(16,)), d / 'tiny.safetensors')
    cat = Image.open(sample_path('chelsea')).convert('RGB').crop((100, 40, 164, 88))   # 64 x 48
    exif = Image.Exif(); exif[0x010f] = 'liif camera'; exif[0x0132] = '2026:12:07 10:00:00'
    exif.get_ifd(0x8769)[0x829a] = (1, 250)                                               # an exposure time
    icc = ImageCms.ImageCmsProfile(ImageCms.createProfile('sRGB')).tobytes()
    cat.save(d / 'cat.jpg', quality=98, subsampling=0, exif=exif.tobytes(), icc_profile=icc, xmp=XMP)
    cat.save(d / 'cat.png')
    return dict(dir=d, model=['--model', d / 'tiny.safetensors'], exif=exif, icc=icc, cat=cat)


def upscale(work, *args):
    return liif_edu('upscale', *args, *work['model'])


def test_version():
    from liif_edu import __version__
    r = liif_edu('--version')
    assert r.returncode == 0 and r.stdout.strip() == f'liif-edu {__version__}', r.stdout + r.stderr


def test_jpeg_keeps_quality_exif_xmp_and_profile(work, tmp_path):
    r = upscale(work, work['dir'] / 'cat.jpg', '-o', tmp_path / 'big.jpg', '--scale', '2', '-q')
    assert r.returncode == 0, r.stderr
    with Image.open(work['dir'] / 'cat.jpg') as src, Image.open(tmp_path / 'big.jpg') as out:
        assert out.size == (128, 96)
        assert out.info['exif'] == src.info['exif'] and out.info['icc_profile'] == work['icc'] and out.info['xmp'] == XMP
        ref = io.BytesIO(); out.convert('RGB').save(ref, 'JPEG', quality=95, subsampling=0)
        assert out.quantization == Image.open(ref).quantization              # the tables of quality 95 ...
        assert JpegImagePlugin.get_sampling(out) == 0                           # ... with full-resolution colour (4:4:4)
    r = upscale(work, work['dir'] / 'cat.jpg', '-o', tmp_path / 'q70.jpg', '--scale', '2', '--quality', '70', '-q')
    assert r.returncode == 0, r.stderr
    with Image.open(tmp_path / 'q70.jpg') as out:
        ref = io.BytesIO(); out.convert('RGB').save(ref, 'JPEG', quality=70, subsampling=0)
        assert out.quantization == Image.open(ref).quantization


def test_webp_lossy_at_95_lossless_at_100(work, tmp_path):
    for quality, chunk, other in ((None, b'VP8 ', b'VP8L'), ('100', b'VP8L', b'VP8 ')):   # the image chunk: lossy or lossless
        out = tmp_path / f'{quality}.webp'
        r = upscale(work, work['dir'] / 'cat.jpg', '-o', out, '--scale', '2', '-q', *(['--quality', quality] if quality else []))
        assert r.returncode == 0, r.stderr
        assert chunk in out.read_bytes() and other not in out.read_bytes()
        with Image.open(out) as im: assert im.info['icc_profile'] == work['icc'] and im.info['xmp'] == XMP


def test_rotated_photo_comes_out_upright_with_orientation_reset(work, tmp_path):
    exif = Image.Exif(); exif.load(work['exif'].tobytes()); exif[0x0112] = 8              # "rotate 90 degrees anticlockwise"
    work['cat'].save(tmp_path / 'turned.jpg', quality=98, exif=exif.tobytes())
    r = upscale(work, tmp_path / 'turned.jpg', '-o', tmp_path / 'up.png', '--scale', '2', '-q')
    assert r.returncode == 0, r.stderr
    with Image.open(tmp_path / 'up.png') as out:
        tags = out.getexif()
        assert out.size == (96, 128) and tags[0x0112] == 1 and tags[0x010f] == 'liif camera'
        assert tags.get_ifd(0x8769)[0x829a] == (1, 250)


@pytest.mark.parametrize('ext', ['png', 'tif'])
def test_sixteen_bit_rgb_stays_sixteen_bit(work, tmp_path, ext):
    rgb = np.asarray(work['cat'], dtype=np.uint16) * 257 + np.random.default_rng(0).integers(0, 257, (48, 64, 3), dtype=np.uint16)
    src = tmp_path / f'deep.{ext}'
    if ext == 'tif': tifffile.imwrite(src, rgb, photometric='rgb', software='a scanner 2.1', description='a scan', metadata=None,
                                      extratags=[(34675, 7, len(work['icc']), work['icc'], True)])
    else:
        import png
        png.Writer(64, 48, greyscale=False, bitdepth=16).write(open(src, 'wb'), rgb.reshape(48, -1))
    out = tmp_path / f'out.{ext}'
    r = upscale(work, src, '-o', out, '--scale', '2', '-q')
    assert r.returncode == 0 and r.stderr == '', r.stderr        # -q: not a word, not even a library's warning
    if ext == 'tif':
        with tifffile.TiffFile(out) as t:
            page = t.pages[0]
            a = page.asarray()
            assert (page.bitspersample, a.dtype, a.shape) == (16, np.uint16, (96, 128, 3))
            assert page.tags[34675].value == work['icc']
            assert (page.software, page.description) == ('a scanner 2.1', 'a scan')   # the scanner's, not the writer's
    else:
        import png
        w, h, rows, info = png.Reader(filename=str(out)).read()
        a = np.vstack([np.asarray(row, dtype=np.uint16) for row in rows])
        assert (info['bitdepth'], info['planes'], w, h) == (16, 3, 128, 96)
    assert len(np.unique(a % 257)) > 1         # values between the 8-bit levels: the extra bits carry information


def test_existing_outputs_are_refused_unless_asked(work, tmp_path):
    src = tmp_path / 'a.png'; src.write_bytes((work['dir'] / 'cat.png').read_bytes())
    (tmp_path / 'keep.png').write_bytes(b'precious')
    r = upscale(work, src, '-o', tmp_path / 'keep.png', '--scale', '2')
    assert r.returncode == 1 and 'already exists' in r.stderr and '--overwrite' in r.stderr
    assert (tmp_path / 'keep.png').read_bytes() == b'precious'
    r = upscale(work, src, '-o', tmp_path / 'keep.png', '--scale', '2', '--overwrite', '-q')
    assert r.returncode == 0 and Image.open(tmp_path / 'keep.png').size == (128, 96), r.stderr
    for extra in ([], ['--overwrite']):                                          # its own input: never, even when asked
        r = upscale(work, src, '-o', src, '--scale', '2', *extra)
        assert r.returncode == 1 and 'would overwrite it' in r.stderr, r.stderr
        assert Image.open(src).size == (64, 48)


def test_suffix_writes_beside_the_inputs_and_skip_existing_notices_a_new_size(work, tmp_path):
    for name in ('a.png', 'b.jpg'): Image.open(work['dir'] / 'cat.png').save(tmp_path / name)
    r = upscale(work, tmp_path, '--suffix', '_big', '--scale', '2')
    assert r.returncode == 0, r.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ['a.png', 'a_big.png', 'b.jpg', 'b_big.jpg']
    r = upscale(work, tmp_path / 'a.png', tmp_path / 'b.jpg', '--suffix', '_big', '--scale', '2')
    assert r.returncode == 1 and 'already exists' in r.stderr
    r = upscale(work, tmp_path / 'a.png', tmp_path / 'b.jpg', '--suffix', '_big', '--scale', '2', '--skip-existing')
    assert r.returncode == 0 and '0 upscaled, 2 skipped' in r.stdout, r.stdout
    r = upscale(work, tmp_path / 'a.png', tmp_path / 'b.jpg', '--suffix', '_big', '--scale', '3', '--skip-existing')
    assert r.returncode == 0 and '2 upscaled, 0 skipped' in r.stdout and 'not of the size' in r.stdout, r.stdout
    assert Image.open(tmp_path / 'a_big.png').size == (192, 144)


def test_a_rerun_beside_the_originals_leaves_its_outputs_alone(work, tmp_path):
    for name in ('a.png', 'b.png'): Image.open(work['dir'] / 'cat.png').save(tmp_path / name)
    assert upscale(work, tmp_path, '--suffix', '_x2', '--scale', '2', '-q').returncode == 0
    r = upscale(work, tmp_path, '--suffix', '_x2', '--scale', '2', '--skip-existing', '-q')   # the rerun an interrupted batch asks for
    assert r.returncode == 0 and r.stderr.strip() == 'note: left out 2 files named as outputs of this batch (a_x2.png, the output of a.png)', r.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ['a.png', 'a_x2.png', 'b.png', 'b_x2.png']


def test_quality_on_a_lossless_format_gets_a_note(work, tmp_path):
    r = upscale(work, work['dir'] / 'cat.png', '-o', tmp_path / 'big.png', '--scale', '2', '--quality', '80', '-q')
    assert r.returncode == 0 and r.stderr.strip() == 'note: --quality sets JPEG and WebP only; .png is written without loss', r.stderr


def test_a_scale_below_one_gets_a_note(work, tmp_path):
    r = upscale(work, work['dir'] / 'cat.png', '-o', tmp_path / 'small.png', '--scale', '0.5', '-q')
    assert r.returncode == 0 and Image.open(tmp_path / 'small.png').size == (32, 24)
    assert len(r.stderr.splitlines()) == 1 and r.stderr.startswith('note: --scale 0.5 shrinks'), r.stderr


def test_model_names_in_any_case(work, tmp_path):
    r = liif_edu('upscale', work['dir'] / 'cat.png', '-o', tmp_path / 'b.png', '--scale', '2', '--model', 'BUNDLED')
    assert r.returncode == 0 and 'model: bundled' in r.stdout, r.stdout + r.stderr


def test_an_interrupted_batch_says_how_to_finish(work, tmp_path, monkeypatch):
    import liif_edu.files as files
    from liif_edu.cli import main
    for name in 'abc': Image.open(work['dir'] / 'cat.png').save(tmp_path / f'{name}.png')
    real, calls = files.upscale_file, []
    def second_call_interrupted(*args, **kw):                  # Ctrl-C during the second photo
        calls.append(args[0])
        if len(calls) == 2: raise KeyboardInterrupt
        return real(*args, **kw)
    monkeypatch.setattr(files, 'upscale_file', second_call_interrupted)
    err = io.StringIO()
    with contextlib.redirect_stderr(err), contextlib.redirect_stdout(io.StringIO()):
        rc = main(['upscale', tmp_path, '-o', tmp_path / 'big', '--scale', '2', *work['model']])
    assert rc == 130 and err.getvalue().strip() == 'liif-edu: interrupted: 1 of 3 done; rerun with --skip-existing to finish'
    assert sorted(p.name for p in (tmp_path / 'big').iterdir()) == ['a.png']        # no half-written b.png
    monkeypatch.setattr(files, 'upscale_file', real)
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        rc = main(['upscale', tmp_path, '-o', tmp_path / 'big', '--scale', '2', '--skip-existing', *work['model']])
    assert rc == 0 and '2 upscaled, 1 skipped' in out.getvalue()


def bad_option_cases(work, d):
    ok, model = work['dir'] / 'cat.png', work['model']
    (d / 'there.png').write_bytes(ok.read_bytes())
    out = d / 'out.png'
    names = ', '.join(MODEL_NAMES)
    return {
        'memory below the floor': (['upscale', ok, '-o', out, '--scale', '2', '--max-memory', '1K', *model], 'at least 32M'),
        'memory not a number': (['upscale', ok, '-o', out, '--scale', '2', '--max-memory', 'lots', *model], 'not an amount of memory'),
        'quality 0': (['upscale', ok, '-o', d / 'out.jpg', '--scale', '2', '--quality', '0', *model], 'not a quality'),
        'quality 101': (['upscale', ok, '-o', d / 'out.jpg', '--scale', '2', '--quality', '101', *model], 'not a quality'),
        'quality nan': (['upscale', ok, '-o', d / 'out.jpg', '--scale', '2', '--quality', 'nan', *model], 'not a quality'),
        'suffix with one output file': (['upscale', ok, '-o', out, '--scale', '2', '--suffix', '_x2', *model], '--suffix'),
        'no output and no suffix': (['upscale', ok, '--scale', '2', *model], '--suffix'),
        'suffix with a folder': (['upscale', d, '--suffix', 'a/b', '--scale', '2', *model], 'cannot hold a folder'),
        'overwrite and skip-existing': (['upscale', ok, '-o', out, '--scale', '2', '--overwrite', '--skip-existing', *model], 'not allowed with'),
        'output is the input': (['upscale', d / 'there.png', '-o', d / 'there.png', '--scale', '2', '--overwrite', *model], 'would overwrite it'),
        'misspelt model name': (['upscale', ok, '-o', out, '--scale', '2', '--model', 'Offical'], names),
        'model folder': (['upscale', ok, '-o', out, '--scale', '2', '--model', d], 'is a folder'),
        'zoom over an animation': (['zoom', ok, '-o', d / 'there.png', *model], '--overwrite'),
    }


def test_bad_options(work, tmp_path):
    results = liif_edu_many({name: args for name, (args, _) in bad_option_cases(work, tmp_path).items()}, tmp_path)
    failures = []
    for name, (args, expect) in bad_option_cases(work, tmp_path).items():
        try: assert_clean_failure(results[name], tmp_path, expect)
        except AssertionError as e: failures.append(f'{name}: {e}')
    assert failures == []
    assert (tmp_path / 'there.png').read_bytes() == (work['dir'] / 'cat.png').read_bytes()


CHEAP = r'''
import contextlib, io, json, sys
sys.modules['torch'] = None                         # any import of PyTorch now fails
from liif_edu.cli import main
out = {}
for name, args in json.loads(sys.argv[1]).items():
    err = io.StringIO()
    with contextlib.redirect_stderr(err), contextlib.redirect_stdout(io.StringIO()):
        try: rc = main(args)
        except SystemExit as e: rc = e.code
        except BaseException as e: rc, err = 'raised', io.StringIO(repr(e))
    out[name] = [rc, err.getvalue()]
print(json.dumps(out))
'''


def test_cheap_errors_come_before_pytorch(work, tmp_path):
    """Paths, extensions, names and numbers are checked with PyTorch unimportable: each such error reaches the user
    without the seconds that loading PyTorch costs (the time itself is measured in the issue's note, not here)."""
    cases = {name: list(map(str, args)) for name, (args, _) in bad_option_cases(work, tmp_path).items()}
    ok, model = work['dir'] / 'cat.png', work['model']
    cases.update({
        'missing input': ['upscale', tmp_path / 'nope.png', '-o', tmp_path / 'o.png', '--scale', '2', *model],
        'unknown extension': ['upscale', ok, '-o', tmp_path / 'o.xyz', '--scale', '2', *model],
        'missing folder': ['upscale', ok, '-o', tmp_path / 'no' / 'o.png', '--scale', '2', *model],
        'existing output': ['upscale', ok, '-o', tmp_path / 'there.png', '--scale', '2', *model],
        'missing model': ['upscale', ok, '-o', tmp_path / 'o.png', '--scale', '2', '--model', tmp_path / 'none.safetensors'],
        'bad scale': ['upscale', ok, '-o', tmp_path / 'o.png', '--scale', 'nan', *model],
        'zoom bad extension': ['zoom', ok, '-o', tmp_path / 'z.mp4', *model],
    })
    cases = {k: list(map(str, v)) for k, v in cases.items()}
    r = subprocess.run([sys.executable, '-c', CHEAP, json.dumps(cases)], capture_output=True, text=True, stdin=subprocess.DEVNULL)
    assert r.returncode == 0, r.stderr
    for name, (rc, err) in json.loads(r.stdout).items():
        assert rc in (1, 2) and len(err.strip().splitlines()) == 1 and 'torch' not in err.lower(), (name, rc, err)


def test_models_lists_every_named_model_from_its_card():
    r = liif_edu('models')
    assert r.returncode == 0, r.stderr
    rows = [line for line in r.stdout.splitlines() if line.startswith('|')]
    header = [c.strip() for c in rows[0].strip('|').split('|')]
    for column in ('name', 'source', 'trained on', 'parameters', 'Set5 x4', 'Set14 x4', 's/MP'):
        assert any(column in h for h in header), (column, header)
    names = [row.strip('|').split('|')[0].strip() for row in rows[2:]]
    assert names == list(MODEL_NAMES), names


def test_export_onnx_matches_pytorch(work, tmp_path):
    """Two graphs with dynamic sizes; `liif-edu export` checks them against PyTorch with onnxruntime (1e-4), and so does
    this test, on a photo: the whole upscale through onnxruntime against `upscale`."""
    from liif_edu.checkpoint import load_model
    from liif_edu.images import load_image
    from liif_edu.onnx_export import upscale_onnx
    from liif_edu.upscale import upscale
    r = liif_edu('export', work['dir'] / 'tiny.safetensors', '-o', tmp_path / 'tiny.onnx')
    assert r.returncode == 0, r.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ['tiny.decoder.onnx', 'tiny.encoder.onnx'] and r.stderr == '', r.stderr
    assert float(r.stdout.split('largest difference from PyTorch ')[1].split()[0]) <= 1e-4, r.stdout
    img = load_image(work['dir'] / 'cat.png')[:, :30, :41]
    ours = upscale_onnx([tmp_path / 'tiny.encoder.onnx', tmp_path / 'tiny.decoder.onnx'], img.numpy(), (75, 100))
    ref = upscale(load_model(work['dir'] / 'tiny.safetensors'), img, size=(75, 100)).numpy()
    assert ours.shape == (3, 75, 100) and np.abs(ours - ref).max() <= 1e-4
    r = liif_edu('export', work['dir'] / 'tiny.safetensors', '-o', tmp_path / 'tiny.onnx')
    assert r.returncode == 1 and 'already exists' in r.stderr and '--overwrite' in r.stderr


def test_bad_export_inputs(work, tmp_path):
    from liif_edu.lte import LTE
    from liif_edu.encoders import EDSR as Enc
    save_model(LTE(Enc(n_resblocks=1), hidden=(16,)), tmp_path / 'lte.safetensors')
    (tmp_path / 'junk.safetensors').write_bytes(b'not a model')
    cases = {
        'LTE model': (['export', tmp_path / 'lte.safetensors', '-o', tmp_path / 'out.onnx'], 'not supported'),
        'not a model': (['export', tmp_path / 'junk.safetensors', '-o', tmp_path / 'out.onnx'], 'not a safetensors model'),
        'missing folder': (['export', work['dir'] / 'tiny.safetensors', '-o', tmp_path / 'no' / 'out.onnx'], 'does not exist'),
        'misspelt name': (['export', 'bundle', '-o', tmp_path / 'out.onnx'], 'official, bundled'),
    }
    results = liif_edu_many({name: args for name, (args, _) in cases.items()}, tmp_path)
    failures = []
    for name, (args, expect) in cases.items():
        try: assert_clean_failure(results[name], tmp_path, expect)
        except AssertionError as e: failures.append(f'{name}: {e}')
    assert failures == []
