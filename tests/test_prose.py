"""The method track's prose is short enough to follow in a room: no sentence over 40 words.

How sentences are counted, in the markdown cells of notebooks 00-11:
- dropped first: fenced code, display maths ($$...$$), tables (lines starting with '|'), HTML tags, and list items or
  lines made only of numbers;
- kept as one word each: inline code (`...`), inline maths ($...$), a link's text stays and its address goes;
- a sentence ends at '.', '!' or '?' followed by a space or the end of a line, at a blank line, and at the end of a
  heading or a list item; abbreviations such as 'e.g.' and 'Sec.' do not end one;
- a word is a run of characters between spaces.

    python tests/test_prose.py            # words per notebook, and every sentence over 40 words
"""
import json
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
METHOD = sorted(p for p in (ROOT / 'nbs').glob('[01][0-9]_*.ipynb'))
LIMIT = 40
ABBREVIATIONS = ('e.g.', 'i.e.', 'etc.', 'Sec.', 'Eq.', 'Eqs.', 'Fig.', 'Figs.', 'Tab.', 'vs.', 'et al.', 'approx.', 'cf.', 'No.')


def plain(markdown: str) -> str:
    "The prose of a markdown cell, with what is not prose removed or reduced to one word."
    text = re.sub(r'```.*?```', ' ', markdown, flags=re.S)
    text = re.sub(r'\$\$.*?\$\$', ' ', text, flags=re.S)
    text = re.sub(r'`[^`]*`', 'CODE', text)
    text = re.sub(r'(?<!\\)\$[^$]+\$', 'MATH', text)
    text = re.sub(r'!?\[([^\]]*)\]\([^)]*\)', r'\1', text)
    text = re.sub(r'<[^>]+>', ' ', text)
    lines = []
    for line in text.splitlines():
        s = line.strip()
        if s.startswith('|') or not re.search(r'[A-Za-z]{2}', s): lines.append(''); continue
        lines.append(s)
    return '\n'.join(lines)


def sentences(markdown: str) -> list:
    "The sentences of a markdown cell, as strings."
    text = plain(markdown)
    for i, a in enumerate(ABBREVIATIONS): text = text.replace(a, f'ABBR{i}')
    out = []
    for block in re.split(r'\n\s*\n', text):
        # headings, list items and quoted list items end a sentence where their line ends
        block = re.sub(r'\n(?=\s*(?:>\s*)*(?:[-*+]|\d+\.|#+)\s)', '\n\n', block)
        for part in re.split(r'\n\n', block):
            for s in re.split(r'(?<=[.!?])\s+', part.replace('\n', ' ')):
                s = re.sub(r'^[>#\s*+-]+|^\d+\.\s', '', s).strip()
                for i, a in enumerate(ABBREVIATIONS): s = s.replace(f'ABBR{i}', a)
                if re.search(r'[A-Za-z]', s): out.append(s)
    return out


def prose(nb: Path) -> list:
    "Every sentence of the notebook's markdown cells."
    cells = json.loads(nb.read_text())['cells']
    return [s for c in cells if c['cell_type'] == 'markdown' for s in sentences(''.join(c['source']))]


def words(s: str) -> int: return len(s.split())


def test_no_long_sentences():
    long = [(nb.name, words(s), s[:120]) for nb in METHOD for s in prose(nb) if words(s) > LIMIT]
    assert not long, f'{len(long)} sentences over {LIMIT} words, e.g. {long[:3]}'


def test_counter():
    "The counter's rules, on a made-up cell."
    cell = ('## A heading\n\nOne short sentence, e.g. this one. Then `code(x, y)` and $a + b$ count once each!\n\n'
            '- a list item\n- another item that ends without a stop\n\n| a | table |\n|---|---|\n\n$$x^2$$\n\n'
            '```python\nprint(1)\n```\n\n2, 3, 4\n\nSee [the docs](https://example.invalid) for more.')
    got = sentences(cell)
    assert got == ['A heading', 'One short sentence, e.g. this one.', 'Then CODE and MATH count once each!', 'a list item',
                   'another item that ends without a stop', 'See the docs for more.'], got


if __name__ == '__main__':
    total = 0
    for nb in METHOD:
        ss = prose(nb)
        n, long = sum(map(words, ss)), [s for s in ss if words(s) > LIMIT]
        total += n
        print(f'{nb.name:32s} {n:6d} words, {len(ss):4d} sentences, {len(long):3d} over {LIMIT}')
        if '-v' in sys.argv:
            for s in long: print(f'    [{words(s)}] {s}')
    print(f'{"method track":32s} {total:6d} words')
