"""Render every notebook, executed, to static HTML in _site/, with an index page in teaching order.

    python tools/render_site.py            # then open _site/index.html

Uses nbconvert (Quarto, which nbdev's own docs need, cannot be installed everywhere). Cells flagged
`#| slow` or `#| gpu` are not executed, as `nbdev_test` skips them; their pages show the outputs saved in the
notebook instead (e.g. the 10-minute `cpu-small` training of 05), or none.
"""
import copy
import html
from pathlib import Path

import nbformat
from nbconvert import HTMLExporter
from nbconvert.preprocessors import ExecutePreprocessor
from traitlets.config import Config

ROOT = Path(__file__).resolve().parent.parent
SKIP_FLAGS = ('#| slow', '#| gpu', '#|slow', '#|gpu')
HIDDEN = ('#| hide', '#| default_exp', '#|hide', '#|default_exp')  # run, but not shown: as in nbdev's own docs


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


# A static page has no live kernel: show each widget's saved picture, not an empty widget placeholder.
PRIORITY = ['text/html', 'text/markdown', 'image/svg+xml', 'text/latex', 'image/png', 'image/jpeg', 'text/plain']


def render(out: Path = ROOT / '_site', timeout: int = 600) -> Path:
    "Execute and convert every notebook into `out`; returns the index page."
    out.mkdir(exist_ok=True)
    config = Config()
    config.NbConvertBase.display_data_priority = PRIORITY
    exporter = HTMLExporter(config=config)
    entries = []
    for src in sorted((ROOT / 'nbs').glob('*.ipynb')):
        nb = nbformat.read(src, as_version=4)
        keep = [i for i, c in enumerate(nb.cells) if not (c.cell_type == 'code' and c.source.lstrip().startswith(SKIP_FLAGS))]
        run = copy.deepcopy(nb)                            # what runs: a copy without the skipped cells
        run.cells = [run.cells[i] for i in keep]
        ExecutePreprocessor(timeout=timeout, store_widget_state=False).preprocess(run, {'metadata': {'path': str(src.parent)}})
        for i, cell in zip(keep, run.cells): nb.cells[i] = cell   # skipped cells keep the outputs saved in the notebook
        nb.cells = [c for c in nb.cells if not (c.cell_type == 'code' and c.source.lstrip().startswith(HIDDEN))]
        page = 'welcome' if src.stem == 'index' else src.stem   # index.html is the site's own index
        (out / f'{page}.html').write_text(exporter.from_notebook_node(nb)[0], encoding='utf-8')
        entries.append((page, title(nb, src.stem), summary(nb)))
        print(f'{page}.html', flush=True)
    entries.sort(key=lambda e: (e[0] != 'welcome', e[0]))
    items = '\n'.join(f'<li><a href="{p}.html">{html.escape(t)}</a><br><small>{html.escape(s)}</small></li>' for p, t, s in entries)
    index = out / 'index.html'
    index.write_text(f'''<!doctype html><html><head><meta charset="utf-8"><title>liif_edu: the notebooks</title>
<style>body{{font-family:system-ui,sans-serif;max-width:46em;margin:3em auto;line-height:1.5}}li{{margin:.6em 0}}</style></head>
<body><h1>liif_edu</h1><p>The LIIF course, in teaching order. Each page is a notebook, executed when this site was built.</p>
<ol>{items}</ol></body></html>
''', encoding='utf-8')
    return index


if __name__ == '__main__':
    print(render())
