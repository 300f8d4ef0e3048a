"""Present the method notebooks as slides at 1024 x 768 in headless Chromium, and report every slide that overflows.

    python tools/notebooks/check_slides.py                          # every method notebook, 00 to 11
    python tools/notebooks/check_slides.py nbs/01_latent_grid.ipynb  # some
    python tools/notebooks/check_slides.py --fix                    # measure, re-mark with slides.py, check again

The slides are jupyterlab-slideshow's deck mode: it presents a notebook inside JupyterLab itself, so its widgets stay
live, from the cells' `metadata.slideshow.slide_type` (marked by tools/notebooks/slides.py). This script starts
JupyterLab on 127.0.0.1 over a temporary copy of nbs/ (offline, as tests/test_browser.py does), runs each notebook as
Run All runs it, starts the deck at 1024 x 768 and steps through it as Space does. A slide overflows when its cells
are taller than the screen (the deck's scroller has more to scroll) or when something in it is wider than the screen
or scrolls sideways (a long code line, a wide figure). Each overflow is reported with its cells and heights.

It also measures every cell's own height in the deck, and writes them to --heights
(tools/notebooks/slide_heights.json by default). slides.py packs cells into slides by those heights where a cell is
unchanged since it was measured, and by an estimate where it is new. --fix does the whole loop: measure, re-mark the
notebooks in nbs/ with slides.py, and check the new marks in the same session (the kernel's state is kept, so the
notebooks run once). Exit status: 0 when no slide overflows, 1 otherwise.

Needs Debian's Chromium (/usr/bin/chromium), playwright and jupyterlab-slideshow (`pip install -e ".[dev]"`).
"""
import argparse
import contextlib
import json
import os
import runpy
import secrets
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = '/usr/bin/chromium'
SIZE = dict(width=1024, height=768)
FLAGS = ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking',
         '--disable-component-update', '--disable-sync']
OFFLINE = {'http_proxy': 'http://127.0.0.1:9', 'https_proxy': 'http://127.0.0.1:9', 'HTTP_PROXY': 'http://127.0.0.1:9',
           'HTTPS_PROXY': 'http://127.0.0.1:9', 'no_proxy': '127.0.0.1,localhost', 'NO_PROXY': '127.0.0.1,localhost'}
SLIDES = runpy.run_path(str(Path(__file__).with_name('slides.py')))   # the marking rules, and which notebooks


def missing() -> str:
    "What presenting the slides in a browser lacks here, or ''."
    import importlib.util
    lack = [] if Path(CHROMIUM).exists() else ['Chromium (apt-get update && apt-get install -y chromium)']
    for module, package in (('playwright', 'playwright'), ('jupyterlab_slideshow', 'jupyterlab-slideshow')):
        if importlib.util.find_spec(module) is None: lack.append(f'{package} (pip install -e ".[dev]")')
    return ' and '.join(lack)


@contextlib.contextmanager
def jupyterlab(work: Path, names):
    "JupyterLab on a free port of 127.0.0.1, with a random token, over a copy of the notebooks `names` of nbs/."
    root, settings = work / 'nbs', work / 'settings'
    root.mkdir(parents=True)
    for name in names: shutil.copy(ROOT / 'nbs' / name, root / name)
    if (ROOT / 'nbs' / 'images').is_dir(): shutil.copytree(ROOT / 'nbs' / 'images', root / 'images')
    for plugin, values in (('apputils-extension/notification', {'fetchNews': 'false', 'checkForUpdates': False}),
                           ('notebook-extension/tracker', {'windowingMode': 'none'})):   # every cell in the page
        path = settings / '@jupyterlab' / f'{plugin}.jupyterlab-settings'
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(values))
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0))
        port = s.getsockname()[1]
    token = secrets.token_hex(16)
    env = {**os.environ, **OFFLINE, 'JUPYTERLAB_SETTINGS_DIR': str(settings),
           'JUPYTERLAB_WORKSPACES_DIR': str(work / 'ws'), 'JUPYTER_RUNTIME_DIR': str(work / 'runtime')}
    cmd = [sys.executable, '-m', 'jupyterlab', '--no-browser', '--ServerApp.ip=127.0.0.1', f'--ServerApp.port={port}',
           '--ServerApp.port_retries=0', f'--IdentityProvider.token={token}', f'--ServerApp.root_dir={root}',
           '--LabApp.expose_app_in_browser=True'] + (['--allow-root'] if os.geteuid() == 0 else [])
    with open(work / 'lab.log', 'w') as log:
        proc = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, env=env)
        try:
            deadline = time.time() + 90
            while True:
                if proc.poll() is not None:
                    raise RuntimeError(f'JupyterLab exited: {(work / "lab.log").read_text()[-2000:]}')
                try:
                    socket.create_connection(('127.0.0.1', port), timeout=1).close()
                    break
                except OSError:
                    if time.time() > deadline: raise RuntimeError('JupyterLab did not start within 90 s')
                    time.sleep(0.5)
            yield dict(url=f'http://127.0.0.1:{port}', token=token, root=root)
        finally:
            proc.terminate()   # by its PID
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                proc.kill(); proc.wait()


APP = 'window.jupyterapp'
PANEL = f'{APP}.shell.currentWidget'
IDLE = f"""() => {PANEL}?.sessionContext?.session?.kernel?.status === 'idle'
    && ![...document.querySelectorAll('.jp-InputPrompt')].some(e => e.textContent.includes('*'))"""
STARTED = f"""() => {PANEL}.content.widgets.some(c => c.model.type === 'code'
    && (c.model.executionCount !== null || c.node.querySelector('.jp-InputPrompt')?.textContent.includes('*')))"""

# Every cell's height in the deck (all cells put on screen at once), with its input's and output's, and what in it
# is wider than the screen. A cell's share of a slide is its height plus the gap to the next cell.
CELLS = """() => {
    const panel = %s, cells = panel.content.widgets, saved = cells.map(c => c.node.className);
    cells.forEach(c => c.node.classList.add('jp-deck-mod-onscreen', 'jp-deck-mod-visible'));
    const out = cells.map((c, i) => {
        const r = c.node.getBoundingClientRect(), s = getComputedStyle(c.node);
        const part = q => {
            const e = c.node.querySelector(q);
            return e ? Math.round(e.getBoundingClientRect().height) : 0; };
        return {index: i, id: c.model.id,
                height: Math.round(r.height + parseFloat(s.marginTop) + parseFloat(s.marginBottom)),
                input: part('.jp-Cell-inputWrapper'), output: part('.jp-Cell-outputWrapper'), wide: wide(c.node),
                result: !!c.node.querySelector('.jp-OutputArea-output :is(img, .widget-vbox, table)')};
    });
    cells.forEach((c, i) => { c.node.className = saved[i]; });
    return out;
}""" % PANEL

WIDE = """function wide(node) {   // what in `node` scrolls sideways, or reaches past the screen's edges
    const found = [], clips = [];
    for (const e of node.querySelectorAll('*')) {
        const r = e.getBoundingClientRect(), tag = e.tagName.toLowerCase();
        if (!r.width || clips.some(c => c.contains(e))) continue;
        if (tag.startsWith('mjx-') && tag !== 'mjx-container') continue;   // MathJax's own clipped parts
        const scrolls = getComputedStyle(e).overflowX !== 'visible' && e.scrollWidth > e.clientWidth + 1;
        if (scrolls) clips.push(e);
        if (scrolls || r.right > window.innerWidth + 0.5 || r.left < -0.5)
            found.push(`${e.className.split(' ')[0] || tag} ${Math.round(Math.max(e.scrollWidth, r.width))} px wide`);
    }
    return found;
}"""

# The slide on screen: its cells, how much its scroller would have to scroll, and what is too wide.
ON_SCREEN = """() => {
    const panel = %s, nb = panel.content;
    const on = nb.widgets.map((c, i) => [c, i]).filter(([c]) => c.node.classList.contains('jp-deck-mod-onscreen'));
    const scrollers = [nb.node, ...panel.node.querySelectorAll('.jp-WindowedPanel-outer')];
    const over = Math.max(0, ...scrollers.map(e => e.scrollHeight - e.clientHeight));
    const bottom = Math.max(0, ...on.map(([c]) => c.node.getBoundingClientRect().bottom));
    return {active: nb.activeCellIndex, cells: on.map(([c, i]) => i),
            room: Math.min(...scrollers.map(e => e.clientHeight)),
            height: Math.max(...scrollers.map(e => e.scrollHeight)),
            over: Math.max(over, Math.round(bottom - window.innerHeight)),
            wide: on.map(([c, i]) => [i, wide(c.node)]).filter(([i, w]) => w.length),
            sliders: on.map(([c]) => c.node.querySelectorAll('.widget-slider').length).reduce((a, b) => a + b, 0)};
}""" % PANEL


def _js(body):
    "A page function with `wide` defined in it."
    return f'() => {{ {WIDE}\n return ({body})(); }}'


def widget_count(path: Path) -> int:
    "How many widget views the saved notebook displays."
    cells = json.loads(path.read_text())['cells']
    return sum('application/vnd.jupyter.widget-view+json' in o.get('data', {})
               for c in cells for o in c.get('outputs', []))


def run_all(page, lab, name, timeout=240_000):
    "Open `name` in JupyterLab and run it as Run All does; wait for the kernel and for its widgets to render."
    page.goto(f'{lab["url"]}/lab/tree/{name}?reset&token={lab["token"]}')
    page.wait_for_function(f"{PANEL}?.sessionContext?.session?.kernel?.status === 'idle'", timeout=120_000)
    page.evaluate(f"{APP}.commands.execute('notebook:run-all-cells')")
    page.wait_for_function(STARTED, timeout=60_000)   # the run has begun: a cell is queued, running or done
    page.wait_for_function(IDLE, timeout=timeout)
    expected = widget_count(lab['root'] / name)
    try:
        page.wait_for_function(f"document.querySelectorAll('img.widget-image').length >= {expected}", timeout=30_000)
    except Exception:
        pass   # a widget that never renders is the browser test's to report; here it only changes heights
    page.wait_for_timeout(500)


def set_marks(page, marks, wrap=True):
    """Give the open notebook's cells these marks, (slide type or None, code hidden on slides), and the notebook its
    code wrapping on slides if `wrap`: in the page's model only, as slides.py writes them into a notebook."""
    page.evaluate("""([marks, wrap, FONTS, WRAP, HIDE]) => {
        const panel = %s;
        if (wrap) panel.model.setMetadata(FONTS, WRAP); else panel.model.deleteMetadata(FONTS);
        panel.content.widgets.forEach((c, i) => {
            const [kind, hide] = marks[i];
            if (kind) c.model.setMetadata('slideshow', {slide_type: kind}); else c.model.deleteMetadata('slideshow');
            if (hide) c.model.setMetadata(FONTS, HIDE); else c.model.deleteMetadata(FONTS);
        }); }""" % PANEL, [marks, wrap, SLIDES['FONTS'], SLIDES['WRAP_CODE'], SLIDES['HIDE_CODE']])


def start_deck(page):
    page.evaluate(f"async () => {{ await {APP}.commands.execute('deck:stop'); {PANEL}.content.activeCellIndex = 0; }}")
    page.evaluate(f"async () => {{ await {APP}.commands.execute('deck:start'); {PANEL}.content.activeCellIndex = 0; }}")
    page.wait_for_function("document.body.dataset.jpDeckMode === 'presenting'", timeout=30_000)
    page.wait_for_timeout(600)


SPACE = "{direction: 'down', alternate: 'forward'}"   # what Space does in the deck: down a section, else on


def step_through(page, shots=None, max_steps=400):
    """Every slide of the deck, in order, as Space steps through them (a fragment is a step, not a new slide):
    one dict per slide with its cells, its height and room in px, how far it overflows and what is too wide.
    `shots`: a path prefix for a screenshot of every slide."""
    slides, seen = [], set()
    for _ in range(max_steps):
        page.wait_for_timeout(250)   # the deck's 0.1 s fade, and the layout after it
        now = page.evaluate(_js(ON_SCREEN))
        key = tuple(now['cells'])
        if key not in seen:
            seen.add(key)
            slides.append(now)
            if shots: page.screenshot(path=f'{shots}-{len(slides):02d}-cell{now["cells"][0]}.png')
        before = now['active']
        page.evaluate(f"async () => {{ await {APP}.commands.execute('deck:go', {SPACE}); }}")
        page.wait_for_timeout(50)
        if page.evaluate(f'{PANEL}.content.activeCellIndex') == before: break
    return slides


def overflows(slides):
    "The slides that do not fit: taller than the screen, or with something wider than it."
    return [s for s in slides if s['over'] > 1 or s['wide']]


def describe(name, slide, heights=None):
    "One line for an overflowing slide."
    what = []
    if slide['over'] > 1: what.append(f"{slide['height']} px tall for {slide['room']} px")
    what += [f"cell {i}: {', '.join(w)}" for i, w in slide['wide']]
    cells = slide['cells']
    tall = ' (' + ', '.join(f"cell {i}: {heights[i]['height']} px" for i in cells) + ')' if heights else ''
    return f"{name}: the slide of cells {cells[0]}-{cells[-1]}{tall}: {'; '.join(what)}"


def present(context, lab, name, shots=None):
    """Run `name` in JupyterLab at 1024 x 768, measure every cell's height on a slide (code wrapped, none hidden), then
    present it as slides with its own marks and step through them all (`shots`: a path prefix for screenshots).
    Returns (slides, heights, page): every slide, every cell's height, and the page, still presenting."""
    nb = json.loads((lab['root'] / name).read_text())
    page = context.new_page()
    try:
        page.set_viewport_size(SIZE)
        run_all(page, lab, name)
        set_marks(page, [(None, False)] * len(nb['cells']))
        start_deck(page)
        heights = page.evaluate(_js(CELLS))
        page.evaluate(f"async () => {{ await {APP}.commands.execute('deck:stop'); }}")
        set_marks(page, SLIDES['marks_of'](nb), wrap=nb['metadata'].get(SLIDES['FONTS']) == SLIDES['WRAP_CODE'])
        start_deck(page)
        return step_through(page, shots), heights, page
    except Exception:
        page.close()
        raise


def measured(heights, nb):
    "The heights file's entries for a notebook: per cell id, its heights in px and the digest of what it shows."
    return {c['id']: dict(height=h['height'], input=h['input'], output=h['output'], result=h['result'],
                          digest=SLIDES['digest'](c), **({'wide': h['wide']} if h['wide'] else {}))
            for c, h in zip(nb['cells'], heights)}


def dump(known) -> str:
    "The heights file's text: one line per cell, notebooks and cells in order of name."
    notebooks = [f'{json.dumps(name)}: {{\n' + ',\n'.join(f'  {json.dumps(i)}: {json.dumps(cell, sort_keys=True)}'
                                                         for i, cell in sorted(cells.items())) + '\n }'
                 for name, cells in sorted(known.items())]
    return '{\n ' + ',\n '.join(notebooks) + '\n}\n'


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument('notebooks', nargs='*', type=Path, help='default: the method notebooks, 00 to 11')
    p.add_argument('--fix', action='store_true', help='re-mark the notebooks from the measured heights; check again')
    p.add_argument('--heights', type=Path, default=SLIDES['HEIGHTS'], help='where to write the measured heights')
    p.add_argument('--shots', type=Path, help='a folder for a screenshot of every slide (as checked last)')
    p.add_argument('--report', type=Path, help='a JSON file with every slide of every notebook')
    args = p.parse_args()
    if (lack := missing()): sys.exit(f'check_slides needs {lack}')
    from playwright.sync_api import sync_playwright
    names = [n.name for n in args.notebooks] or [p.name for p in SLIDES['method_notebooks']()]
    known = json.loads(args.heights.read_text()) if args.heights.exists() else {}
    report, bad = {}, 0
    if args.shots: args.shots.mkdir(parents=True, exist_ok=True)
    with (tempfile.TemporaryDirectory(prefix='slides-') as tmp, jupyterlab(Path(tmp), names) as lab,
          sync_playwright() as pw):
        browser = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=FLAGS)
        context = browser.new_context(viewport=SIZE)
        for name in names:
            t0 = time.time()
            nb = json.loads((ROOT / 'nbs' / name).read_text())
            shots = args.shots / name[:-6] if args.shots else None
            slides, heights, page = present(context, lab, name, shots=None if args.fix else shots)
            known[name] = measured(heights, nb)
            rounds = [slides]
            if args.fix:   # the rules again, with what was measured: the kernel keeps its state, so no second run
                marks = SLIDES['mark'](nb, known[name])
                SLIDES['write_marks'](ROOT / 'nbs' / name, marks)
                page.evaluate(f"async () => {{ await {APP}.commands.execute('deck:stop'); }}")
                set_marks(page, marks)
                start_deck(page)
                rounds.append(step_through(page, shots))
            for found in overflows(rounds[-1]): print(describe(name, found, heights))
            page.evaluate(f"async () => {{ await {APP}.commands.execute('deck:stop'); }}")   # JupyterLab remembers it
            page.evaluate(f'{PANEL}.sessionContext.shutdown()')
            page.close()
            report[name] = dict(slides=[len(r) for r in rounds], overflowing=[len(overflows(r)) for r in rounds],
                                last=rounds[-1])
            bad += len(overflows(rounds[-1]))
            print(f"{name}: {len(rounds[-1])} slides, {len(overflows(rounds[0]))} overflowing"
                  + (f" before, {len(overflows(rounds[-1]))} after re-marking" if len(rounds) > 1 else '')
                  + f" ({time.time() - t0:.0f} s)", flush=True)
        browser.close()
    args.heights.write_text(dump(known))
    if args.report: args.report.write_text(json.dumps(report, indent=1) + '\n')
    sys.exit(1 if bad else 0)


if __name__ == '__main__':
    main()
