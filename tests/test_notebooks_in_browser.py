"""Every notebook, run in a real JupyterLab in a real (headless) Chromium, with every widget control operated.

What passes in Python can still fail in a browser: a missing frontend extension, a widget that
never renders, a picture that never updates. This test starts JupyterLab on 127.0.0.1 (free port,
random token) over a temporary copy of nbs/, runs each notebook top to bottom, and then moves every
slider to both ends (by keyboard), ticks every checkbox on and off, and picks two other options of every
dropdown and then its own again, checking that the picture each control drives changes and that nothing raises. The method notebooks run whole, as JupyterLab's Run All runs
them (it ignores nbdev's flags), cells flagged `#| slow` or `#| gpu` included, with every network address made
unreachable, so that a cell that would download or train for long without being asked to is caught. This is
where the method notebooks are tested: README's `nbdev_test` skips them, since a Run All here runs every cell it
would. Of the appendix notebooks, those that show a widget run here too, without their flagged cells, as
`nbdev_test` runs them; the others have nothing a browser adds to what `nbdev_test` already runs, so they are left
to it (`test_appendix_flags` checks that what it runs is all of Run All). Screenshots go to tests/_screenshots/
(git-ignored).

Needs Debian's Chromium: `apt-get install -y chromium`. Without it each notebook still runs as Run All does, in a
plain kernel, and then the test skips, saying that the widgets went unoperated; on CI it fails instead.
"""
import hashlib
import json
import os
import re
import runpy
import secrets
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SHOTS = ROOT / 'tests' / '_screenshots'
CHROMIUM = '/usr/bin/chromium'
FLAGS = ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking',
         '--disable-component-update', '--disable-sync']
SKIP_FLAGS = runpy.run_path(str(ROOT / 'tools' / 'notebooks' / 'render_site.py'))['SKIP_FLAGS']  # one list of skipped flags
NOTEBOOKS = sorted(str(p.relative_to(ROOT / 'nbs')) for p in (ROOT / 'nbs').rglob('*.ipynb') if '.ipynb_checkpoints' not in p.parts)
METHOD = [n for n in NOTEBOOKS if re.match(r'0[0-9]_', n)]   # 00_... to 09_...: run as Run All runs them (10_ on are nbdev_test's)


def _shows_widgets(name):
    nb = json.loads((ROOT / 'nbs' / name).read_text())
    return any('application/vnd.jupyter.widget-view+json' in o.get('data', {}) for c in nb['cells'] for o in c.get('outputs', []))


IN_BROWSER = [n for n in NOTEBOOKS if n in METHOD or _shows_widgets(n)]
OFFLINE = {'http_proxy': 'http://127.0.0.1:9', 'https_proxy': 'http://127.0.0.1:9', 'HTTP_PROXY': 'http://127.0.0.1:9',
           'HTTPS_PROXY': 'http://127.0.0.1:9', 'no_proxy': '127.0.0.1,localhost', 'NO_PROXY': '127.0.0.1,localhost',
           'PIP_CONFIG_FILE': os.devnull, 'PIP_INDEX_URL': 'http://127.0.0.1:9/simple', 'PIP_RETRIES': '0'}


def _require_browser():
    missing = []
    if not Path(CHROMIUM).exists():
        missing.append('Chromium (apt-get update && apt-get install -y chromium)')
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        missing.append('playwright (pip install -e ".[dev]")')
    if missing:
        msg = 'the browser test needs ' + ' and '.join(missing)
        if os.environ.get('CI'):
            pytest.fail(msg + ': CI must run it')
        pytest.skip(msg)


def _copy_notebook(src: Path, dst: Path):
    "A copy to run: a method notebook whole, as Run All runs it; an appendix without the cells nbdev_test skips."
    nb = json.loads(src.read_text())
    if src.name not in METHOD:
        nb['cells'] = [c for c in nb['cells'] if not (c['cell_type'] == 'code' and ''.join(c['source']).lstrip().startswith(SKIP_FLAGS))]
    dst.parent.mkdir(parents=True, exist_ok=True)
    dst.write_text(json.dumps(nb))


def _digest(folder: Path):
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.rglob('*.ipynb'))}


@pytest.fixture(scope='module')
def lab(tmp_path_factory):
    _require_browser()
    work = tmp_path_factory.mktemp('lab')
    root, settings = work / 'nbs', work / 'settings'
    root.mkdir()
    for name in NOTEBOOKS:
        _copy_notebook(ROOT / 'nbs' / name, root / name)
    if (ROOT / 'nbs' / 'images').is_dir():            # the pictures the notebooks' text shows
        shutil.copytree(ROOT / 'nbs' / 'images', root / 'images')
    news = settings / '@jupyterlab' / 'apputils-extension'
    news.mkdir(parents=True)
    (news / 'notification.jupyterlab-settings').write_text('{"fetchNews": "false", "checkForUpdates": false}')
    notebook = settings / '@jupyterlab' / 'notebook-extension'
    notebook.mkdir(parents=True)                      # every cell stays in the page, so every widget can be reached
    (notebook / 'tracker.jupyterlab-settings').write_text('{"windowingMode": "none"}')
    before = _digest(ROOT / 'nbs')
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0))
        port = s.getsockname()[1]
    token = secrets.token_hex(16)
    env = {**os.environ, **OFFLINE, 'JUPYTERLAB_SETTINGS_DIR': str(settings), 'JUPYTERLAB_WORKSPACES_DIR': str(work / 'workspaces'),
           'JUPYTER_RUNTIME_DIR': str(work / 'runtime')}
    cmd = [sys.executable, '-m', 'jupyterlab', '--no-browser', '--ServerApp.ip=127.0.0.1', f'--ServerApp.port={port}',
           '--ServerApp.port_retries=0', f'--IdentityProvider.token={token}', f'--ServerApp.root_dir={root}',
           '--LabApp.expose_app_in_browser=True'] + (['--allow-root'] if os.geteuid() == 0 else [])
    log = open(work / 'lab.log', 'w')
    proc = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, env=env)
    try:
        deadline = time.time() + 90
        while True:
            if proc.poll() is not None:
                pytest.fail(f'JupyterLab exited at start: {(work / "lab.log").read_text()[-2000:]}')
            try:
                socket.create_connection(('127.0.0.1', port), timeout=1).close()
                break
            except OSError:
                if time.time() > deadline: pytest.fail('JupyterLab did not start within 90 s')
                time.sleep(0.5)
        yield dict(url=f'http://127.0.0.1:{port}', token=token, root=root)
    finally:
        proc.terminate()  # by PID, even when a test failed
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill(); proc.wait()
        log.close()
    assert _digest(ROOT / 'nbs') == before, 'running the notebooks in the browser modified nbs/'


@pytest.fixture(scope='module')
def browser(lab, tmp_path_factory):
    from playwright.sync_api import sync_playwright
    with sync_playwright() as p:
        ctx = p.chromium.launch_persistent_context(str(tmp_path_factory.mktemp('chromium-profile')), executable_path=CHROMIUM,
                                                   headless=True, args=FLAGS, viewport={'width': 1400, 'height': 1000})
        try:
            yield ctx
        finally:
            ctx.close()


KERNEL = 'window.jupyterapp?.shell?.currentWidget?.sessionContext?.session?.kernel'
DONE = f"""() => {{
    const pending = [...document.querySelectorAll('.jp-InputPrompt')].some(e => e.textContent.includes('*'));
    return {KERNEL}?.status === 'idle' && !pending; }}"""


ERRORS = """() => {
    const model = window.jupyterapp.shell.currentWidget.content.model, errors = [];
    for (let i = 0; i < model.cells.length; i++) {
        const cell = model.cells.get(i);
        if (cell.type !== 'code') continue;
        for (let j = 0; j < cell.outputs.length; j++) {
            const out = cell.outputs.get(j).toJSON();
            if (out.output_type === 'error') errors.push(`${out.ename}: ${out.evalue}`);
        }
    }
    return errors; }"""


def _wait_idle(page, timeout=180_000, settle=300):
    "Wait `settle` ms for the kernel to take up what was sent, then until it is idle with no cell pending."
    page.wait_for_timeout(settle)
    page.wait_for_function(DONE, timeout=timeout)


def _problems(page):
    """Error outputs, widgets that failed to render, and pictures that failed to draw."""
    found = ['cell error: ' + e for e in page.evaluate(ERRORS)]
    for text in ('Error displaying widget', 'Loading widget', 'Failed to load model class'):
        if page.get_by_text(text).count():
            found.append(f'widget failed to render: {text!r}')
    return found + ['widget callback failed: ' + e for e in _callback_errors(page)]


def _src(img):
    return img.get_attribute('src')


def _changed(page, img, before, timeout=20_000):
    "Whether the picture changes from `before` = (src, shown errors) within `timeout` ms; a new callback error ends the wait."
    deadline, (src, failed) = time.time() + timeout / 1000, before
    while time.time() < deadline:
        if _src(img) != src: return True
        if (errors := _callback_errors(page)) and errors != failed: return False
        page.wait_for_timeout(100)
    return False


def _callback_errors(page):
    return [e.inner_text()[:300] for e in page.locator('.liif-edu-error').all()]


def _operate(page, control):
    """Act on one control; return (action, did-the-picture-change, callback errors) for each action."""
    img = control.locator('xpath=ancestor::div[contains(@class,"widget-vbox")][1]').locator('img.widget-image').first
    results = []
    cls = control.get_attribute('class') or ''
    if 'widget-slider' in cls:
        handle = control.locator('.noUi-handle').first
        readout = control.locator('.widget-readout').first
        for keys in (['End'], ['Home']):                  # both extremes: every slider's whole range, in two redraws
            before, value = (_src(img), _callback_errors(page)), readout.inner_text()
            handle.focus()
            for k in keys: page.keyboard.press(k)
            page.wait_for_timeout(100)                    # the readout follows the key in the page itself
            if readout.inner_text() == value:  # already at that end: nothing to redraw
                continue
            changed = _changed(page, img, before); _wait_idle(page, settle=100)   # the picture came: the kernel has it
            results.append((f'slider {"+".join(keys)}', changed, _callback_errors(page)))
        if not results: results.append(('slider keys', False, []))  # the slider never moved
    elif 'widget-checkbox' in cls:
        for _ in range(2):
            before = _src(img), _callback_errors(page)
            control.locator('input[type=checkbox]').click()
            changed = _changed(page, img, before); _wait_idle(page, settle=100)   # the picture came: the kernel has it
            results.append(('checkbox click', changed, _callback_errors(page)))
    elif 'widget-dropdown' in cls:
        select = control.locator('select')
        options = select.locator('option').all_inner_texts()
        current = select.evaluate('s => s.selectedIndex')
        others = [i for i in range(len(options)) if i != current]
        for i in others[:1] + others[-1:] * (len(others) > 1) + [current]:   # the first and last other option, and back; by index
            before = _src(img), _callback_errors(page)
            select.select_option(index=i)
            changed = _changed(page, img, before); _wait_idle(page, settle=100)   # the picture came: the kernel has it
            results.append((f'dropdown {options[i]}', changed, _callback_errors(page)))
    return results


def run_notebook(context, lab, name, shot=None):
    """Open `name`, run every cell, operate every control; return (problems, number of controls operated)."""
    page = context.new_page()
    try:
        page.goto(f'{lab["url"]}/lab/tree/{name}?reset&token={lab["token"]}')
        page.wait_for_function(f'{KERNEL}?.status === "idle"', timeout=120_000)
        page.evaluate("window.jupyterapp.commands.execute('notebook:run-all-cells')")
        _wait_idle(page, timeout=240_000)              # Run All of any notebook must finish within 4 minutes
        expected = sum('application/vnd.jupyter.widget-view+json' in o.get('data', {})          # widgets the saved
                       for c in json.loads((lab['root'] / name).read_text())['cells'] for o in c.get('outputs', []))  # notebook displays
        try:  # widget views render after the kernel has answered
            page.wait_for_function(f"document.querySelectorAll('img.widget-image').length >= {expected}", timeout=30_000)
        except Exception:
            pass  # reported below
        problems = _problems(page)
        controls = page.locator('.widget-vbox .widget-slider, .widget-vbox .widget-checkbox, .widget-vbox .widget-dropdown').all()
        for i, control in enumerate(controls):
            try:
                control.scroll_into_view_if_needed()
                for action, changed, errors in _operate(page, control):
                    if not changed: problems.append(f'control {i}, {action}: the picture did not change')
                    problems += [f'control {i}, {action}: widget callback failed: {e}' for e in errors]
            except Exception as e:  # a control that cannot be operated is a failure to report, not a crash
                problems.append(f'control {i} could not be operated: {str(e).splitlines()[0]}')
        problems += _problems(page)
        images = page.locator('img.widget-image').all()
        if shot is not None:
            if images: images[-1].scroll_into_view_if_needed()
            page.screenshot(path=str(shot))
        if len(images) < expected: problems.append(f'{expected} widget pictures expected, {len(images)} rendered')
        page.evaluate('window.jupyterapp.shell.currentWidget.sessionContext.shutdown()')
        return problems, len(controls)
    finally:
        page.close()


def test_every_widget_notebook_runs_in_the_browser():
    assert set(METHOD) <= set(IN_BROWSER) and 'course/widgets.ipynb' in IN_BROWSER, IN_BROWSER


@pytest.mark.parametrize('name', sorted(set(NOTEBOOKS) - set(IN_BROWSER)))
def test_appendix_flags(name):
    """A notebook left to nbdev_test has no flagged cell, so Run All in JupyterLab runs exactly what nbdev_test runs."""
    cells = json.loads((ROOT / 'nbs' / name).read_text())['cells']
    flagged = [i for i, c in enumerate(cells) if c['cell_type'] == 'code' and ''.join(c['source']).lstrip().startswith(SKIP_FLAGS)]
    assert flagged == [], f'{name}: cells {flagged} are flagged; run the notebook in the browser test, or drop the flags'


def _browser_missing() -> str:
    "What the browser test lacks here, or ''."
    missing = [] if Path(CHROMIUM).exists() else ['Chromium (apt-get update && apt-get install -y chromium)']
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        missing.append('playwright (pip install -e ".[dev]")')
    return ' and '.join(missing)


def _run_all_in_python(name, tmp_path, monkeypatch):
    """Without a browser: the notebook still runs as Run All runs it (flagged cells included for a method notebook),
    offline, in a kernel of its own; only the widgets go unoperated."""
    from nbclient import NotebookClient
    import nbformat
    for k, v in OFFLINE.items(): monkeypatch.setenv(k, v)
    _copy_notebook(ROOT / 'nbs' / name, tmp_path / name)
    nb = nbformat.read(tmp_path / name, as_version=4)
    NotebookClient(nb, timeout=240, kernel_name='python3', resources={'metadata': {'path': str(ROOT / 'nbs')}}).execute()
    errors = [o for c in nb.cells for o in c.get('outputs', []) if o.get('output_type') == 'error']
    assert errors == [], errors


@pytest.mark.parametrize('name', IN_BROWSER)
def test_notebook_in_browser(request, name, tmp_path, monkeypatch):
    """nbdev_test leaves the method notebooks to this test (README's command skips them), so it must run them everywhere:
    in JupyterLab and Chromium where they are, and otherwise (not on CI, where the browser is required) as a plain Run All."""
    missing = _browser_missing()
    if missing and not os.environ.get('CI'):
        _run_all_in_python(name, tmp_path, monkeypatch)
        pytest.skip(f'{name} ran without error, but its widgets were not operated: the browser test needs {missing}')
    lab, browser = request.getfixturevalue('lab'), request.getfixturevalue('browser')
    SHOTS.mkdir(exist_ok=True)
    problems, n_controls = run_notebook(browser, lab, name, SHOTS / name.replace('.ipynb', '.png'))
    assert problems == [], problems


def test_nbdev_test_skips_exactly_the_method_notebooks():
    """The test command's nbdev_test skips the method notebooks, which this file runs: no notebook is run twice, none missed."""
    import re
    import shlex
    commands = [line for line in (ROOT / 'README.md').read_text().splitlines() if 'nbdev_test' in line and line.startswith('pip install')]
    assert len(commands) == 1 and commands[0] in (ROOT / '.ci' / 'run').read_text(), 'README and .ci/run must run the same command'
    words = shlex.split(commands[0])
    skip = re.compile(words[words.index('--skip_file_re') + 1])
    assert [n for n in NOTEBOOKS if skip.search(n)] == METHOD
    assert skip.search('_private.ipynb') and skip.search('.hidden.ipynb')   # nbdev's own default skips, kept


BAD_CELL = ['raise ValueError("a cell that raises")']
BAD_WIDGET = ['from liif_edu.course.widgets import FigureExplorer, slider\n',
              'def draw(fig, x):\n', '    if x < 0.5: raise ValueError("a callback that raises")\n',
              '    fig.subplots().plot([0, x])\n',
              'bad = FigureExplorer(draw, dict(x=slider("x", 1, 0, 1, 0.25)), figsize=(2, 2))\n', 'bad']


def _notebook(cells):
    return json.dumps({'cells': [{'cell_type': 'code', 'metadata': {}, 'source': src, 'outputs': [], 'execution_count': None}
                                 for src in cells], 'metadata': {'kernelspec': {'name': 'python3', 'display_name': 'Python 3',
                                 'language': 'python'}}, 'nbformat': 4, 'nbformat_minor': 5})


def test_the_check_catches_failures(lab, browser):
    """The checker itself: a raising cell and a raising widget callback must both be reported."""
    (lab['root'] / 'zz_bad_cell.ipynb').write_text(_notebook([BAD_CELL]))
    (lab['root'] / 'zz_bad_widget.ipynb').write_text(_notebook([BAD_WIDGET]))
    problems, _ = run_notebook(browser, lab, 'zz_bad_cell.ipynb')
    assert any('a cell that raises' in p for p in problems), problems
    problems, n = run_notebook(browser, lab, 'zz_bad_widget.ipynb')
    assert n == 1 and any('a callback that raises' in p for p in problems), problems


CHECK = runpy.run_path(str(ROOT / 'tools' / 'notebooks' / 'check_slides.py'))   # presents a notebook as slides
MARKS = CHECK['SLIDES']                                                         # slides.py: the marks' rules
SLIDE_NOTEBOOKS = ['01_latent_grid.ipynb']   # one short notebook with a widget; check_slides.py presents them all


def test_slide_marks_survive_nbdev_clean():
    """The slide marks (and the styles that apply only while presenting) are metadata that nbdev_clean keeps."""
    from nbdev.clean import clean_nb
    from nbdev.config import get_config
    cfg = get_config()
    for path in MARKS['method_notebooks']():   # 00 to 11
        nb, name = json.loads(path.read_text()), path.name
        marks, style = MARKS['marks_of'](nb), nb['metadata'].get(MARKS['FONTS'])
        assert marks[0][0] == 'slide' and style == MARKS['WRAP_CODE'], f'{name} is not marked as slides'
        clean_nb(nb, allowed_metadata_keys=cfg.get('allowed_metadata_keys').split(),
                 allowed_cell_metadata_keys=cfg.get('allowed_cell_metadata_keys').split())
        assert MARKS['marks_of'](nb) == marks and nb['metadata'].get(MARKS['FONTS']) == style, name


def _slides_browser(request):
    "The lab and browser fixtures, where presenting slides is possible; a skip here (a failure on CI) where not."
    if (lack := CHECK['missing']()):
        if os.environ.get('CI'): pytest.fail(f'the slides test needs {lack}: CI must run it')
        pytest.skip(f'the slides test needs {lack}')
    return request.getfixturevalue('lab'), request.getfixturevalue('browser')


def _close_deck(page):
    "The deck off again (JupyterLab remembers it), the kernel shut down, the page closed."
    page.evaluate(f"async () => {{ await {CHECK['APP']}.commands.execute('deck:stop'); }}")
    page.evaluate(f"{CHECK['PANEL']}.sessionContext.shutdown()")
    page.close()


@pytest.mark.parametrize('name', SLIDE_NOTEBOOKS)
def test_slides_fit_the_screen(request, name):
    """The notebook presented as slides (jupyterlab-slideshow's deck, inside JupyterLab) on a 1024 x 768 screen after
    Run All: every slide is reached by stepping as Space does, none is taller or wider than the screen, and a widget
    on a slide is live (a key on its slider redraws its picture)."""
    lab, browser = _slides_browser(request)
    marks = MARKS['marks_of'](json.loads((lab['root'] / name).read_text()))
    slides, heights, page = CHECK['present'](browser, lab, name)
    try:
        assert len(slides) == sum(kind in ('slide', 'subslide') for kind, _ in marks), 'a slide was never reached'
        assert [CHECK['describe'](name, s, heights) for s in CHECK['overflows'](slides)] == []
        shown = [s for s in slides if s['sliders']]
        assert shown, 'no slide shows a widget'
        page.evaluate(f"{CHECK['PANEL']}.content.activeCellIndex = {shown[0]['active']}")
        page.wait_for_timeout(300)
        control = page.locator('.jp-deck-mod-onscreen .widget-vbox .widget-slider').first
        assert control.is_visible()
        results = _operate(page, control)
        assert results and all(changed and not errors for _, changed, errors in results), results
    finally:
        _close_deck(page)


TALL_AND_WIDE = ["print('\\n'.join(map(str, range(60))))",                                   # 60 lines: too tall
                 "from IPython.display import HTML\nHTML('<div style=\"width: 1500px\">too wide</div>')"]


def test_the_slide_check_catches_overflow(request):
    """The slides check itself: a slide taller than the screen and one wider than it are both reported."""
    lab, browser = _slides_browser(request)
    nb = json.loads(_notebook(TALL_AND_WIDE))
    for c in nb['cells']: c['metadata']['slideshow'] = {'slide_type': 'slide'}
    (lab['root'] / 'zz_overflow.ipynb').write_text(json.dumps(nb))
    slides, heights, page = CHECK['present'](browser, lab, 'zz_overflow.ipynb')
    try:
        tall, wide = CHECK['overflows'](slides)
        assert [tall['cells'], wide['cells']] == [[0], [1]], slides
        assert tall['over'] > 100 and not tall['wide'] and wide['wide'] and wide['over'] <= 1, slides
    finally:
        _close_deck(page)
