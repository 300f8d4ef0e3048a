"""The reference page, nbs/10_reference.ipynb: its links land on headings that exist, its map covers every method
notebook, its glossary has the words the course relies on, and its saved outputs are those of a clean run.

Reads the notebooks' JSON only (no kernel): nbdev_test executes the page itself.
"""
import json
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PAGE = ROOT / 'nbs' / '10_reference.ipynb'
LINK = re.compile(r'\]\(([0-9a-z_]+\.ipynb)(?:#([^)\s]+))?\)')
TERMS = ('latent', 'member', 'rel', 'cell', 'half-cell', 'unfolding', 'ensemble', 'protocol', 'shave')


def cells(path: Path) -> list:
    return json.loads(path.read_text())['cells']


def markdown(path: Path) -> str:
    return '\n'.join(''.join(c['source']) for c in cells(path) if c['cell_type'] == 'markdown')


def anchors(path: Path) -> set:
    """The ids JupyterLab and nbconvert give the notebook's headings: the heading's text, spaces turned into '-'."""
    found = set()
    for line in markdown(path).splitlines():
        m = re.match(r'#{1,6} +(.*)', line)
        if m:
            text = re.sub(r'[`*]', '', m.group(1)).strip()
            found.add(text.replace(' ', '-'))
    return found


def test_anchor_rule():
    page = ROOT / 'nbs' / '02_local_ensemble.ipynb'
    assert 'Why-one-latent-is-not-enough' in anchors(page)
    assert 'The-idea:-ask-the-four-latents-around-the-query,-and-blend' in anchors(page)   # punctuation kept, as both do
    assert 'Units' not in anchors(ROOT / 'nbs' / '00_image_as_function.ipynb')


def test_links_land_on_headings():
    links = LINK.findall(markdown(PAGE))
    assert len(links) > 30, f'only {len(links)} links to the notebooks'
    broken = []
    for target, anchor in links:
        path = ROOT / 'nbs' / target
        if not path.exists(): broken.append(target)
        elif anchor and anchor not in anchors(path): broken.append(f'{target}#{anchor}')
    assert broken == [], f'links to missing notebooks or headings (a heading was renamed?): {sorted(set(broken))}'


def test_map_covers_every_method_notebook():
    text = markdown(PAGE)
    section = text[text.index('## A map to the paper'):text.index('## Glossary')]
    method = sorted(p.name for p in (ROOT / 'nbs').glob('0[0-9]_*.ipynb'))
    missing = [name for name in method if f']({name})' not in section]
    assert missing == [], f'the map to the paper leaves out {missing}'


def test_glossary_has_the_course_words():
    text = markdown(PAGE)
    glossary = text[text.index('## Glossary'):]
    entries = re.findall(r'^- \*\*([^*]+)\*\*', glossary, flags=re.M)
    missing = [t for t in TERMS if t not in entries]
    assert missing == [], f'the glossary lacks {missing}'
    assert entries == sorted(entries, key=str.lower), 'the glossary is in alphabetical order'
    unlinked = [line[:40] for line in glossary.splitlines() if line.startswith('- **') and not LINK.search(line)]
    assert unlinked == [], f'entries without a link to where they are taught: {unlinked}'


def test_saved_outputs_are_a_clean_run():
    """The page runs whole under nbdev_test (no flagged cell), and its saved outputs hold the tables and the diagram."""
    code = [c for c in cells(PAGE) if c['cell_type'] == 'code']
    assert not any(''.join(c['source']).lstrip().startswith(('#| slow', '#| gpu', '#|slow', '#|gpu')) for c in code)
    outputs = [o for c in code for o in c.get('outputs', [])]
    assert not [o for o in outputs if o.get('output_type') == 'error']
    assert sum('image/png' in o.get('data', {}) for o in outputs) == 1
    shown = '\n'.join(''.join(o.get('text', '')) + ''.join(o.get('data', {}).get('text/markdown', '')) for o in outputs)
    assert '| decoder input |' in shown and "'5-layer MLP'" in shown
