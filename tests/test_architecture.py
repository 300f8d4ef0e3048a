"""The library's shape: imports go one way, from the method core up to the front ends; the course package stands apart;
and each command of `liif-edu` imports only what it needs.

The layers, bottom to top (a module imports only from its own layer or below, and never in a circle):
  0 basics      errors, scales, paths, devices: no PyTorch, so the command line can use them at once
  1 method core coords, latent, ensemble, encoders, model, metasr, lte
  2 fast path   inference
  3 use         images, folders, figures, data, evaluate, train, upscale
  4 files       models, official, download, checkpoint, cards, config, runs, onnx_export: model files, the outside world,
                training runs
  5 front ends  files, animations, demo, cli
and `course` (widgets, drawings, the exercises' checkers) may import anything, while nothing imports it.
"""
import ast
import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
LIB = ROOT / 'liif_edu'
LAYERS = [('errors', 'scales', 'paths', 'devices'),
          ('coords', 'latent', 'ensemble', 'encoders', 'model', 'metasr', 'lte'),
          ('inference',),
          ('images', 'folders', 'figures', 'data', 'evaluate', 'train', 'upscale'),
          ('models', 'official', 'download', 'checkpoint', 'cards', 'config', 'runs', 'onnx_export'),
          ('files', 'animations', 'demo', 'cli')]
RANK = {m: i for i, layer in enumerate(LAYERS) for m in layer}


def module_name(path: Path) -> str:
    return '.'.join(path.relative_to(LIB).with_suffix('').parts)


def package_imports() -> dict:
    """{module: set of liif_edu modules it imports}, counting imports anywhere in the file (inside functions too)."""
    graph = {}
    for path in sorted(LIB.rglob('*.py')):
        name = module_name(path)
        if name in ('_modidx', '__init__') or name.endswith('.__init__'): continue
        package = name.rsplit('.', 1)[0] if '.' in name else ''
        deps = set()
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom):
                mod = node.module or ''
                if node.level:                                    # relative: from .x, from ..x
                    base = package.split('.') if package else []
                    base = base[:len(base) - (node.level - 1)] if node.level > 1 else base
                    full = '.'.join([*base, mod] if mod else base)
                elif mod.startswith('liif_edu.'): full = mod[len('liif_edu.'):]
                elif mod == 'liif_edu': full = ''
                else: continue
                names = [full] if full else []
                names += [f'{full}.{a.name}' if full else a.name for a in node.names]
                deps.update(n for n in names if (LIB / f'{n.replace(".", "/")}.py').exists())
            elif isinstance(node, ast.Import):
                deps.update(a.name[len('liif_edu.'):] for a in node.names if a.name.startswith('liif_edu.'))
        graph[name] = deps - {name}
    return graph


def test_every_module_has_a_layer():
    graph = package_imports()
    unplaced = sorted(m for m in graph if m not in RANK and not m.startswith('course.'))
    assert unplaced == [], f'place these modules in a layer of tests/test_architecture.py: {unplaced}'


def test_imports_go_one_way():
    """No module imports from a layer above its own, and nothing outside `course` imports `course`."""
    wrong = [(m, d) for m, deps in package_imports().items() if not m.startswith('course.')
             for d in deps if d.startswith('course') or RANK.get(d, 99) > RANK[m]]
    assert wrong == [], f'imports against the layers: {wrong}'


def test_no_import_cycles():
    graph = package_imports()
    assert 'upscale' not in graph['evaluate']      # evaluation measures any upscaler it is given, the library's among them
    done, stack = set(), []

    def visit(m):
        if m in stack: raise AssertionError('import cycle: ' + ' -> '.join(stack[stack.index(m):] + [m]))
        if m in done: return
        stack.append(m)
        for d in sorted(graph.get(m, ())): visit(d)
        stack.pop(); done.add(m)
    for m in graph: visit(m)


def test_the_checks_find_what_they_look_for(monkeypatch):
    """The checks themselves: a made-up upward import and a made-up cycle are both reported."""
    import test_architecture as t
    real = package_imports()
    monkeypatch.setattr(t, 'package_imports', lambda: {**real, 'coords': real['coords'] | {'upscale'}})
    with pytest.raises(AssertionError, match="'coords', 'upscale'"): t.test_imports_go_one_way()
    monkeypatch.setattr(t, 'package_imports', lambda: {**real, 'coords': real['coords'] | {'model'}})
    with pytest.raises(AssertionError, match='import cycle'): t.test_no_import_cycles()
    monkeypatch.setattr(t, 'package_imports', lambda: {**real, 'upscale': real['upscale'] | {'course.widgets'}})
    with pytest.raises(AssertionError, match='course.widgets'): t.test_imports_go_one_way()


HEAVY = ('torch', 'matplotlib', 'ipywidgets', 'IPython', 'PIL')


def imports_of(code: str) -> set:
    """The top-level packages that are imported after running `code` in a fresh Python."""
    probe = code + '\nimport json, sys; print(json.dumps(sorted({m.split(".")[0] for m in sys.modules})))'
    out = subprocess.run([sys.executable, '-c', probe], capture_output=True, text=True, check=True, cwd=ROOT).stdout
    return set(json.loads(out.splitlines()[-1]))


def command_modules() -> dict:
    """{command: the liif_edu modules its `_run_...` function in cli.py imports}, read from the code itself."""
    tree = ast.parse((LIB / 'cli.py').read_text())
    out = {}
    for fn in tree.body:
        if isinstance(fn, ast.FunctionDef) and fn.name.startswith('_run_'):
            out[fn.name[len('_run_'):]] = sorted({n.module for n in ast.walk(fn) if isinstance(n, ast.ImportFrom) and (n.module or '').startswith('liif_edu')})
    return out


def test_command_line_starts_lean():
    """`liif-edu --help` and argument errors need none of the heavy packages."""
    assert imports_of('import liif_edu.cli').isdisjoint(HEAVY)


COMMANDS = ['upscale', 'zoom', 'train', 'evaluate', 'demo', 'fetch', 'download', 'models', 'export']


def test_every_command_is_checked():
    assert sorted(command_modules()) == sorted(COMMANDS), command_modules()


@pytest.mark.parametrize('command', COMMANDS)
def test_each_command_imports_what_it_needs(command):
    """Every command's modules: no matplotlib, ipywidgets or IPython (the demo draws its figure with matplotlib, which
    it imports only when it draws)."""
    modules = command_modules()[command]
    assert modules, f'cli._run_{command} imports nothing from liif_edu?'
    loaded = imports_of('\n'.join(f'import {m}' for m in modules))
    assert loaded.isdisjoint(('matplotlib', 'ipywidgets', 'IPython')), (command, modules, loaded & set(HEAVY))


def test_file_level_modules_check_before_importing_torch():
    """The paths of a batch and the name of an animation are checked before PyTorch loads: with `torch` made
    unimportable, the mistakes are still reported as such."""
    code = ('import sys; sys.modules["torch"] = None\n'
            'from liif_edu.files import batch_plan\n'
            'from liif_edu.animations import animation_format\n'
            'for f, args in [(batch_plan, (["missing.png"], "out")), (animation_format, ("zoom.mp4",))]:\n'
            '    try: f(*args)\n'
            '    except ValueError as e: print(e)\n')
    out = subprocess.run([sys.executable, '-c', code], capture_output=True, text=True, cwd=ROOT)
    assert out.returncode == 0, out.stderr
    assert 'missing.png: no such file' in out.stdout and "unknown animation extension '.mp4'" in out.stdout, out.stdout
