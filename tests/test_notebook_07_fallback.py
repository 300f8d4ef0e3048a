"""Notebook 07 on a fresh clone: without the benchmark sets it evaluates on the bundled photos, and says so."""
import json
from pathlib import Path
from PIL import Image
from liif_edu.data import bicubic
from liif_edu.paths import SAMPLES_DIR, RESULTS_DIR
from liif_edu.evaluate import evaluation_sets, scale_sweep

NOTEBOOK = Path(__file__).parents[1] / 'nbs' / '07_evaluation.ipynb'


def test_missing_benchmarks_fall_back_to_the_bundled_photos(tmp_path, capsys):
    sets = evaluation_sets(tmp_path / 'missing')
    assert sets == {'bundled photos': SAMPLES_DIR}
    said = capsys.readouterr().out
    assert said.count('\n') == 1 and 'no benchmark sets at' in said and 'not comparable' in said
    scores = scale_sweep({'bicubic': bicubic}, sets['bundled photos'], scales=(4,))   # the fallback folder can be evaluated
    assert 15 < scores['bicubic'][4] < 45


def test_benchmarks_that_are_there_are_used(tmp_path, capsys):
    (tmp_path / 'Set14' / 'HR').mkdir(parents=True)
    assert evaluation_sets(tmp_path) == {'Set14': tmp_path / 'Set14'}
    assert capsys.readouterr().out == ''


def test_the_notebook_cell_measures_the_bundled_photos(tmp_path, capsys):
    "Runs 07's own cell with the benchmark folder pointed at a missing path: a table of the bundled photos, and the model ahead of bicubic."
    from fastcore.test import test_eq
    from IPython.display import Markdown
    cells = [''.join(c['source']) for c in json.loads(NOTEBOOK.read_text())['cells'] if c['cell_type'] == 'code']
    cell = next(c for c in cells if 'evaluation_sets(BENCH)' in c)
    shown, asked = [], []
    def small_sweep(upscalers, folder, scales, **kw):                   # the notebook's call, on small crops of the same photos: seconds
        asked.append((Path(folder), scales))
        crops = tmp_path / 'crops'
        crops.mkdir(exist_ok=True)
        for f in sorted(Path(folder).glob('*.png'))[:2]: Image.open(f).convert('RGB').crop((0, 0, 96, 96)).save(crops / f.name)
        return scale_sweep(upscalers, crops, scales, **kw)
    scope = {'BENCH': tmp_path / 'missing', 'json': json, 'SAMPLES_DIR': SAMPLES_DIR, 'RESULTS_DIR': RESULTS_DIR, 'bicubic': bicubic, 'scale_sweep': small_sweep,
             'evaluation_sets': evaluation_sets, 'sweep_table': __import__('liif_edu.evaluate', fromlist=['sweep_table']).sweep_table,
             'Markdown': Markdown, 'display': shown.append, 'test_eq': test_eq}
    exec(cell, scope)
    said = capsys.readouterr().out
    assert 'no benchmark sets at' in said and 'not on these photos' in said
    assert len(shown) == 1 and 'bundled photos' in shown[0].data and '| bundled model - bicubic |' in shown[0].data
    assert asked == [(SAMPLES_DIR, (2, 4, 12))] and set(scope['here']['bicubic']) == {2, 4, 12}
