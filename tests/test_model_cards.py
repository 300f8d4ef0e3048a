"""The bundled model: its card is complete and true, and `liif-edu evaluate` reproduces the card's numbers."""
import hashlib
import json
import subprocess
from pathlib import Path

import pytest

from liif_edu.checkpoint import load_model
from liif_edu.cards import model_card
from liif_edu.paths import BUNDLED_MODEL, MODEL_DIR, SHARED_DATA
from liif_edu.encoders import count_params

ROOT = Path(__file__).resolve().parent.parent
CARD = json.loads((MODEL_DIR / 'bundled.json').read_text())


def test_card_describes_the_file():
    assert BUNDLED_MODEL.stat().st_size == CARD['bytes'] <= 10 * 2**20
    assert hashlib.sha256(BUNDLED_MODEL.read_bytes()).hexdigest() == CARD['sha256']
    model = load_model('bundled')
    assert model.config == CARD['architecture']['config']
    assert count_params(model) == CARD['architecture']['parameters']
    t = CARD['training']
    assert t['command'].startswith('liif-edu train --preset ') and t['epochs'] == t['settings']['epochs']
    assert t['iterations'] > 0 and t['wall_time_minutes'] > 0 and 'T91' in t['data'] and 'BSD200' in t['data']


def test_beats_bicubic_everywhere():
    table = CARD['evaluation']['psnr_db']
    assert set(table) == {'Set5', 'Set14'}
    for rows in table.values():
        assert list(rows) == ['x2', 'x3', 'x4', 'x6', 'x8']
        for r in rows.values():
            assert r['liif_edu'] > r['bicubic'] and abs(r['gain'] - (r['liif_edu'] - r['bicubic'])) < 2e-3


@pytest.mark.skipif(not (SHARED_DATA / 'benchmark').exists(), reason=f'the benchmark sets are not at {SHARED_DATA}')
def test_evaluate_reproduces_the_card(tmp_path):
    """Set5 at x2 (in the training range) and x8 (beyond it) and Set14 at x4, from the command line: 6 of the card's 20
    PSNRs, a quarter of the time of the whole card (every scale costs the same, one query per ground-truth pixel, and
    Set14's photos are the larger ones). `tools/release/bundle_model.py` writes the whole card."""
    checked = 0
    for name, scales in [('Set5', '2,8'), ('Set14', '4')]:
        folder = SHARED_DATA / 'benchmark' / name
        r = subprocess.run(['liif-edu', 'evaluate', '--model', 'bundled', '--data', str(folder), '--scales', scales, '--json', str(tmp_path / 'r.json'), '-q'],
                           capture_output=True, text=True, stdin=subprocess.DEVNULL)
        assert r.returncode == 0, r.stderr
        got = json.loads((tmp_path / 'r.json').read_text())[str(folder)]
        for scale in scales.split(','):
            for method in ('liif_edu', 'bicubic'):
                assert abs(got[method][f'x{scale}'] - CARD['evaluation']['psnr_db'][name][f'x{scale}'][method]) < 0.01, (name, scale, method)
                checked += 1
    assert checked == 6


OFFICIAL_CARD = json.loads((MODEL_DIR / 'official.json').read_text())


def test_official_card_describes_the_source_and_beats_the_bundled_model():
    from liif_edu.download import OFFICIAL
    src = OFFICIAL_CARD['source']
    assert (src['package'], src['version'], src['member'], src['bytes'], src['sha256']) == \
           (OFFICIAL.package, OFFICIAL.version, OFFICIAL.member, OFFICIAL.size, OFFICIAL.sha256)
    assert 'Chen' in OFFICIAL_CARD['credit'] and 'BSD-3-Clause' in OFFICIAL_CARD['licence']
    assert OFFICIAL_CARD['architecture']['parameters'] == 1_567_299
    official, bundled = OFFICIAL_CARD['evaluation']['psnr_db'], CARD['evaluation']['psnr_db']
    assert set(official) == set(bundled) == {'Set5', 'Set14'}
    for name in official:
        assert list(official[name]) == list(bundled[name]) == ['x2', 'x3', 'x4', 'x6', 'x8']
        for scale, row in official[name].items():
            assert abs(row['bicubic'] - bundled[name][scale]['bicubic']) < 2e-3                # the same protocol
            assert row['official'] > bundled[name][scale]['liif_edu'] > row['bicubic'], (name, scale)


@pytest.mark.skipif(not (SHARED_DATA / 'benchmark').exists(), reason=f'the benchmark sets are not at {SHARED_DATA}')
def test_evaluate_reproduces_the_official_card_at_x4(tmp_path):
    """One column of the card, reproduced (the whole table takes minutes on a CPU)."""
    import os
    from liif_edu.errors import FetchError
    try: load_model('official')                                   # from the cache; fetched once if it is not there yet
    except FetchError as e:
        if os.environ.get('CI'): raise
        pytest.skip(f"the paper's weights could not be fetched: {e}")
    r = subprocess.run(['liif-edu', 'evaluate', '--model', 'official', '--data', str(SHARED_DATA / 'benchmark' / 'Set5'),
                        '--scales', '4', '--json', str(tmp_path / 'r.json'), '-q'], capture_output=True, text=True, stdin=subprocess.DEVNULL)
    assert r.returncode == 0, r.stderr
    got = json.loads((tmp_path / 'r.json').read_text())
    assert abs(got[str(SHARED_DATA / 'benchmark' / 'Set5')]['liif_edu']['x4'] - OFFICIAL_CARD['evaluation']['psnr_db']['Set5']['x4']['official']) < 0.01


def test_readme_quotes_the_cards():
    """The README's table of models, with the measured speeds, is `liif-edu models`' table, read from the cards:
    a new measurement (python bench/speed.py --write) shows up in the README or this test fails."""
    from liif_edu.cards import model_table
    rows = [line for line in model_table().splitlines() if line.startswith('|')]
    readme = (ROOT / 'README.md').read_text()
    assert all(row in readme for row in rows), 'paste the table of `liif-edu models` into README.md'
    assert all(model_card(name).get('speed') for name in ('official', 'bundled')), 'python bench/speed.py --write'
