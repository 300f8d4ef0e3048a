"""The notebooks as files: no saved widget state, no statement once found wrong, no edit applied twice, no machine
path or revealed answer in a saved output, a method track that teaches the method, and a README whose training time
is the measured one."""
import json
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_notebooks_carry_no_widget_state():
    """Saved widget state is stripped: it is large, and stale as soon as a control moves."""
    stale = [p.name for p in (ROOT / 'nbs').glob('*.ipynb') if 'widgets' in json.loads(p.read_text())['metadata']]
    assert stale == [], f'strip the widget state from {stale}'


STALE = ('Sec. 3.4', 'Sec. 3.5', 'section 4.1', 'cells of 0.25', "(until the project's bundled model exists)", 'DESIGN',
         'latent-cell units', 'falls on pixel 4 of 32')


def test_no_stale_statements_in_the_notebooks():
    """Statements once found wrong stay gone: wrong section numbers, wrong cell units, a file outside the project."""
    found = [(p.name, phrase) for p in sorted((ROOT / 'nbs').glob('*.ipynb'))
             for phrase in STALE if phrase in ''.join(''.join(c['source']) for c in json.loads(p.read_text())['cells'])]
    assert found == [], found


METHOD = ['00_image_as_function', '01_latent_grid', '02_local_ensemble', '03_cell_decoding', '04_trained_liif',
          '05_data', '06_training', '07_evaluation', '08_upscale', '09_beyond_liif']
MACHINERY = ('pickle', 'fsync', 'weights_only', 'HTTP', 'gloo', 'decompression', 'page-fault', 'scratch buffer', 'EXIF', 'sha256', 'SHA-256')


def test_method_track_is_the_method():
    """Every method notebook has a widget and exercises, and its prose names engineering machinery at most once."""
    for name in METHOD:
        cells = json.loads((ROOT / 'nbs' / f'{name}.ipynb').read_text())['cells']
        text = lambda kind: '\n'.join(''.join(c['source']) for c in cells if c['cell_type'] == kind)
        assert 'FigureExplorer(' in text('code') or 'LiveCurves()' in text('code'), f'{name}: no widget'
        assert '## Exercises' in text('markdown') and 'from liif_edu.course.ex' in text('code'), f'{name}: no exercises'
        mentions = [w for w in MACHINERY if w in text('markdown')]
        assert len(mentions) <= 1, f'{name}: its prose discusses machinery ({mentions}); that belongs in the appendix'


def repeats(text: str) -> list:
    """Lines, or blank-line-separated paragraphs, that repeat the one just before them: the mark of an edit applied twice."""
    found, last = [], None
    for line in text.splitlines():
        stripped = line.strip()
        if len(stripped) > 3 and stripped == last: found.append(stripped)
        last = stripped or None
    paragraphs = [p.strip() for p in text.split('\n\n') if p.strip()]
    found += [b for a, b in zip(paragraphs, paragraphs[1:]) if a == b]
    return found


def test_repeats_finds_doubled_lines_and_paragraphs():
    assert repeats("a = 1\nloss: str = 'l1'\nloss: str = 'l1'\n") == ["loss: str = 'l1'"]
    assert repeats('One paragraph.\n\nOne paragraph.\n') == ['One paragraph.']
    assert repeats('x = 1\n\nx = 1\n') == ['x = 1']              # a line repeated across a blank line is a paragraph repeated
    assert repeats('))\n))\nif a:\n    pass\nelse:\n    pass\n') == []   # short lines and non-adjacent repeats are fine


def test_nothing_is_repeated_in_a_row():
    """No line or paragraph of a notebook cell or a library module repeats the one before it."""
    found = []
    for path in sorted((ROOT / 'nbs').glob('*.ipynb')):
        for i, cell in enumerate(json.loads(path.read_text())['cells']):
            found += [f'{path.name} cell {i}: {r[:80]!r}' for r in repeats(''.join(cell['source']))]
    for path in sorted((ROOT / 'liif_edu').glob('*.py')):
        found += [f'{path.name}: {r[:80]!r}' for r in repeats(path.read_text())]
    assert found == [], found


def test_readme_states_the_measured_cpu_small_time():
    """The README's training time for cpu-small is the one measured and saved in data/results/cpu_small.json, not a guess."""
    minutes = json.loads((ROOT / 'data' / 'results' / 'cpu_small.json').read_text())['minutes']
    stated = re.findall(r'cpu-small[^\n]*?about (\d+) minutes', (ROOT / 'README.md').read_text())
    assert stated and all(int(m) == round(minutes) for m in stated), (stated, minutes)


def notebooks():
    return sorted((ROOT / 'nbs').rglob('*.ipynb'))


def output_text(cell) -> str:
    "What a code cell's saved outputs show as text (streams, text and HTML results, errors), images left out."
    parts = []
    for o in cell.get('outputs', []):
        parts += o.get('text', []) + o.get('traceback', [])
        for kind, value in o.get('data', {}).items():
            if kind.startswith('text/'): parts += value if isinstance(value, list) else [value]
    return ''.join(parts)


MACHINE_PATHS = re.compile(r'/root/|/home/\w|/Users/\w|/tmp/|/work/|/private/var/|[A-Z]:\\Users\\')


def machine_paths(cells) -> list:
    "[(cell index, the path's start)] for every code cell whose saved output names a path on one machine."
    found = []
    for i, c in enumerate(cells):
        text = output_text(c) if c['cell_type'] == 'code' else ''
        m = MACHINE_PATHS.search(text.replace(str(ROOT), '/work/'))
        if m: found.append((i, m.group()))
    return found


def test_saved_outputs_show_no_machine_paths():
    """A saved output names files relative to the project, never by where one machine keeps them."""
    fake = [dict(cell_type='code', source=[], outputs=[dict(output_type='stream', name='stdout', text=[f'wrote {ROOT}/x.png'])]),
            dict(cell_type='code', source=[], outputs=[dict(output_type='execute_result', data={'text/plain': ["'C:\\Users\\ann\\x.png'"]})]),
            dict(cell_type='code', source=[], outputs=[dict(output_type='stream', name='stdout', text=['wrote data/x.png'])])]
    assert [i for i, _ in machine_paths(fake)] == [0, 1]                    # the check finds what it looks for
    found = [(p.relative_to(ROOT).as_posix(), i, path) for p in notebooks()
             for i, path in machine_paths(json.loads(p.read_text())['cells'])]
    assert found == [], found


def test_predictions_are_saved_unanswered():
    """A cell that reveals an exercise's answer (it starts `# after your prediction`) is saved without its output."""
    reveal = [(p.name, i, c) for p in notebooks() for i, c in enumerate(json.loads(p.read_text())['cells'])
              if c['cell_type'] == 'code' and ''.join(c['source']).lstrip().lower().startswith('# after your prediction')]
    assert len(reveal) >= 10, f'only {len(reveal)} reveal cells found: has their marker changed?'
    shown = [(name, i) for name, i, c in reveal if c.get('outputs')]
    assert shown == [], f'clear the saved outputs of {shown} (tools/notebooks/run_notebooks.py does)'
