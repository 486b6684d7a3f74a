"""The guide shows the code it grades: every code block that names its file (a first line `# path`)
is a verbatim run of that file's lines, and every relative link in docs/ and the README resolves."""

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PAGES = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
EXCERPT = re.compile(r"```python\n# (\S+\.py)\n(.*?)\n```", re.S)
LINK = re.compile(r"\]\((?!https?://|#)([^)#]+)(?:#[^)]*)?\)")


def excerpts() -> list[tuple[str, str, str]]:
    return [(page.name, path, body) for page in PAGES for path, body in EXCERPT.findall(page.read_text(encoding="utf-8"))]


@pytest.mark.parametrize(("page", "path", "body"), excerpts(), ids=[f"{p}:{f}" for p, f, _ in excerpts()])
def test_a_shown_file_excerpt_is_the_file(page: str, path: str, body: str) -> None:
    source = (ROOT / path).read_text(encoding="utf-8")
    assert body in source, f"{page} shows {path} differently from the file: update the page"


def test_the_guide_shows_every_example() -> None:
    shown = {path for _, path, _ in excerpts()}
    examples = {f"examples/{p.name}" for p in (ROOT / "examples").glob("[a-z]*_*.py")}
    assert examples <= shown, f"examples the guide never shows: {sorted(examples - shown)}"


@pytest.mark.parametrize("page", PAGES, ids=[p.name for p in PAGES])
def test_relative_links_resolve(page: Path) -> None:
    broken = [target for target in LINK.findall(page.read_text(encoding="utf-8")) if not (page.parent / target).exists()]
    assert not broken, f"{page.name} links to missing files: {broken}"
