"""The rendered walk-through: every notebook becomes an executed HTML page with its figures, linked in order."""
import json
import runpy
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope='module')
def site(tmp_path_factory):
    render = runpy.run_path(str(ROOT / 'tools' / 'render_site.py'))['render']
    out = tmp_path_factory.mktemp('site')
    return render(out).parent


def saved_figures(nb_path):
    return sum('image/png' in o.get('data', {}) for c in json.loads(nb_path.read_text())['cells'] for o in c.get('outputs', []))


def test_pages_exist_in_order_with_their_figures(site):
    notebooks = sorted((ROOT / 'nbs').glob('*.ipynb'), key=lambda p: (p.stem != 'index', p.stem))  # the home page first
    index = (site / 'index.html').read_text()
    pages = ['welcome' if p.stem == 'index' else p.stem for p in notebooks]
    positions = [index.index(f'href="{page}.html"') for page in pages]
    assert positions == sorted(positions), 'the index must list the notebooks in teaching order'
    for nb, page in zip(notebooks, pages):
        text = (site / f'{page}.html').read_text()
        figures = text.count('src="data:image/png;base64,')
        assert figures >= saved_figures(nb), f'{page}.html shows {figures} figures, the notebook {saved_figures(nb)}'
        assert 'Traceback (most recent call last)' not in text


def test_pages_show_their_figures_in_chromium(site):
    from test_browser import CHROMIUM, FLAGS, _require_browser
    _require_browser()
    from playwright.sync_api import sync_playwright
    shots = ROOT / 'tests' / '_screenshots'
    shots.mkdir(exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=FLAGS)
        try:
            page = browser.new_page(viewport={'width': 1200, 'height': 900})
            for html in sorted(site.glob('*.html')):
                page.goto(html.as_uri())
                broken = page.evaluate("[...document.images].filter(i => !i.complete || i.naturalWidth === 0).length")
                shown = page.evaluate("[...document.images].filter(i => i.naturalWidth > 0 && i.getBoundingClientRect().width > 0).length")
                assert broken == 0, f'{html.name}: {broken} figures failed to load'
                assert shown == page.evaluate('document.images.length'), f'{html.name}: some figures are hidden'
                if html.stem in ('index', '02_local_ensemble'):
                    page.screenshot(path=str(shots / f'site_{html.stem}.png'), full_page=html.stem == 'index')
        finally:
            browser.close()
