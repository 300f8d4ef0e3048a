"""The DIV2K helper against a local web server and a small zip built here: download, resume, checksum, safe unpacking."""
import hashlib
import http.server
import io
import threading
import zipfile

import numpy as np
import pytest
from PIL import Image

from liif_edu.data import DataError, image_files
from liif_edu.download import download, download_div2k


class Server(http.server.BaseHTTPRequestHandler):
    "Serves `files` (name -> bytes), honouring Range requests unless `ranges` is False; records what it sent."
    files, ranges, log = {}, True, []

    def do_GET(self):
        body = self.files.get(self.path.lstrip('/'))
        if body is None: return self.send_error(404)
        start = 0
        rng = self.headers.get('Range')
        if rng and self.ranges:
            start = int(rng.split('=')[1].split('-')[0])
            self.send_response(206)
            self.send_header('Content-Range', f'bytes {start}-{len(body) - 1}/{len(body)}')
        else:
            self.send_response(200)
        self.send_header('Content-Length', str(len(body) - start))
        self.end_headers()
        self.wfile.write(body[start:])
        self.log.append((self.path, rng, len(body) - start))

    def log_message(self, *args): pass


@pytest.fixture()
def server():
    Server.files, Server.ranges, Server.log = {}, True, []
    httpd = http.server.ThreadingHTTPServer(('127.0.0.1', 0), Server)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    yield f'http://127.0.0.1:{httpd.server_address[1]}/'
    httpd.shutdown()


def div2k_zip(n=3):
    "A miniature DIV2K_valid_HR.zip: n small PNGs in a DIV2K_valid_HR/ folder."
    buf = io.BytesIO()
    rng = np.random.default_rng(0)
    with zipfile.ZipFile(buf, 'w') as z:
        for i in range(n):
            png = io.BytesIO()
            Image.fromarray(rng.integers(0, 256, (40, 50, 3), dtype=np.uint8)).save(png, format='PNG')
            z.writestr(f'DIV2K_valid_HR/{801 + i:04d}.png', png.getvalue())
    return buf.getvalue()


def catalogue(body):
    return {'DIV2K_valid_HR.zip': (len(body), hashlib.sha256(body).hexdigest())}


def test_download_and_unpack(server, tmp_path):
    body = div2k_zip()
    Server.files['DIV2K_valid_HR.zip'] = body
    out = download_div2k(tmp_path, splits=('valid',), base_url=server, files=catalogue(body), progress=False)
    assert [p.name for p in image_files(out['valid'])] == ['0801.png', '0802.png', '0803.png']
    assert not (tmp_path / 'DIV2K_valid_HR.zip').exists()                  # the zip is removed after unpacking
    assert sorted(p.name for p in tmp_path.iterdir()) == ['DIV2K_valid_HR']  # no temporary leftovers
    Server.log.clear()
    download_div2k(tmp_path, splits=('valid',), base_url=server, files=catalogue(body), progress=False)
    assert Server.log == []                                                  # already there: nothing fetched


def test_resume_asks_only_for_the_rest(server, tmp_path):
    body = div2k_zip()
    Server.files['DIV2K_valid_HR.zip'] = body
    (tmp_path / 'DIV2K_valid_HR.zip.part').write_bytes(body[:1000])          # an interrupted earlier download
    download_div2k(tmp_path, splits=('valid',), base_url=server, files=catalogue(body), progress=False, keep_zip=True)
    assert Server.log == [('/DIV2K_valid_HR.zip', 'bytes=1000-', len(body) - 1000)]
    assert (tmp_path / 'DIV2K_valid_HR.zip').read_bytes() == body
    assert len(image_files(tmp_path / 'DIV2K_valid_HR')) == 3


def test_server_without_ranges_starts_over(server, tmp_path):
    body = div2k_zip()
    Server.files['f.zip'], Server.ranges = body, False
    (tmp_path / 'f.zip.part').write_bytes(b'x' * 500)                          # would corrupt the file if appended to
    download(server + 'f.zip', tmp_path / 'f.zip', hashlib.sha256(body).hexdigest(), len(body), progress=False)
    assert (tmp_path / 'f.zip').read_bytes() == body


def test_corrupt_download_is_refused_and_deleted(server, tmp_path):
    body = div2k_zip()
    Server.files['DIV2K_valid_HR.zip'] = body
    wrong = {'DIV2K_valid_HR.zip': (len(body), '0' * 64)}
    with pytest.raises(DataError, match='wrong SHA-256'):
        download_div2k(tmp_path, splits=('valid',), base_url=server, files=wrong, progress=False)
    assert list(tmp_path.iterdir()) == []                                    # no zip, no part file, no folder


def test_short_download_can_resume(server, tmp_path):
    body = div2k_zip()
    Server.files['f.zip'] = body[:2000]                                      # the connection "drops" after 2000 bytes
    with pytest.raises(DataError, match='run the same command again to resume'):
        download(server + 'f.zip', tmp_path / 'f.zip', size=len(body), progress=False)
    Server.files['f.zip'] = body
    download(server + 'f.zip', tmp_path / 'f.zip', hashlib.sha256(body).hexdigest(), len(body), progress=False)
    assert (tmp_path / 'f.zip').read_bytes() == body
    assert Server.log[-1][1] == 'bytes=2000-'


def test_missing_file_and_unreachable_server(server, tmp_path):
    with pytest.raises(DataError, match='404'):
        download(server + 'nope.zip', tmp_path / 'nope.zip', progress=False)
    with pytest.raises(DataError, match='stopped'):
        download('http://127.0.0.1:9/x.zip', tmp_path / 'x.zip', progress=False)  # port 9: nothing listens
