"""The DIV2K and benchmark helpers against a local web server and small archives built here: download, resume, checksum, safe unpacking."""
import hashlib
import http.server
import io
import tarfile
import threading
import zipfile

import numpy as np
import pytest
from PIL import Image

from liif_edu.data import benchmark_pairs
from liif_edu.folders import image_files
from liif_edu.errors import DownloadError
from liif_edu.download import download, download_benchmarks, download_div2k


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
        self.log.append((self.path, rng, len(body) - start))   # before the body: the client may check the log as soon as it has it
        self.wfile.write(body[start:])

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
    with pytest.raises(DownloadError, match='wrong SHA-256'):
        download_div2k(tmp_path, splits=('valid',), base_url=server, files=wrong, progress=False)
    assert list(tmp_path.iterdir()) == []                                    # no zip, no part file, no folder


def test_short_download_can_resume(server, tmp_path):
    body = div2k_zip()
    Server.files['f.zip'] = body[:2000]                                      # the connection "drops" after 2000 bytes
    with pytest.raises(DownloadError, match='run the same command again to resume'):
        download(server + 'f.zip', tmp_path / 'f.zip', size=len(body), progress=False)
    Server.files['f.zip'] = body
    download(server + 'f.zip', tmp_path / 'f.zip', hashlib.sha256(body).hexdigest(), len(body), progress=False)
    assert (tmp_path / 'f.zip').read_bytes() == body
    assert Server.log[-1][1] == 'bytes=2000-'


def test_missing_file_and_unreachable_server(server, tmp_path):
    with pytest.raises(DownloadError, match='404'):
        download(server + 'nope.zip', tmp_path / 'nope.zip', progress=False)
    with pytest.raises(DownloadError, match='stopped'):
        download('http://127.0.0.1:9/x.zip', tmp_path / 'x.zip', progress=False)  # port 9: nothing listens


def png(h, w, seed):
    buf = io.BytesIO()
    Image.fromarray(np.random.default_rng(seed).integers(0, 256, (h, w, 3), dtype=np.uint8)).save(buf, format='PNG')
    return buf.getvalue()


def benchmark_tar():
    "A miniature benchmark.tar in the EDSR authors' layout: Set5 and Set14, two photos each, with x2 and x3 inputs."
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode='w') as t:
        for k, (name, stem) in enumerate([('Set5', 'baby'), ('Set5', 'bird'), ('Set14', 'man'), ('Set14', 'zebra')]):
            members = {f'benchmark/{name}/HR/{stem}.png': png(12, 18, k)}
            members.update({f'benchmark/{name}/LR_bicubic/X{s}/{stem}x{s}.png': png(12 // s, 18 // s, 10 * k + s) for s in (2, 3)})
            for path, body in members.items():
                info = tarfile.TarInfo(path); info.size = len(body); t.addfile(info, io.BytesIO(body))
    return buf.getvalue()


def test_benchmarks_download_unpack_and_evaluate(server, tmp_path):
    body = benchmark_tar()
    Server.files['benchmark.tar'] = body
    files = {'benchmark.tar': (len(body), hashlib.sha256(body).hexdigest())}
    (tmp_path / 'benchmark.tar.part').write_bytes(body[:3000])               # an interrupted earlier download
    out = download_benchmarks(tmp_path, sets=('Set5',), url=server + 'benchmark.tar', files=files, progress=False)
    assert Server.log == [('/benchmark.tar', 'bytes=3000-', len(body) - 3000)]  # resumed: only the missing bytes
    assert out == {'Set5': tmp_path / 'Set5'} and sorted(p.name for p in tmp_path.iterdir()) == ['Set5']
    pairs = list(benchmark_pairs(out['Set5'], 3))                            # the official inputs, found under the HR names
    assert [name for name, _, _ in pairs] == ['baby', 'bird'] and pairs[0][1].shape == (3, 4, 6)
    with tarfile.open(fileobj=io.BytesIO(body)) as t:
        official = np.asarray(Image.open(t.extractfile('benchmark/Set5/LR_bicubic/X3/babyx3.png')))
    assert np.array_equal((pairs[0][1] * 255).round().byte().permute(1, 2, 0).numpy(), official)
    download_benchmarks(tmp_path, sets=('Set5',), url=server + 'nothing-here', files=files, progress=False)  # done: no request
    assert len(Server.log) == 1
    out = download_benchmarks(tmp_path, sets=('Set5', 'Set14'), url=server + 'benchmark.tar', files=files, progress=False)
    assert sorted(p.name for p in tmp_path.iterdir()) == ['Set14', 'Set5'] and len(image_files(out['Set14'] / 'HR')) == 2


def test_benchmarks_refuse_a_corrupt_archive(server, tmp_path):
    body = benchmark_tar()
    Server.files['benchmark.tar'] = body
    with pytest.raises(DownloadError, match='wrong SHA-256'):
        download_benchmarks(tmp_path, sets=('Set5',), url=server + 'benchmark.tar', files={'benchmark.tar': (len(body), '0' * 64)},
                            progress=False)
    assert list(tmp_path.iterdir()) == []
    with pytest.raises(DownloadError, match='no benchmark/B100/HR/'):                # the right checksum, the wrong archive
        download_benchmarks(tmp_path, sets=('B100',), url=server + 'benchmark.tar',
                            files={'benchmark.tar': (len(body), hashlib.sha256(body).hexdigest())}, progress=False)
    assert sorted(p.name for p in tmp_path.iterdir()) == ['benchmark.tar']   # kept, so a retry need not download it again


def test_download_command(server, tmp_path, monkeypatch, capsys):
    """`liif-edu download benchmarks` as a user runs it: the sets land in --out, and a corrupt archive is one line, exit 1."""
    from liif_edu import cli, download as dl
    body = benchmark_tar()
    Server.files['benchmark.tar'] = body
    monkeypatch.setattr(dl, 'BENCHMARK_FILES', {'benchmark.tar': (len(body), hashlib.sha256(body).hexdigest())})
    assert cli.main(['download', 'benchmarks', '--out', tmp_path / 'b', '--sets', 'Set5,Set14', '--url', server + 'benchmark.tar', '-q']) == 0
    assert sorted(p.name for p in (tmp_path / 'b').iterdir()) == ['Set14', 'Set5']
    monkeypatch.setattr(dl, 'BENCHMARK_FILES', {'benchmark.tar': (len(body), '0' * 64)})
    assert cli.main(['download', 'benchmarks', '--out', tmp_path / 'c', '--url', server + 'benchmark.tar', '-q']) == 1
    err = capsys.readouterr().err
    assert err.count('\n') == 1 and 'wrong SHA-256' in err and list((tmp_path / 'c').iterdir()) == []
    assert cli.main(['download', 'div2k', '--sets', 'Set5']) == 1 and '--sets and --url are for benchmarks' in capsys.readouterr().err
