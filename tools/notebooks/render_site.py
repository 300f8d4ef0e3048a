"""Render every notebook to static HTML in _site/, with an index page in teaching order and offline mathematics.

    python tools/notebooks/render_site.py            # execute every notebook afresh, then open _site/index.html
    python tools/notebooks/render_site.py --saved    # use the outputs saved in the notebooks (seconds instead of minutes)

Uses nbconvert (Quarto, which nbdev's own docs need, cannot be installed everywhere). Cells flagged `#| slow` or
`#| gpu` are not executed, as `nbdev_test` skips them; their pages show the outputs saved in the notebook instead
(e.g. the 10-minute `cpu-small` training of 06), or none. Formulas are typeset by the MathJax that the package
jupyter-server-mathjax ships, copied into _site/mathjax/, so the pages need no network.
"""
import argparse
import html
import re
import shutil
import sys
from pathlib import Path

import nbformat
from nbconvert import HTMLExporter
from traitlets.config import Config

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / 'tools' / 'notebooks'))
from run_notebooks import SKIP_FLAGS, execute  # noqa: E402  (one way to execute notebooks, shared)

HIDDEN = ('#| hide', '#| default_exp', '#|hide', '#|default_exp')  # run, but not shown: as in nbdev's own docs
MATHJAX = 'mathjax/MathJax.js?config=TeX-AMS-MML_HTMLorMML-full,Safe'
METHOD, APPENDIX = 'The method track', 'The appendix track'
REMOTE_SCRIPT = re.compile(r'<script[^>]*\ssrc="https?://[^"]*"[^>]*>\s*</script>')


def title(nb, fallback: str) -> str:
    for cell in nb.cells:
        if cell.cell_type == 'markdown':
            for line in cell.source.splitlines():
                if line.startswith('# '): return line[2:].strip()
    return fallback


def summary(nb) -> str:
    for cell in nb.cells:
        if cell.cell_type == 'markdown':
            for line in cell.source.splitlines():
                if line.startswith('> '): return line[2:].strip()
    return ''


def mathjax_files() -> Path:
    "The MathJax 2 tree that jupyter-server-mathjax ships."
    try: import jupyter_server_mathjax
    except ImportError: sys.exit('the static pages need jupyter-server-mathjax for offline formulas: pip install -e ".[dev]"')
    return Path(jupyter_server_mathjax.__file__).parent / 'static'


# A static page has no live kernel: show each widget's saved picture, not an empty widget placeholder.
PRIORITY = ['text/html', 'text/markdown', 'image/svg+xml', 'text/latex', 'image/png', 'image/jpeg', 'text/plain']


def render(out: Path = ROOT / '_site', saved=False, notebooks=None) -> Path:
    "Convert every notebook (executed afresh unless `saved`) into `out`; returns the index page."
    out.mkdir(exist_ok=True)
    shutil.copytree(mathjax_files(), out / 'mathjax', dirs_exist_ok=True)
    if (ROOT / 'nbs' / 'images').is_dir():                          # pictures the notebooks' text shows (images/...)
        shutil.copytree(ROOT / 'nbs' / 'images', out / 'images', dirs_exist_ok=True)
    config = Config()
    config.NbConvertBase.display_data_priority = PRIORITY
    config.HTMLExporter.mathjax_url = MATHJAX
    exporter = HTMLExporter(config=config)
    entries = []
    for src in notebooks or sorted((ROOT / 'nbs').glob('*.ipynb')):
        nb = nbformat.read(src, as_version=4) if saved else execute(src)
        nb.cells = [c for c in nb.cells if not (c.cell_type == 'code' and c.source.lstrip().startswith(HIDDEN))]
        page = 'welcome' if src.stem == 'index' else src.stem   # index.html is the site's own index
        body = REMOTE_SCRIPT.sub('', exporter.from_notebook_node(nb)[0])      # require.js is for live widgets only
        (out / f'{page}.html').write_text(body, encoding='utf-8')
        entries.append((page, title(nb, src.stem), summary(nb)))
        print(f'{page}.html', flush=True)
    entries.sort(key=lambda e: (e[0] != 'welcome', e[0]))
    item = lambda p, t, s: f'<li><a href="{p}.html">{html.escape(t)}</a><br><small>{html.escape(s)}</small></li>'
    groups = [('', [e for e in entries if e[0] == 'welcome']), (METHOD, [e for e in entries if e[0][0].isdigit()]),
              (APPENDIX, [e for e in entries if e[0][0] == 'a'])]
    body = '\n'.join((f'<h2>{name}</h2>' if name else '') + '<ol>' + '\n'.join(item(*e) for e in group) + '</ol>'
                     for name, group in groups if group)
    index = out / 'index.html'
    index.write_text(f'''<!doctype html><html><head><meta charset="utf-8"><title>liif_edu: the notebooks</title>
<style>body{{font-family:system-ui,sans-serif;max-width:46em;margin:3em auto;line-height:1.5}}li{{margin:.6em 0}}</style></head>
<body><h1>liif_edu</h1><p>The LIIF course. The method track teaches LIIF end to end, in order; the appendix track holds the
engineering. Each page is a notebook with its figures.</p>
{body}</body></html>
''', encoding='utf-8')
    return index


if __name__ == '__main__':
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument('--saved', action='store_true', help='use the outputs saved in the notebooks instead of executing them')
    print(render(saved=p.parse_args().saved))
