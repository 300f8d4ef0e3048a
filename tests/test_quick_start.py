"""The README's first command, as a learner runs it: in a new virtual environment it must give both `liif-edu` and
JupyterLab, and the next line, `jupyter lab nbs/`, must open the course's index and run its first cell.

The environment starts empty (it does not see this Python's packages). PyTorch's CPU wheel is installed first, as
`.ci/run` does, because it is cached on the CI machines; then the README's own install command runs, unchanged, in a
copy of the project. JupyterLab is started with the README's `jupyter lab nbs/` plus the flags a headless test needs,
and driven by Debian's Chromium. About two minutes, most of it pip.
"""
import os
import re
import secrets
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = '/usr/bin/chromium'
TORCH = 'torch==2.13.0'     # the version .ci/run installs, cached on the CI machines


def readme_commands():
    "The README's first shell block (the learner's quick start) and the line that opens the notebooks."
    text = (ROOT / 'README.md').read_text()
    blocks = re.findall(r'```bash\n(.*?)```', text, re.S)
    return blocks[0].strip(), next(b.strip() for b in blocks if b.strip().startswith('jupyter lab'))


def test_the_quick_start_names_the_course_extra():
    first, lab = readme_commands()
    install, run = (part.strip() for part in first.split('&&'))
    assert re.fullmatch(r'pip install -e "\.\[course(,[a-z]+)*\]"', install), install
    assert run == 'liif-edu demo' and lab == 'jupyter lab nbs/', (first, lab)


@pytest.fixture(scope='module')
def venv(tmp_path_factory):
    if shutil.which('pip') is None: pytest.skip('no pip on PATH')
    work = tmp_path_factory.mktemp('quick-start')
    clone = work / 'liif_edu'
    shutil.copytree(ROOT, clone, ignore=shutil.ignore_patterns('.git', 'runs', 'build', 'dist', '*.egg-info', '__pycache__',
                                                               '_docs', '_proc', '_site', '.pytest_cache', '_screenshots'))
    env_dir = work / 'env'
    subprocess.run([sys.executable, '-m', 'venv', str(env_dir)], check=True)
    env = {k: v for k, v in os.environ.items() if k not in ('PYTHONPATH', 'VIRTUAL_ENV')}
    env.update(PATH=f'{env_dir / "bin"}{os.pathsep}{env["PATH"]}', VIRTUAL_ENV=str(env_dir), PIP_DISABLE_PIP_VERSION_CHECK='1')
    install = readme_commands()[0].split('&&')[0].strip()
    for cmd in (f'pip install -q {TORCH}', install):
        r = subprocess.run(cmd, shell=True, cwd=clone, env=env, capture_output=True, text=True, stdin=subprocess.DEVNULL)
        assert r.returncode == 0, f'{cmd}: {r.stderr[-3000:]}'
    return dict(clone=clone, env=env, bin=env_dir / 'bin', work=work)


def test_both_commands_are_installed(venv):
    for cmd in ('liif-edu --version', 'jupyter lab --version'):
        r = subprocess.run(cmd.split(), env=venv['env'], capture_output=True, text=True, stdin=subprocess.DEVNULL)
        assert r.returncode == 0, (cmd, r.stderr)
    assert shutil.which('jupyter', path=venv['env']['PATH']) == str(venv['bin'] / 'jupyter')   # the new environment's own


def test_jupyter_lab_opens_the_index_and_runs_it(venv):
    if not Path(CHROMIUM).exists():
        msg = 'opening JupyterLab needs Chromium (apt-get install -y chromium)'
        pytest.fail(msg) if os.environ.get('CI') else pytest.skip(msg)
    from playwright.sync_api import sync_playwright
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0)); port = s.getsockname()[1]
    token, work = secrets.token_hex(16), venv['work']
    env = {**venv['env'], 'JUPYTERLAB_SETTINGS_DIR': str(work / 'settings'), 'JUPYTERLAB_WORKSPACES_DIR': str(work / 'ws'),
           'JUPYTER_RUNTIME_DIR': str(work / 'runtime')}
    cmd = readme_commands()[1].split() + ['--no-browser', '--ServerApp.ip=127.0.0.1', f'--ServerApp.port={port}',
                                         '--ServerApp.port_retries=0', f'--IdentityProvider.token={token}'] + \
          (['--allow-root'] if os.geteuid() == 0 else [])
    log = open(work / 'lab.log', 'w')
    lab = subprocess.Popen(cmd, cwd=venv['clone'], env=env, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
    try:
        deadline = time.time() + 90
        while True:
            assert lab.poll() is None, (work / 'lab.log').read_text()[-2000:]
            try:
                socket.create_connection(('127.0.0.1', port), timeout=1).close(); break
            except OSError:
                assert time.time() < deadline, 'JupyterLab did not start within 90 s'
                time.sleep(0.5)
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=['--no-sandbox', '--disable-gpu'])
            page = browser.new_page(viewport={'width': 1400, 'height': 1000})
            page.goto(f'http://127.0.0.1:{port}/lab/tree/index.ipynb?token={token}')
            page.wait_for_selector('.jp-RenderedMarkdown h1:has-text("liif_edu")', timeout=60_000)
            page.wait_for_selector('.jp-Notebook-ExecutionIndicator[data-status="idle"]', timeout=60_000)   # the kernel is up
            code = page.locator('.jp-CodeCell').first
            code.click(); page.keyboard.press('Shift+Enter')                 # the index's first cell draws the pipeline
            code.locator('.jp-OutputArea-output img').wait_for(timeout=60_000)
            assert not code.locator('.jp-OutputArea-output[data-mime-type="application/vnd.jupyter.stderr"]').count()
            browser.close()
    finally:
        lab.terminate()
        try: lab.wait(timeout=15)
        except subprocess.TimeoutExpired: lab.kill(); lab.wait()
        log.close()
