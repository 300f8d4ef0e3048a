"""Mark the method notebooks' cells as slides, so that each can be presented in JupyterLab with its widgets live.

    python tools/notebooks/slides.py                          # the method notebooks, 00 to 11
    python tools/notebooks/slides.py nbs/02_local_ensemble.ipynb
    python tools/notebooks/slides.py --check                  # change nothing; fail if a notebook's marks differ

The slides are jupyterlab-slideshow's deck mode, which presents a notebook inside JupyterLab itself, widgets live.
The marks are each cell's `metadata.slideshow.slide_type`, the key that jupyterlab-slideshow, RISE and nbconvert all
read, plus two styles in jupyterlab-slideshow's own metadata key (`@deathbeds/jupyterlab-fonts`) that apply only while
presenting: long code lines wrap (notebook metadata), and a cell whose code and output together cannot fit shows its
output alone (cell metadata). A reader sees the notebook exactly as before; settings.ini keeps both keys through
nbdev_clean. To present: open the notebook in JupyterLab, Run All, then click the deck icon in the notebook's toolbar
(or "Start Deck" in the command palette). Space and the arrow keys step through the slides; Escape leaves them.

The rules, in order:
1. Boilerplate is `skip`: code cells flagged `#| hide` or `#| default_exp`, `#| export` cells of imports only, and
   the cells that test a widget by setting its controls. They still run with Run All; no slide shows them.
2. The title (`# `) and every `## ` heading start a new `slide`; a `### ` heading starts a `subslide` under it.
3. Exercises get slides of their own: a cell that opens one (`**Exercise ...` or `**2. ...`) starts a `subslide`,
   unless the slide holds nothing yet but its heading.
4. Every other cell continues the slide (no mark) while the slide still fits 1024 x 768; a cell that would make it too
   tall starts a `subslide` instead. A cell that leads into the next one (its text ends with a colon) moves with it.
5. A code cell whose code and output together are taller than a slide shows only its output while presenting, when
   that output is a figure, a widget or a table and fits by itself: the result is what a slide is for.
6. A cell still too tall for any slide gets a slide of its own, and the script names it, with its height, so that its
   owner can make it smaller (split a long cell, shrink a figure); so it does with a cell wider than the screen.

Heights come from tools/notebooks/slide_heights.json, which tools/notebooks/check_slides.py writes by measuring every
cell in the browser at 1024 x 768; a cell changed since it was measured (or new) is estimated from its source and saved
outputs. After editing the notebooks, `python tools/notebooks/check_slides.py --fix` measures, re-marks and checks.
"""
import argparse
import hashlib
import json
import math
import re
import struct
import sys
from base64 import b64decode
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
HEIGHTS = ROOT / 'tools' / 'notebooks' / 'slide_heights.json'
SLIDE = 768 - 20       # px of cells a slide holds: a 768 px screen, less the deck's padding
ROOM = SLIDE - 12      # px of cells the rules put on a slide: 12 to spare
WIDTH = 863            # px of a cell's content in the deck at 1024 px wide (for the estimates)
BOILERPLATE = ('#| hide', '#|hide', '#| default_exp', '#|default_exp')
EXERCISE = re.compile(r'\*\*(Exercise\b|\d+\.\s)')
WIDGET_TEST = re.compile(r'\.controls\[[^\]]+\]\.value\s*=[^=]')   # a test that moves a widget's controls
FONTS = '@deathbeds/jupyterlab-fonts'    # the metadata key of jupyterlab-slideshow's styles
PRESENTING = "body[data-jp-deck-mode='presenting'] &"   # the styles below apply only while presenting
WRAP_CODE = {'styles': {'': {PRESENTING: {'& .cm-content': {   # a slide cannot scroll sideways: long lines wrap
    'white-space': 'pre-wrap', 'word-break': 'break-word', 'overflow-wrap': 'anywhere', 'flex-shrink': '1'}}}}}
HIDE_CODE = {'styles': {'': {PRESENTING: {'& .jp-Cell-inputWrapper': {'display': 'none'}}}}}


def method_notebooks():
    "The method notebooks, 00 to 11."
    return sorted(p for p in (ROOT / 'nbs').glob('*.ipynb') if re.match(r'(0\d|1[01])_', p.name))


def source(cell) -> str:
    return ''.join(cell['source']) if isinstance(cell['source'], list) else cell['source']


def marks_of(nb):
    "The notebook's marks as they are: (slide type or None, code hidden on slides) for every cell."
    return [((c.get('metadata', {}).get('slideshow') or {}).get('slide_type') or None,
             c.get('metadata', {}).get(FONTS) == HIDE_CODE) for c in nb['cells']]


def png_size(b64):
    "(width, height) of a base64 PNG, or None."
    if not b64: return None
    head = b64decode((b64 if isinstance(b64, str) else ''.join(b64))[:64])
    return struct.unpack('>II', head[16:24]) if head[:8] == b'\x89PNG\r\n\x1a\n' else None


def digest(cell) -> str:
    "What decides a cell's height: its source and the kinds and sizes of its outputs (not their exact pixels)."
    shown = []
    for o in cell.get('outputs', []):
        data = o.get('data', {})
        shown.append([o['output_type'], sorted(data), png_size(data.get('image/png')),
                      len(''.join(o.get('text', data.get('text/plain', ''))).splitlines())])
    return hashlib.sha1(json.dumps([cell['cell_type'], source(cell), shown]).encode()).hexdigest()[:16]


def heading(cell) -> int:
    "The level of the heading that opens a markdown cell (1, 2, 3...), or 0."
    if cell['cell_type'] != 'markdown': return 0
    m = re.match(r'(#{1,6})\s', source(cell).lstrip())
    return len(m.group(1)) if m else 0


def boilerplate(cell) -> bool:
    "A hidden or imports-only code cell, or a widget's test: it runs with Run All, and no slide need show it."
    if cell['cell_type'] != 'code': return False
    text = source(cell).lstrip()
    if text.startswith(BOILERPLATE) or WIDGET_TEST.search(text): return True
    if text.startswith(('#| export', '#|export')) and not cell.get('outputs'):
        lines = [l for l in text.splitlines()[1:] if l.strip() and not l.lstrip().startswith('#')]
        return all(l.startswith(('import ', 'from ', ' ', ')')) for l in lines)
    return False


def exercise(cell) -> bool:
    return cell['cell_type'] == 'markdown' and bool(EXERCISE.match(source(cell).lstrip()))


def leads_on(cell) -> bool:
    "A markdown cell that introduces the next one (it ends with a colon)."
    return cell['cell_type'] == 'markdown' and source(cell).rstrip().endswith(':')


def _lines(text, chars):
    return sum(max(1, math.ceil(len(l) / chars)) for l in text.splitlines() or [''])


RESULTS = ('image/png', 'image/jpeg', 'image/svg+xml', 'application/vnd.jupyter.widget-view+json', 'text/markdown',
           'text/html')   # outputs that show a figure, a widget or a table


def estimate(cell):
    """(height, code, output, result?) of a cell in the deck, in px, from its source and saved outputs (a cell not
    measured yet); result: its output shows a figure, a widget or a table."""
    text = source(cell)
    if cell['cell_type'] != 'code':
        h = 0
        for block in re.split(r'\n\s*\n', text.strip()):
            lines = block.splitlines() or ['']
            if re.match(r'#\s', block): h += 60 * len(lines)
            elif re.match(r'#{2,}\s', block): h += 44 * len(lines)
            elif block.lstrip().startswith('|'): h += 31 * len(lines)
            elif block.lstrip().startswith('$$'): h += 50 + 20 * len(lines)
            else: h += 16 + 23 * _lines(block, 115)
        return h + 10, h + 10, 0, False
    code = 18 * _lines(text, 110) + 12
    out = 0
    for o in cell.get('outputs', []):
        data = o.get('data', {})
        size = png_size(data.get('image/png'))
        if 'application/vnd.jupyter.widget-view+json' in data:
            out += (size[1] * min(1, WIDTH / size[0]) if size else 400) + 60   # the figure, and a row of controls
        elif size:
            out += size[1] * min(1, WIDTH / size[0]) + 8
        elif 'text/markdown' in data:
            out += 26 * len(''.join(data['text/markdown']).splitlines()) + 10
        else:
            out += 18 * _lines(''.join(o.get('text', data.get('text/plain', ''))), 110) + 8
    result = any(k in RESULTS for o in cell.get('outputs', []) for k in o.get('data', {}))
    return int(code + out), int(code), int(out), result


def sizes(nb, measured=None):
    "(height, code, output, result?) of every cell: as measured where the cell is unchanged since, else estimated."
    measured = measured or {}
    out = []
    for c in nb['cells']:
        m = measured.get(c.get('id'))
        fresh = m and m.get('digest') == digest(c)
        out.append((m['height'], m['input'], m['output'], m['result']) if fresh else estimate(c))
    return out


def shown(cell, size):
    """(height on a slide, code hidden?): a code cell too tall for a slide, whose output is a figure, a widget or a
    table that fits by itself, shows its output alone."""
    height, code, output, result = size
    if cell['cell_type'] == 'code' and height > ROOM and result and height - code <= ROOM:
        return height - code, True
    return height, False


def mark(nb, measured=None):
    "(slide type or None, code hidden on slides) for every cell of `nb`, by the rules above."
    cells = nb['cells']
    h, hide = zip(*(shown(c, s) for c, s in zip(cells, sizes(nb, measured)))) if cells else ((), ())
    marks, used, only_heading = [], None, False
    for i, c in enumerate(cells):
        if boilerplate(c):
            marks.append(('skip', False))
            continue
        level = heading(c)
        if used is None or level in (1, 2):
            kind = 'slide'
        elif level >= 3 or (exercise(c) and not only_heading) or used + h[i] > ROOM:
            kind = 'subslide'
        else:
            kind = None
        if kind is None and leads_on(c):   # an introduction goes with what it introduces
            nxt = next((j for j in range(i + 1, len(cells)) if not boilerplate(cells[j])), None)
            if nxt is not None and not heading(cells[nxt]) and used + h[i] + h[nxt] > ROOM >= h[i] + h[nxt]:
                kind = 'subslide'
        marks.append((kind, hide[i]))
        used = h[i] if kind else used + h[i]
        only_heading = bool(kind) and level > 0
        if h[i] > ROOM: used = ROOM + 1   # a cell too tall for any slide stays alone on its own
    return marks


def unfit(nb, measured=None):
    "What no rule can fit: (cell index, why) for every cell on a slide that is too tall or too wide by itself."
    measured = measured or {}
    found = []
    for i, (c, s) in enumerate(zip(nb['cells'], sizes(nb, measured))):
        if boilerplate(c): continue
        if (h := shown(c, s)[0]) > SLIDE: found.append((i, f'{h} px tall, more than a slide holds ({SLIDE} px)'))
        if (m := measured.get(c.get('id'))) and m.get('digest') == digest(c) and m.get('wide'):
            found.append((i, f"wider than the screen ({', '.join(m['wide'])})"))
    return found


def write_marks(path: Path, marks):
    "Write `marks` into the notebook at `path`, in nbdev's format (sorted keys, one-space indent)."
    old = path.read_text(encoding='utf-8')
    nb = json.loads(old)
    nb['metadata'][FONTS] = WRAP_CODE
    for c, (kind, hide) in zip(nb['cells'], marks):
        meta = c.setdefault('metadata', {})
        if kind: meta['slideshow'] = {'slide_type': kind}
        else: meta.pop('slideshow', None)
        if hide: meta[FONTS] = HIDE_CODE
        elif meta.get(FONTS) == HIDE_CODE: del meta[FONTS]
    new = json.dumps(nb, sort_keys=True, indent=1, ensure_ascii=False) + '\n'
    if new != old: path.write_text(new, encoding='utf-8')


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument('notebooks', nargs='*', type=Path, help='default: the method notebooks, 00 to 11')
    p.add_argument('--heights', type=Path, default=HEIGHTS, help="check_slides.py's measured heights")
    p.add_argument('--check', action='store_true', help='change nothing; exit 1 if any notebook would change')
    args = p.parse_args()
    measured = json.loads(args.heights.read_text()) if args.heights.exists() else {}
    differ = []
    for path in args.notebooks or method_notebooks():
        nb = json.loads(path.read_text(encoding='utf-8'))
        marks = mark(nb, measured.get(path.name))
        if marks != marks_of(nb) or nb['metadata'].get(FONTS) != WRAP_CODE:
            differ.append(path.name)
            if not args.check: write_marks(path, marks)
        kinds = [k for k, _ in marks]
        print(f'{path.name}: {kinds.count("slide")} slides and {kinds.count("subslide")} under them; '
              f'{kinds.count("skip")} cells skipped, {sum(h for _, h in marks)} shown without their code'
              + ''.join(f'\n  cell {i} is {why}: make it smaller' for i, why in unfit(nb, measured.get(path.name))))
    if args.check and differ:
        sys.exit(f'marks out of date in {", ".join(differ)}: run python tools/notebooks/slides.py')


if __name__ == '__main__':
    main()
