"""The static report built from real verdicts: every page exists and says what the JSON says,
nothing is fetched from the network, subject content is escaped, and the reproduce command
selects exactly the case it belongs to."""

from __future__ import annotations

import copy
import json
import re
import shlex
import subprocess
import sys
import xml.etree.ElementTree as ET
from collections import Counter
from pathlib import Path

import pytest

from mwconform.reports.html import build
from mwconform.reports.model import load
from tests.report_site import MUTANTS, Site, shared_site
from tests.selftest import ROOT


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Site:
    return shared_site(tmp_path_factory)


def test_the_results_have_every_kind_of_cell(site: Site) -> None:
    """The fixture is worth testing against: fail, known and n/a verdicts, two profiles."""
    outcomes = Counter(c["outcome"] for c in site.results["cases"])
    assert outcomes["fail"] and outcomes["known"] and outcomes["n/a"] and outcomes["pass"], outcomes
    assert {s["profile"] for s in site.results["subjects"].values()} == {"onion", "hooks"}


def test_every_verdict_subject_and_badge_has_its_page(site: Site) -> None:
    report = load([site.results_file])
    index = site.index.read_text(encoding="utf-8")
    assert len(report.verdicts) == len(site.results["cases"])
    for v in report.verdicts:
        page = (site.out / v.page).read_text(encoding="utf-8")
        assert f'href="{v.page}"' in index
        assert v.id in page and v.subject in page
    for name, slug in report.subject_slugs.items():
        assert name in (site.out / "subjects" / f"{slug}.html").read_text(encoding="utf-8")
        svg = ET.parse(site.out / "badges" / f"{slug}.svg").getroot()
        endpoint = json.loads((site.out / "badges" / f"{slug}.json").read_text(encoding="utf-8"))
        assert endpoint["schemaVersion"] == 1 and endpoint["label"] == "mwconform"
        assert endpoint["message"] in "".join(svg.itertext())
        fails = [c for c in site.results["cases"] if c["subject"] == name and c["outcome"] == "fail" and c["level"] == "MUST"]
        assert (endpoint["color"] == "red") == bool(fails), (name, endpoint)


@pytest.mark.parametrize("name", ["mutant/EarlyResponseSkipsHooks", "aiohttp/native"])
def test_subject_page_lists_what_it_breaks_by_severity_with_reasons(site: Site, name: str) -> None:
    """Fails and known deviations, strongest level first, each with its one-line reason."""
    report = load([site.results_file])
    page = (site.out / "subjects" / f"{report.subject_slugs[name]}.html").read_text(encoding="utf-8")
    breaks = page[page.index('id="breaks"') : page.index("</ol>", page.index('id="breaks"'))]
    broken = [c for c in site.results["cases"] if c["subject"] == name and c["outcome"] in ("fail", "known")]
    assert broken, name
    levels = re.findall(r'class="lv lv-(\w+)"', breaks)
    assert len(levels) == len(broken) and levels == sorted(levels, key=["MUST", "SECURITY", "SHOULD", "PROFILE"].index)
    for c in broken:
        assert c["id"] in breaks and _escaped(c["reason"]) in breaks


def test_markdown_summary_scores_each_subject_as_the_json_does(site: Site) -> None:
    summary = (site.out / "summary.md").read_text(encoding="utf-8")
    assert summary == (site.out.parent / "summary.md").read_text(encoding="utf-8")
    for name in site.results["subjects"]:
        mine = [c for c in site.results["cases"] if c["subject"] == name]
        must = [c["outcome"] for c in mine if c["level"] == "MUST"]
        row = next(line for line in summary.splitlines() if line.startswith(f"| `{name}` "))
        assert f"| {must.count('pass')}/{sum(must.count(o) for o in ('pass', 'fail', 'known'))} |" in row
        assert row.endswith(" | ".join(str(sum(c["outcome"] == o for c in mine)) for o in ("fail", "error", "known", "n/a")) + " |")
    assert summary.count("- **FAIL**") == sum(c["outcome"] == "fail" for c in site.results["cases"])


def test_pages_fetch_nothing_from_the_network(site: Site) -> None:
    """Styles and scripts are inline; only plain links (requirement sources) may leave the site."""
    for page in site.out.rglob("*.html"):
        html = page.read_text(encoding="utf-8")
        assert not re.search(r"<(script|img|link|iframe)[^>]+(src|href)=\"(https?:)?//", html), page
        assert "@import" not in html and "url(http" not in html, page


def test_portability_page_shows_profiles_side_by_side_where_they_differ(site: Site) -> None:
    page = (site.out / "portability.html").read_text(encoding="utf-8")
    block = page[page.index("pipeline/short-circuit.request.B") :]
    block = block[: block.index("<h3>")]
    assert 'data-profile="onion"' in block and 'data-profile="hooks"' in block
    # onion: only A sees B's early 401; hooks: every response hook runs on it.
    assert "401 · A&gt; B&gt; &lt;A:401" in block and "401 · A&gt; B&gt; &lt;C:401 &lt;B:401 &lt;A:401" in block


def test_subject_content_is_escaped_not_executed(site: Site, tmp_path: Path) -> None:
    """A response body or header the subject sent is shown as text, never as markup."""
    doc = copy.deepcopy(site.results)
    case = next(c for c in doc["cases"] if c.get("exchanges"))
    case["exchanges"][0]["response"]["body"] = "<script>document.title='pwned'</script>"
    case["exchanges"][0]["response"]["headers"].append(["x-evil", '"><img src=x onerror=alert(1)>'])
    (tmp_path / "evil.json").write_text(json.dumps(doc), encoding="utf-8")
    build([tmp_path / "evil.json"], tmp_path / "out")
    v = next(v for v in load([tmp_path / "evil.json"]).verdicts if (v.subject, v.id) == (case["subject"], case["id"]))
    page = (tmp_path / "out" / v.page).read_text(encoding="utf-8")
    assert "&lt;script&gt;document.title=" in page and "<script>document" not in page
    assert "<img src=x" not in page


@pytest.mark.parametrize("subject", [MUTANTS[1].split(":")[1].removesuffix("Subject"), "aiohttp/native"])
def test_reproduce_command_selects_exactly_that_case(site: Site, subject: str) -> None:
    """The case page's command, run from the project root, collects that one case and no other."""
    report = load([site.results_file])
    name = subject if "/" in subject else f"mutant/{subject}"
    wanted = "fail" if name.startswith("mutant/") else "known"
    v = next(v for v in report.verdicts if v.subject == name and v.outcome == wanted)
    command = shlex.split(report.reproduce(v))
    assert command[0] == "pytest" and f'<pre id="reproduce"><code>{_escaped(shlex.join(command))}</code></pre>' in (site.out / v.page).read_text(encoding="utf-8")
    proc = subprocess.run([sys.executable, "-m", *command, "--collect-only", "-q", "-p", "no:cacheprovider"], cwd=ROOT, capture_output=True, text=True, timeout=120)
    collected = [line for line in proc.stdout.splitlines() if "::" in line]
    assert collected == [v.nodeid], proc.stdout[-2000:] + proc.stderr[-2000:]


def _escaped(text: str) -> str:
    from markupsafe import escape

    return str(escape(text))
