"""What several test files share: the `liif-edu` command run as a user runs it, and the check of a clean failure."""
import json
import subprocess
import sys


def liif_edu(*args, env=None, cwd=None):
    "The installed `liif-edu` command, run with `args`, no standard input, its output captured."
    return subprocess.run(['liif-edu', *map(str, args)], capture_output=True, text=True, stdin=subprocess.DEVNULL, env=env, cwd=cwd,
                          timeout=600)


RUN_MANY = r'''
import contextlib, io, json, sys, traceback
from liif_edu.cli import main
results = {}
for name, args in json.loads(open(sys.argv[1]).read()).items():
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try: rc = main(args)
        except SystemExit as e: rc = e.code if isinstance(e.code, int) else 1     # argparse's exit status 2
        except BaseException: traceback.print_exc(); rc = 1                         # the traceback the checks look for
    results[name] = [rc, out.getvalue(), err.getvalue()]
print(json.dumps(results))
'''


def liif_edu_many(cases, tmp_path):
    """{name: result} of `liif-edu ARGS` for each {name: ARGS}, all in one Python process: what `liif-edu` does is
    `sys.exit(main())`, and one start instead of one per case saves the ~2 s that importing torch costs each time."""
    spec = tmp_path.parent / f'{tmp_path.name}-cases.json'      # outside tmp_path, whose files the checks count
    spec.write_text(json.dumps({name: list(map(str, args)) for name, args in cases.items()}))
    r = subprocess.run([sys.executable, '-c', RUN_MANY, str(spec)], capture_output=True, text=True, stdin=subprocess.DEVNULL)
    assert r.returncode == 0, r.stderr
    return {name: subprocess.CompletedProcess(cases[name], rc, out, err) for name, (rc, out, err) in json.loads(r.stdout.splitlines()[-1]).items()}


def assert_clean_failure(result, out_dir, expect):
    "A failure as the project promises it: exit status != 0, one line on stderr naming `expect`, no traceback, no output file."
    assert result.returncode != 0, result.stdout
    assert 'Traceback' not in result.stderr, result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert expect.lower() in result.stderr.lower(), result.stderr
    assert not [p.name for p in out_dir.iterdir() if p.name.startswith(('out', '.out'))]
