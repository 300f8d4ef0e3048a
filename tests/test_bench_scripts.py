"""The benchmark scripts in bench/ still run, every section of them, in their `--smoke` mode (seconds).

Nothing here is about speed: the machines that run the tests are shared, so only the exit status and the
presence of each section's heading and table are checked. A section that crashes, or silently disappears, fails.
"""
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

SECTIONS = {
    'inference': ['## plain vs fast path', '| scale | output | plain px/s | fast px/s | speed-up | max abs diff |', '| x2 |',
                  '## self-ensemble', '(eight views: 8x expected)', '## decoder efficiency', 'fast decoder:', 'fraction:',
                  '## peak memory of upscale', 'baseline: importing torch and liif_edu', '| model | job | output | seconds | peak RSS |',
                  '| liif | 16x16 x2 | 32x32 |', '| liif | 16x16 x2, self-ensemble | 32x32 |', '| metasr | 16x16 x2 | 32x32 |',
                  '| lte | 16x16 x2 | 32x32 |', 'liif: upscale vs the plain path on the whole image', 'metasr: upscale vs the plain path',
                  'lte: upscale vs the plain path', 'max abs diff'],
    'speed': ['## seconds per megapixel', '| model | seconds | s/MP | bicubic s/MP | x bicubic |', '| random |',
              '## ONNX (onnxruntime, CPU) against upscale', '| model | upscale s | onnxruntime s | onnxruntime / upscale | max abs diff |'],
    'training': ['## one training step', '| preset | parameters | plain s/step | factorised s/step | speed-up |',
                 '| cpu-small |', '| bundled |'],
}


@pytest.mark.parametrize('name', SECTIONS)
def test_smoke(name):
    r = subprocess.run([sys.executable, f'bench/{name}.py', '--smoke'], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stdout + r.stderr
    for heading in SECTIONS[name]:
        assert heading in r.stdout, f'{heading!r} missing from the output of bench/{name}.py --smoke:\n{r.stdout}'
