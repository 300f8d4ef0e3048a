"""liif_edu installed from its wheel, with no clone around it: the bundled model, the sample photos and the learner's
training photos come with it, so `liif-edu demo`, `load_model('bundled')` and the learner preset work.

The wheel is built from a copy of the project (so the clone is left as it was) and installed into a new virtual
environment. To keep the test to a minute, the environment sees this Python's installed packages (PyTorch and the
other requirements) rather than downloading them again; the test checks that `liif_edu` itself is the wheel's, and
runs everything from an empty folder, away from the clone.
"""
import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope='module')
def wheel(tmp_path_factory) -> Path:
    src = tmp_path_factory.mktemp('src') / 'liif_edu'
    shutil.copytree(ROOT, src, ignore=shutil.ignore_patterns('.git', 'runs', 'build', 'dist', '*.egg-info', '__pycache__', '_docs', '_proc'))
    out = tmp_path_factory.mktemp('dist')
    subprocess.run([sys.executable, '-m', 'pip', 'wheel', '--no-deps', '--no-build-isolation', '-q', '-w', str(out), str(src)],
                   check=True, capture_output=True, text=True)
    return next(out.glob('liif_edu-*.whl'))


def test_wheel_carries_the_assets_and_not_the_results(wheel):
    names = zipfile.ZipFile(wheel).namelist()
    for need in ('liif_edu/assets/models/bundled.safetensors', 'liif_edu/assets/models/bundled.json',
                 'liif_edu/assets/photos/samples/astronaut.png', 'liif_edu/assets/photos/train/PROVENANCE.md',
                 'liif_edu/course/checks.py', 'liif_edu/cli.py'):
        assert need in names, need
    assert not [n for n in names if '/results/' in n or n.endswith('.ipynb')], 'notebooks and their results stay in the clone'


@pytest.fixture(scope='module')
def venv(wheel, tmp_path_factory) -> Path:
    env = tmp_path_factory.mktemp('venv')
    subprocess.run([sys.executable, '-m', 'venv', '--system-site-packages', str(env)], check=True)
    py = env / 'bin' / 'python'
    subprocess.run([py, '-m', 'pip', 'install', '--no-deps', '-q', str(wheel)], check=True, capture_output=True)
    return env


def run(venv, *args, cwd):
    env = {**os.environ, 'LIIF_EDU_SHARED': str(cwd / 'no-research-data'), 'LIIF_EDU_CACHE': str(cwd / 'cache')}
    env.pop('PYTHONPATH', None)
    return subprocess.run([str(venv / 'bin' / args[0]), *args[1:]], cwd=cwd, env=env, capture_output=True, text=True,
                          stdin=subprocess.DEVNULL)


def test_the_installed_package_is_the_wheel(venv, tmp_path):
    r = run(venv, 'python', '-c', 'import liif_edu, liif_edu.paths as p; print(liif_edu.__file__); print(p.ASSETS_DIR)', cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    package, assets = r.stdout.split()
    assert Path(package).is_relative_to(venv) and Path(assets) == Path(package).parent / 'assets', r.stdout


def test_bundled_model_and_samples_load(venv, tmp_path):
    code = ("from liif_edu.checkpoint import load_model; from liif_edu.paths import sample_path; "
            "m = load_model('bundled'); print(m.name, sample_path('astronaut').name)")
    r = run(venv, 'python', '-c', code, cwd=tmp_path)
    assert r.returncode == 0 and r.stdout.split() == ['bundled', 'astronaut.png'], r.stderr


def test_demo_runs(venv, tmp_path):
    r = run(venv, 'liif-edu', 'demo', '--model', 'bundled', '--scales', '2,3.5', '-o', 'demo.png', cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    assert (tmp_path / 'demo.png').stat().st_size > 10_000 and 'mean' in r.stdout


def test_learner_preset_trains(venv, tmp_path):
    r = run(venv, 'liif-edu', 'train', '--preset', 'learner', '--epochs', '1', '--out', 'run', '-q', cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    assert {p.name for p in (tmp_path / 'run').iterdir()} >= {'last.safetensors', 'log.csv', 'config.json'}
