"""The project's own contracts: public API signatures, and notebooks that agree with the library."""
import inspect
import shutil
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def params(f):
    return [(p.name, p.default) for p in inspect.signature(f).parameters.values()]


def test_public_api():
    from liif_edu.coords import make_coord, to_pixel_samples
    from liif_edu.model import LIIF
    from liif_edu.checkpoint import load_official, save_model, load_model
    assert params(make_coord) == [('shape', inspect.Parameter.empty), ('ranges', None), ('flatten', True)]
    assert [n for n, _ in params(to_pixel_samples)] == ['img']
    assert [n for n, _ in params(LIIF.forward)] == ['self', 'inp', 'coord', 'cell']
    assert [n for n, _ in params(LIIF.gen_feat)] == ['self', 'inp']
    assert [n for n, _ in params(LIIF.query_rgb)] == ['self', 'coord', 'cell']
    init = dict(params(LIIF.__init__))
    assert {'encoder', 'hidden', 'local_ensemble', 'feat_unfold', 'cell_decode'} <= set(init)
    assert [n for n, _ in params(load_official)][0] == 'path'
    assert [n for n, _ in params(save_model)][:2] == ['model', 'path']
    assert [n for n, _ in params(load_model)][0] == 'path'


def test_library_is_exported_from_notebooks(tmp_path):
    """nbdev_export and nbdev_clean on a copy of the project change nothing."""
    for name in ('settings.ini', 'setup.py', 'README.md'):
        shutil.copy(ROOT / name, tmp_path / name)
    for name in ('nbs', 'liif_edu'):
        shutil.copytree(ROOT / name, tmp_path / name, ignore=shutil.ignore_patterns('__pycache__', '.ipynb_checkpoints'))
    before = {p.relative_to(tmp_path): p.read_bytes() for p in tmp_path.rglob('*') if p.is_file()}
    for cmd in ('nbdev_export', 'nbdev_clean'):
        subprocess.run([cmd], cwd=tmp_path, check=True, capture_output=True)
    after = {p.relative_to(tmp_path): p.read_bytes() for p in tmp_path.rglob('*') if p.is_file() and '__pycache__' not in p.parts}
    changed = sorted(str(p) for p in set(before) | set(after) if before.get(p) != after.get(p))
    assert changed == [], f'run nbdev_export and nbdev_clean, then commit: {changed}'


def test_notebooks_carry_no_widget_state():
    """Saved widget state is stripped: it is large, and stale as soon as a control moves."""
    import json
    stale = [p.name for p in (ROOT / 'nbs').glob('*.ipynb') if 'widgets' in json.loads(p.read_text())['metadata']]
    assert stale == [], f'strip the widget state from {stale}'


def package_imports() -> dict:
    """{module: set of liif_edu modules it imports}, counting imports anywhere in the file (inside functions too)."""
    import ast
    graph = {}
    for path in sorted((ROOT / 'liif_edu').glob('*.py')):
        name, deps = path.stem, set()
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom):
                mod = node.module or ''
                if node.level == 1: deps.add(mod.split('.')[0] if mod else None)
                elif mod.startswith('liif_edu.'): deps.add(mod.split('.')[1])
                elif mod == 'liif_edu' or (node.level == 1 and not mod): deps.update(a.name for a in node.names)
            elif isinstance(node, ast.Import):
                deps.update(a.name.split('.')[1] for a in node.names if a.name.startswith('liif_edu.'))
        graph[name] = {d for d in deps if d and d != name and (ROOT / 'liif_edu' / f'{d}.py').exists()}
    return graph


def test_no_import_cycles():
    """The package's modules form a DAG; the model, in particular, does not import the fast paths."""
    graph = package_imports()
    assert 'inference' not in graph['model'] and graph['model'] <= {'coords', 'encoders', 'latent', 'ensemble'}
    assert 'upscale' not in graph['evaluate']
    done, stack = set(), []

    def visit(m):
        if m in stack: raise AssertionError('import cycle: ' + ' -> '.join(stack[stack.index(m):] + [m]))
        if m in done: return
        stack.append(m)
        for d in sorted(graph[m]): visit(d)
        stack.pop(); done.add(m)
    for m in graph: visit(m)


def test_the_cycle_check_finds_a_cycle(monkeypatch):
    """The check itself: a made-up cycle must be reported."""
    import test_project
    real = package_imports()
    monkeypatch.setattr(test_project, 'package_imports', lambda: {**real, 'coords': real['coords'] | {'model'}})
    try:
        test_no_import_cycles()
    except AssertionError as e:
        assert 'import cycle' in str(e) and 'coords' in str(e)
    else:
        raise AssertionError('the cycle coords -> model -> coords was not found')


STALE = ('Sec. 3.4', 'Sec. 3.5', 'section 4.1', 'cells of 0.25', "(until the project's bundled model exists)", 'DESIGN',
         'latent-cell units', 'falls on pixel 4 of 32')


def test_no_stale_statements_in_the_notebooks():
    """Statements once found wrong stay gone: wrong section numbers, wrong cell units, a file outside the project."""
    import json
    found = [(p.name, phrase) for p in sorted((ROOT / 'nbs').glob('*.ipynb'))
             for phrase in STALE if phrase in ''.join(''.join(c['source']) for c in json.loads(p.read_text())['cells'])]
    assert found == [], found


METHOD = ['00_image_as_function', '01_latent_grid', '02_local_ensemble', '03_cell_decoding', '04_trained_liif',
          '05_data', '06_training', '07_evaluation', '08_upscale', '09_beyond_liif']
MACHINERY = ('pickle', 'fsync', 'weights_only', 'HTTP', 'gloo', 'decompression', 'page-fault', 'scratch buffer', 'EXIF', 'sha256', 'SHA-256')


def test_method_track_is_the_method():
    """Every method notebook has a widget and exercises, and its prose names engineering machinery at most once."""
    import json
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
    import json
    found = []
    for path in sorted((ROOT / 'nbs').glob('*.ipynb')):
        for i, cell in enumerate(json.loads(path.read_text())['cells']):
            found += [f'{path.name} cell {i}: {r[:80]!r}' for r in repeats(''.join(cell['source']))]
    for path in sorted((ROOT / 'liif_edu').glob('*.py')):
        found += [f'{path.name}: {r[:80]!r}' for r in repeats(path.read_text())]
    assert found == [], found


def test_readme_states_the_measured_cpu_small_time():
    """The README's training time for cpu-small is the one measured and saved in data/results/cpu_small.json, not a guess."""
    import json, re
    minutes = json.loads((ROOT / 'data' / 'results' / 'cpu_small.json').read_text())['minutes']
    stated = re.findall(r'cpu-small[^\n]*?about (\d+) minutes', (ROOT / 'README.md').read_text())
    assert stated and all(int(m) == round(minutes) for m in stated), (stated, minutes)
