"""Training as a user runs it: `liif-edu train` killed at random moments and resumed, DDP with 2 gloo processes,
and bad configurations rejected with one line."""
import json
import os
import random
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import torch

from liif_edu.checkpoint import load_model, load_checkpoint

from liif_edu.paths import SAMPLES_DIR

LIIF_EDU = shutil.which("liif-edu")
ROOT = Path(__file__).resolve().parent.parent
TINY = dict(data=str(SAMPLES_DIR), encoder_args=dict(n_resblocks=1, n_feats=8), inp_size=16, sample_q=64,
            repeat=2, lr=1e-3, milestones=[3], val_data='')


def config(tmp_path, **kw):
    path = tmp_path / f'config{len(list(tmp_path.glob("config*")))}.json'
    path.write_text(json.dumps({**TINY, **kw}))
    return path


def run(*args, **kw):
    return subprocess.run([LIIF_EDU, *map(str, args)], capture_output=True, text=True, stdin=subprocess.DEVNULL, **kw)


def weights(path):
    return load_model(path).state_dict()


def test_killed_and_resumed_equals_uninterrupted(tmp_path):
    # a model with a wide MLP, so that writing a checkpoint takes long enough to be caught in the act
    cfg = config(tmp_path, hidden=[512, 512], batch_size=2, epochs=12)
    ref = run('train', '--config', cfg, '--out', tmp_path / 'ref', '-q')
    assert ref.returncode == 0, ref.stderr
    out, tmp = tmp_path / 'killed', tmp_path / 'killed' / '.last.safetensors.tmp'
    rng, kills, mid_write = random.Random(0), 0, 0
    for attempt in range(40):
        proc = subprocess.Popen([LIIF_EDU, 'train', '--config', str(cfg), '--out', str(out), '-q', '--resume'],
                                stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, stdin=subprocess.DEVNULL)
        if kills < 6:
            deadline = time.monotonic() + 60
            if kills % 2 == 0:                    # kill while a checkpoint is being written
                while proc.poll() is None and not tmp.exists() and time.monotonic() < deadline: pass
                hit = tmp.exists()
            else:                                 # kill at a random moment once training is under way
                while proc.poll() is None and not (out / 'log.csv').exists() and time.monotonic() < deadline: time.sleep(0.01)
                time.sleep(rng.uniform(0, 1.5))
                hit = False
            if proc.poll() is None:
                proc.send_signal(signal.SIGKILL); proc.wait()
                kills, mid_write = kills + 1, mid_write + hit
                for name in ('last.safetensors', 'best.safetensors'):   # every checkpoint on disk is whole and readable
                    if (out / name).exists(): load_checkpoint(out / name)
                continue
        assert proc.wait(timeout=300) == 0, proc.stderr.read().decode()
        break
    print(f'{kills} kills, {mid_write} of them while a checkpoint was being written')
    assert kills >= 4 and mid_write >= 1, (kills, mid_write)
    assert load_checkpoint(out / 'last.safetensors')['epoch'] == 12
    a, b = weights(tmp_path / 'ref' / 'last.safetensors'), weights(out / 'last.safetensors')
    assert all(torch.equal(a[k], b[k]) for k in a)
    untimed = lambda p: [{k: v for k, v in r.items() if k != 'seconds'} for r in load_checkpoint(p)['history']]
    assert untimed(out / 'last.safetensors') == untimed(tmp_path / 'ref' / 'last.safetensors')


def test_two_gloo_processes_match_one(tmp_path):
    cfg = config(tmp_path, hidden=[32], batch_size=4, epochs=2)
    one = run('train', '--config', cfg, '--out', tmp_path / 'one', '-q', '--device', 'cpu')
    assert one.returncode == 0, one.stderr
    env = dict(os.environ, OMP_NUM_THREADS='1')
    two = subprocess.run([sys.executable, '-m', 'torch.distributed.run', '--standalone', '--nproc_per_node=2', LIIF_EDU,
                          'train', '--config', str(cfg), '--out', str(tmp_path / 'two'), '-q', '--device', 'cpu'],
                         capture_output=True, text=True, stdin=subprocess.DEVNULL, env=env, timeout=600)
    assert two.returncode == 0, two.stderr[-3000:]
    a, b = weights(tmp_path / 'one' / 'last.safetensors'), weights(tmp_path / 'two' / 'last.safetensors')
    init = weights_at_init(cfg)
    norm = lambda d: sum(v.double().pow(2).sum() for v in d.values()).sqrt().item()
    diff, moved = norm({k: a[k] - b[k] for k in a}), norm({k: a[k] - init[k] for k in a})
    print(f'2 processes vs 1: |weights difference| {diff:.2e}, |change in training| {moved:.2e} (L2 over all weights), '
          f'largest single difference {max((a[k] - b[k]).abs().max().item() for k in a):.1e}')
    assert diff < 1e-3 * moved, (diff, moved)                      # equal up to rounding, and not because nothing moved
    h1, h2 = (load_checkpoint(tmp_path / r / 'last.safetensors')['history'] for r in ('one', 'two'))
    assert len(h1) == len(h2) == 2 and all(abs(x['loss'] - y['loss']) < 1e-5 for x, y in zip(h1, h2)), (h1, h2)
    assert sorted(p.name for p in (tmp_path / 'two').iterdir()) == ['config.json', 'curve.png', 'last.safetensors', 'log.csv']


def weights_at_init(cfg_path):
    from liif_edu.config import get_config
    torch.manual_seed(0)
    return get_config(config_file=cfg_path).model().state_dict()


BAD_CONFIGURATIONS = [
    (['--preset', 'no-such-preset'], 'unknown preset'),
    (['--preset', 'cpu-small', '--data', '{tmp}/missing'], 'no such folder'),
    (['--preset', 'cpu-small', '--data', '{tmp}/empty'], 'no images'),
    (['--config', '{tmp}/reversed.json'], 'scale range is empty'),
    (['--config', '{tmp}/batch0.json'], 'batch_size=0'),
    (['--config', '{tmp}/broken.json'], 'not a JSON config'),
    (['--config', '{tmp}/nope.json'], 'no such config file'),
    (['--preset', 'cpu-small', '--config', '{tmp}/batch0.json'], 'not allowed with'),
    (['--preset', 'cpu-small', '--data', '{tmp}/empty', '--set', 'data={tmp}/empty'], 'give the data once'),
    (['--config', '{tmp}/reversed.json', '--set', 'scale_min=1', '--set', 'batch_size=0'], 'batch_size=0'),
]


def test_bad_configurations_fail_early_with_one_line(tmp_path):
    """Each bad configuration: a non-zero exit, one line that names the fault, and nothing written. The cases run in
    one Python process (`liif_edu_many`), as `liif-edu` would run each."""
    from test_cli import liif_edu_many
    (tmp_path / 'empty').mkdir()
    (tmp_path / 'reversed.json').write_text(json.dumps({**TINY, 'scale_min': 4, 'scale_max': 2}))
    (tmp_path / 'batch0.json').write_text(json.dumps({**TINY, 'batch_size': 0}))
    (tmp_path / 'broken.json').write_text('{"lr": ')
    cases = {expect: ['train', *[a.format(tmp=tmp_path) for a in args], '--out', tmp_path / f'run{i}']
             for i, (args, expect) in enumerate(BAD_CONFIGURATIONS)}
    for i, (expect, r) in enumerate(liif_edu_many(cases, tmp_path).items()):
        assert r.returncode != 0 and 'Traceback' not in r.stderr, (expect, r.stderr)
        assert len(r.stderr.strip().splitlines()) == 1 and expect in r.stderr, (expect, r.stderr)
        assert not (tmp_path / f'run{i}').exists(), expect                 # failed before writing anything


def test_cli_train_then_use_the_checkpoint(tmp_path):
    cfg = config(tmp_path, hidden=[16], batch_size=2, epochs=2, val_data=str(SAMPLES_DIR), val_scale=3)
    r = run('train', '--config', cfg, '--out', tmp_path / 'run', '-q')
    assert r.returncode == 0, r.stderr
    names = sorted(p.name for p in (tmp_path / 'run').iterdir())
    assert names == ['best.safetensors', 'config.json', 'curve.png', 'last.safetensors', 'log.csv'], names
    again = run('train', '--config', cfg, '--out', tmp_path / 'run', '-q')    # never overwrite a run silently
    assert again.returncode != 0 and '--resume' in again.stderr
    up = run('upscale', SAMPLES_DIR / 'coffee.png', '-o', tmp_path / 'big.png', '--scale', '1.5',
             '--model', tmp_path / 'run' / 'best.safetensors', '-q')         # a training checkpoint is a model
    assert up.returncode == 0, up.stderr


def test_resume_from_a_damaged_checkpoint_is_one_line(tmp_path):
    (tmp_path / 'run').mkdir()
    (tmp_path / 'run' / 'last.safetensors').write_bytes(b'\x00' * 100)
    r = run('train', '--config', config(tmp_path, epochs=1), '--out', tmp_path / 'run', '--resume')
    assert r.returncode != 0 and 'Traceback' not in r.stderr, r.stderr
    assert len(r.stderr.strip().splitlines()) == 1 and 'not a liif_edu training checkpoint' in r.stderr, r.stderr
    assert (tmp_path / 'run' / 'last.safetensors').read_bytes() == b'\x00' * 100       # nothing lost


def test_every_ablation_variant_builds_trains_and_evaluates(tmp_path):
    """The six runs of tools/experiments/ablations.py, each for a few steps on the sample photos: build, train, save, evaluate."""
    import runpy
    from liif_edu.cli import parse_setting
    from liif_edu.evaluate import evaluate_set
    from liif_edu.config import get_config
    from liif_edu.runs import train
    from liif_edu.upscale import liif_upscaler
    variants = runpy.run_path(str(ROOT / 'tools' / 'experiments' / 'ablations.py'))['VARIANTS']
    assert set(variants) == {'liif', 'no-cell', 'no-unfold', 'no-ensemble', 'no-depth', 'liif-seed1'}
    tiny = dict(data=str(SAMPLES_DIR), inp_size=16, sample_q=64, batch_size=2, repeat=1, epochs=1, val_data='')
    configs = {}
    for name, (label, sets) in variants.items():
        cfg = get_config('cpu-small', **dict(parse_setting(s) for s in sets), **tiny)
        configs[name] = cfg
        train(cfg, tmp_path / name, progress=False)
        model = load_model(tmp_path / name / 'last.safetensors')
        psnr = evaluate_set(liif_upscaler(model), SAMPLES_DIR, 3)['mean']
        assert 5 < psnr < 60, (name, psnr)
    assert not configs['no-cell'].cell_decode and not configs['no-unfold'].feat_unfold and not configs['no-ensemble'].local_ensemble
    assert configs['no-depth'].hidden == (64,) and configs['liif'].hidden == (64, 64) and configs['liif-seed1'].seed == 1


def test_every_successor_run_builds_the_model_it_names():
    """tools/experiments/successors.py: each run builds the variant it names (method and skip) with the seed it names; the runs of a
    schedule share the encoder, data and schedule; every variant has LIIF's parameter count to within 2%; and the
    fixed-scale baseline's resampling returns the target size."""
    import runpy
    from liif_edu.encoders import count_params
    from liif_edu.lte import LTE
    from liif_edu.metasr import MetaSR
    from liif_edu.model import LIIF
    from liif_edu.config import get_config
    tool = runpy.run_path(str(ROOT / 'tools' / 'experiments' / 'successors.py'))
    plan, kinds = tool['PLAN'], {'liif': LIIF, 'metasr': MetaSR, 'lte': LTE}
    assert [n for n, (_, _, sched, _) in plan.items() if sched == 'main' and 'lr' not in n] == [
        f'{v}-s{s}' for s in (0, 1, 2) for v in ('liif', 'liif-skip', 'lte', 'lte-noskip', 'metasr')]
    bundled = dict(data=str(SAMPLES_DIR), val_data='')
    cfgs = {name: get_config('cpu-small', **{**tool['settings'](name), **bundled}) for name in plan}
    params = {}
    for name, (variant, seed, _, _) in plan.items():
        model = cfgs[name].model()
        assert type(model) is kinds[variant.split('-')[0]] and cfgs[name].seed == seed, name
        assert getattr(model, 'skip', False) == (variant in ('liif-skip', 'lte')), name
        params[variant] = count_params(model)
    assert params['liif'] == 107_235 and all(abs(n / params['liif'] - 1) < 0.02 for n in params.values()), params
    for sched, iterations in (('main', 2900), ('long', 11600)):
        same = {(c.encoder, json.dumps(c.encoder_args), c.epochs, tuple(c.milestones), c.repeat, c.batch_size, c.inp_size, c.sample_q)
                for n, c in cfgs.items() if plan[n][2] == sched}
        assert len(same) == 1, same
        assert next(iter(same))[2] * 145 == iterations                      # 145 iterations per epoch of T91 + BSD200 at repeat 4
    assert {c.seed for c in cfgs.values()} == {0, 1, 2} and all((c.scale_min, c.scale_max) == (1, 4) for c in cfgs.values())
    assert {c.lr for c in cfgs.values()} == {5e-4, 1e-3, 2e-3}
    assert {tool['settings'](n)['val_data'] for n in plan} == {str(SAMPLES_DIR)}   # validated on held-out photos, not a test set
    torch.manual_seed(0)
    out = tool['resampled'](cfgs['liif-s0'].model().eval(), tool['Image'].LANCZOS)(torch.rand(3, 5, 7), (37, 52))
    assert out.shape == (3, 37, 52) and 0 <= out.min() and out.max() <= 1
