"""The rendered walk-through: every notebook becomes an HTML page with its figures and typeset formulas, linked in order.

The pages are rendered from the outputs saved in the notebooks (nbdev_test and the browser test already execute
every notebook; a third execution here would only cost minutes). One notebook is executed afresh, with
MPLBACKEND=Agg set as on many headless machines, to check that execution still produces inline figures.
"""
import json
import re
import runpy
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
RENDER = runpy.run_path(str(ROOT / 'tools' / 'notebooks' / 'render_site.py'))
TEX = r"/\\(frac|text|odot|sum|lfloor|rfloor|cdot|dots|log|sin|mid|in)\b|\$\$/"


@pytest.fixture(scope='module')
def site(tmp_path_factory):
    out = tmp_path_factory.mktemp('site')
    return RENDER['render'](out, saved=True).parent


def saved_figures(nb_path):
    return sum('image/png' in o.get('data', {}) for c in json.loads(nb_path.read_text())['cells'] for o in c.get('outputs', []))


def test_pages_exist_in_order_with_their_figures(site):
    notebooks = sorted((ROOT / 'nbs').glob('*.ipynb'), key=lambda p: (p.stem != 'index', p.stem))  # the home page first
    index = (site / 'index.html').read_text()
    pages = ['welcome' if p.stem == 'index' else p.stem for p in notebooks]
    positions = [index.index(f'href="{page}.html"') for page in pages]
    assert positions == sorted(positions), 'the index must list the notebooks in teaching order'
    assert index.index(RENDER['METHOD']) < index.index('href="00_image_as_function.html"') < index.index(RENDER['APPENDIX']) \
        < index.index('href="a1_photos.html"'), 'the index must present the method track, then the appendix track'
    for nb, page in zip(notebooks, pages):
        text = (site / f'{page}.html').read_text()
        figures = text.count('src="data:image/png;base64,')
        assert figures >= saved_figures(nb), f'{page}.html shows {figures} figures, the notebook {saved_figures(nb)}'
        assert 'Traceback (most recent call last)' not in text
        assert not re.search(r'<(script|link)[^>]*(src|href)="https?://', text), f'{page}.html loads a script or style from a network'
        if '$' in ''.join(''.join(c['source']) for c in json.loads(nb.read_text())['cells'] if c['cell_type'] == 'markdown'):
            assert 'mathjax/MathJax.js' in text, f'{page}.html has formulas but does not load the local MathJax'


def test_execution_makes_inline_figures_whatever_the_backend(monkeypatch):
    """With MPLBACKEND=Agg in the environment, executing a notebook still gives it its figures."""
    monkeypatch.setenv('MPLBACKEND', 'Agg')
    nb = ROOT / 'nbs' / '01_latent_grid.ipynb'
    executed = RENDER['execute'](nb)
    figures = sum('image/png' in o.get('data', {}) for c in executed.cells for o in c.get('outputs', []))
    assert figures == saved_figures(nb) > 0


def test_pages_show_figures_and_formulas_offline_in_chromium(site):
    from test_notebooks_in_browser import CHROMIUM, FLAGS, _require_browser
    _require_browser()
    from playwright.sync_api import sync_playwright
    shots = ROOT / 'tests' / '_screenshots'
    shots.mkdir(exist_ok=True)
    remote = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=FLAGS)
        try:
            page = browser.new_page(viewport={'width': 1200, 'height': 900})
            def block(route):                                   # the pages must need nothing from the network
                if route.request.url.startswith(('http://', 'https://')): remote.append(route.request.url); route.abort()
                else: route.continue_()
            page.route('**/*', block)
            for html in sorted(site.glob('*.html')):
                page.goto(html.as_uri())
                broken = page.evaluate("[...document.images].filter(i => !i.complete || i.naturalWidth === 0).length")
                shown = page.evaluate("[...document.images].filter(i => i.naturalWidth > 0 && i.getBoundingClientRect().width > 0).length")
                assert broken == 0, f'{html.name}: {broken} figures failed to load'
                assert shown == page.evaluate('document.images.length'), f'{html.name}: some figures are hidden'
                if 'MathJax.js' in html.read_text():
                    page.wait_for_function("window.MathJax && MathJax.Hub && MathJax.Hub.queue.pending === 0 && MathJax.Hub.queue.running === 0",
                                           timeout=60_000)
                    raw = page.evaluate(f"document.body.innerText.split('\\n').filter(l => {TEX}.test(l)).slice(0, 3)")
                    assert raw == [], f'{html.name}: formulas left as raw TeX: {raw}'
                if html.stem in ('index', '02_local_ensemble', 'welcome'):
                    page.screenshot(path=str(shots / f'site_{html.stem}.png'), full_page=html.stem == 'index')
            page.goto((site / '02_local_ensemble.html').as_uri())
            page.wait_for_function("window.MathJax && MathJax.Hub && MathJax.Hub.queue.pending === 0 && MathJax.Hub.queue.running === 0", timeout=60_000)
            typeset = page.evaluate("document.querySelectorAll('.MathJax, .MathJax_Display, .MathJax_CHTML').length")
            assert typeset > 10, f'02_local_ensemble.html: only {typeset} typeset formulas'
        finally:
            browser.close()
    assert remote == [], f'the pages asked the network for {remote[:3]}'
