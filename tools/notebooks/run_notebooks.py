"""Execute notebooks in place, so that their saved outputs (figures, tables) are current.

    python tools/notebooks/run_notebooks.py nbs/02_local_ensemble.ipynb   # one or more notebooks
    python tools/notebooks/run_notebooks.py --all                         # every notebook
    python tools/notebooks/run_notebooks.py --slow nbs/06_training.ipynb   # also run `#| slow` cells
    python tools/notebooks/run_notebooks.py --slow --only ablation nbs/06_training.ipynb   # only the slow cells that mention 'ablation'
    python tools/notebooks/run_notebooks.py --switch RETRAIN nbs/06_training.ipynb         # run with `RETRAIN = False` set to True

A cell that starts with the comment `# after your prediction` answers an exercise that asks the learner to predict
first: it runs, but its outputs are not saved, so the answer shows only when the learner runs it.
Cells flagged `#| slow` or `#| gpu` are skipped (as `nbdev_test` skips them) and keep the outputs saved
in the notebook, unless --slow is given. A cell that starts with a switch such as `RETRAIN = False  # True: ...`
recomputes its saved results (files in data/) only when that switch is on; `--switch RETRAIN` turns it on for this
run without changing the notebook's source. Then run `nbdev_clean`, and commit. tools/notebooks/render_site.py
executes notebooks the same way, into HTML instead.
"""
import argparse
import copy
import os
import re
import sys
import time
from pathlib import Path

import nbformat
from nbconvert.preprocessors import ExecutePreprocessor

ROOT = Path(__file__).resolve().parents[2]
SKIP_FLAGS = ('#| slow', '#| gpu', '#|slow', '#|gpu')
SLOW_ONLY = ('#| gpu', '#|gpu')
REVEAL = '# after your prediction'   # the first line of a cell whose output would give an exercise's answer away


def execute(src: Path, slow=False, timeout=1800, only=None, switches=()):
    "The notebook at `src`, executed in its folder; skipped cells keep their saved outputs; `switches` are set to True."
    os.environ.pop('MPLBACKEND', None)        # a headless default (Agg) would hide the kernel's inline figures
    nb = nbformat.read(src, as_version=4)
    def runs(c):
        if c.cell_type != 'code': return True
        if c.source.lstrip().startswith(SLOW_ONLY): return False
        if c.source.lstrip().startswith(SKIP_FLAGS): return slow and (only is None or only in c.source)
        return True
    keep = [i for i, c in enumerate(nb.cells) if runs(c)]
    run = copy.deepcopy(nb)
    run.cells = [run.cells[i] for i in keep]
    for c in run.cells:
        for name in switches: c.source = re.sub(rf'^{name} = False\b', f'{name} = True', c.source, flags=re.M)
    ExecutePreprocessor(timeout=timeout, store_widget_state=False).preprocess(run, {'metadata': {'path': str(src.parent)}})
    for i, cell in zip(keep, run.cells): cell.source, nb.cells[i] = nb.cells[i].source, cell   # the saved source keeps its switches off
    for c in nb.cells:
        if c.cell_type == 'code' and c.source.lstrip().startswith(REVEAL): c.outputs, c.execution_count = [], None
    return nb


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument('notebooks', nargs='*', type=Path)
    p.add_argument('--all', action='store_true', help='every notebook in nbs/')
    p.add_argument('--slow', action='store_true', help='also run cells flagged #| slow')
    p.add_argument('--only', metavar='TEXT', help='with --slow: run only the slow cells whose code contains TEXT')
    p.add_argument('--switch', action='append', default=[], metavar='NAME', help='run with the switch `NAME = False` set to True (repeatable)')
    args = p.parse_args()
    paths = sorted((ROOT / 'nbs').glob('*.ipynb')) if args.all else args.notebooks
    if not paths: p.error('name notebooks, or --all')
    for path in paths:
        t = time.perf_counter()
        nb = execute(path, args.slow, only=args.only, switches=args.switch)
        nbformat.write(nb, path)
        print(f'{path.name}: {time.perf_counter() - t:.0f} s', flush=True)
    print('now run nbdev_clean', file=sys.stderr)


if __name__ == '__main__':
    main()
