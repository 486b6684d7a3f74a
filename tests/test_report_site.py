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
from tests.report_site import HOSTILE_BODY, HOSTILE_HEADER, MUTANTS, Site, case_of, hostile_site, one_case, shared_site
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
    """Each verdict has its section on a case page, whose data holds its whole case as the results
    file does (evidence included), and the index's matrix data links to exactly those sections."""
    report = load([site.results_file])
    assert len(report.verdicts) == len(site.results["cases"])
    cases = {(c["subject"], c["suite"], c["id"]): c for c in site.results["cases"]}
    for v in report.verdicts:
        page = (site.out / v.file).read_text(encoding="utf-8")
        section = page[page.index(f'<section class="verdict" id="{v.anchor}"') :]
        section = section[: section.index("</section>")]
        assert f"<code>{v.suite}/{v.id}</code>" in section and v.subject in page
        assert case_of(site.out / v.file, v.anchor)[1] == cases[(v.subject, v.suite, v.id)]
    assert _matrix_links(site.out) == Counter(v.page for v in report.verdicts)
    for name, slug in report.subject_slugs.items():
        assert name in (site.out / "subjects" / f"{slug}.html").read_text(encoding="utf-8")
        svg = ET.parse(site.out / "badges" / f"{slug}.svg").getroot()
        endpoint = json.loads((site.out / "badges" / f"{slug}.json").read_text(encoding="utf-8"))
        assert endpoint["schemaVersion"] == 1 and endpoint["label"] == "mwconform"
        assert endpoint["message"] in "".join(svg.itertext())
        # Red when a MUST or SECURITY case is broken, a known deviation as much as an unrecorded failure.
        broken = [c for c in site.results["cases"] if c["subject"] == name and c["outcome"] in ("fail", "known") and c["level"] in ("MUST", "SECURITY")]
        assert (endpoint["color"] == "red") == bool(broken), (name, endpoint)


@pytest.mark.parametrize("name", ["mutant/EarlyResponseSkipsHooks", "aiohttp/native"])
def test_subject_page_lists_each_distinct_reason_once_with_its_cases_by_severity(site: Site, name: str) -> None:
    """Fails and known deviations: one entry per distinct reason, strongest level first, each
    linking every case it covers; the page opens with the subject's conformance statement."""
    report = load([site.results_file])
    page = (site.out / "subjects" / f"{report.subject_slugs[name]}.html").read_text(encoding="utf-8")
    breaks = page[page.index('id="breaks"') : page.index("</ol>", page.index('id="breaks"'))]
    broken = [c for c in site.results["cases"] if c["subject"] == name and c["outcome"] in ("fail", "known")]
    reasons = {(c["outcome"], c["reason"]) for c in broken}
    assert broken, name
    entries = breaks.split('<li class="reason"')[1:]
    assert len(entries) == len(reasons)
    levels = [re.search(r'class="lv lv-(\w+)"', e).group(1) for e in entries]  # type: ignore[union-attr]
    assert levels == sorted(levels, key=["MUST", "SECURITY", "SHOULD", "PROFILE"].index)
    for outcome, reason in reasons:
        (entry,) = [e for e in entries if f'data-outcome="{outcome}"' in e and _escaped(reason) in e]
        assert {c["id"] for c in broken if (c["outcome"], c["reason"]) == (outcome, reason)} == set(re.findall(r"<code>pipeline/([^<]+)</code>", entry))
    statement = re.search(r'<p id="statement"[^>]*><b>([^<]+)</b>', page).group(1)  # type: ignore[union-attr]
    blocking = any(c["level"] in ("MUST", "SECURITY") for c in broken)
    assert statement.startswith("not conformant: breaks") == blocking, statement


def test_markdown_summary_states_conformance_and_lists_broken_must_and_security(site: Site) -> None:
    """Per subject its scores and conformance; every broken MUST or SECURITY requirement listed,
    known deviations included; every unrecorded failure listed once more with its case."""
    summary = (site.out / "summary.md").read_text(encoding="utf-8")
    assert summary == (site.out.parent / "summary.md").read_text(encoding="utf-8")
    for name in site.results["subjects"]:
        mine = [c for c in site.results["cases"] if c["subject"] == name]
        must = [c["outcome"] for c in mine if c["level"] == "MUST"]
        row = next(line for line in summary.splitlines() if f"| `{name}` " in line)
        assert f"| {must.count('pass')}/{sum(must.count(o) for o in ('pass', 'fail', 'known'))} |" in row
        assert row.endswith(" | ".join(str(sum(c["outcome"] == o for c in mine)) for o in ("fail", "error", "known", "n/a")) + " |")
        levels = {rid: r["level"] for rid, r in site.results["requirements"].items()}
        blocking = {next(r for r in c["requirements"] if levels[r] == c["level"]) for c in mine if c["outcome"] in ("fail", "known") and c["level"] in ("MUST", "SECURITY")}
        assert ("not conformant" in row) == bool(blocking), row
        for rid in blocking:
            assert any(line.startswith(("- **FAIL** [", "- **KNOWN** [")) and f"`{name}` `{rid}`:" in line for line in summary.splitlines()), (name, rid)
    unrecorded = summary[summary.index("### Unrecorded failures") :]
    assert unrecorded.count("- **FAIL**") == sum(c["outcome"] == "fail" for c in site.results["cases"])


def test_pages_fetch_nothing_from_the_network(site: Site) -> None:
    """Styles and scripts are the site's own files; only plain links (requirement sources) may leave the site."""
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
    """A response body or header the subject sent travels as JSON data with every `<` escaped: it
    can neither end the script element nor open markup (test_report_browser.py shows it drawn as text)."""
    page, anchor = hostile_site(site, tmp_path)
    html = page.read_text(encoding="utf-8")
    assert "<script>document" not in html and "<img" not in html and "<!--" not in html
    assert html.count("</script>") == 3  # the data's element and the two scripts, nothing of the subject's
    response = case_of(page, anchor)[1]["exchanges"][0]["response"]
    assert response["body"] == HOSTILE_BODY and list(HOSTILE_HEADER) in response["headers"]


@pytest.mark.parametrize("subject", [MUTANTS[1].split(":")[1].removesuffix("Subject"), "aiohttp/native"])
def test_reproduce_command_selects_exactly_that_case(site: Site, subject: str) -> None:
    """The case page's command, run from the project root, collects that one case and no other."""
    report = load([site.results_file])
    name = subject if "/" in subject else f"mutant/{subject}"
    wanted = "fail" if name.startswith("mutant/") else "known"
    v = next(v for v in report.verdicts if v.subject == name and v.outcome == wanted)
    command = shlex.split(report.reproduce(v))
    assert command[0] == "pytest" and case_of(site.out / v.file, v.anchor)[0]["reproduce"] == shlex.join(command)
    proc = subprocess.run([sys.executable, "-m", *command, "--collect-only", "-q", "-p", "no:cacheprovider"], cwd=ROOT, capture_output=True, text=True, timeout=120)
    collected = [line for line in proc.stdout.splitlines() if "::" in line]
    assert collected == [v.nodeid], proc.stdout[-2000:] + proc.stderr[-2000:]


def _matrix_links(out: Path) -> Counter[str]:
    """The verdict links the index's matrices draw from data/<area>.js (as reports/matrix.py documents them)."""
    links: Counter[str] = Counter()
    for script in (out / "data").glob("*.js"):
        d = json.loads(script.read_text(encoding="utf-8").removeprefix("mwconformArea(").removesuffix(");\n"))
        for i, row in enumerate(d["rows"]):
            for (_, slug, _, _), code in zip(d["columns"], row[7]):
                if code != "-":
                    links[f"cases/{slug}/{d['slug']}-{i // d['per_page']}.html#{row[4]}"] += 1
    return links


def _escaped(text: str) -> str:
    from markupsafe import escape

    return str(escape(text))


@pytest.mark.parametrize(
    "changes",
    [
        {"expected": {"a": [1, {"b": None}]}, "observed": "a string where a list was"},
        {"expected": ["words", 3, None], "observed": [{"status": "not a number"}], "exchanges": []},
        {"id": "x" * 400, "title": "<b>" * 50},
        {"subject": "s/" + "y" * 300},
    ],
    ids=["evidence-of-another-shape", "mixed-lists", "id-longer-than-a-file-name", "subject-longer-than-a-file-name"],
)
def test_odd_but_valid_results_render_safely_with_capped_page_names(site: Site, tmp_path: Path, changes: dict) -> None:
    (tmp_path / "odd.json").write_text(json.dumps(one_case(site.results, **changes)), encoding="utf-8")
    index = build([tmp_path / "odd.json"], tmp_path / "out")
    assert index.is_file()
    assert all(len(p.name) <= 100 for p in (tmp_path / "out").rglob("*")), sorted(p.name for p in (tmp_path / "out").rglob("*") if len(p.name) > 100)
    assert "<b><b>" not in "".join(p.read_text(encoding="utf-8") for p in (tmp_path / "out").rglob("*.html"))


def test_a_results_file_nested_100000_deep_is_refused_in_one_line(site: Site, tmp_path: Path) -> None:
    text = json.dumps(one_case(site.results, expected="@"))
    (tmp_path / "deep.json").write_text(text.replace('"@"', "[" * 100_000 + "]" * 100_000), encoding="utf-8")
    proc = subprocess.run([sys.executable, "-m", "mwconform.cli", "report", str(tmp_path / "deep.json"), "-o", str(tmp_path / "out")], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 2 and proc.stderr.strip() == f"mwconform: error: cannot read results file {tmp_path / 'deep.json'}: its JSON nests deeper than Python's parser goes"


def test_markdown_summary_escapes_what_it_quotes(site: Site, tmp_path: Path) -> None:
    """A reason can carry a response body: markup in it must stay text in a step summary."""
    case = next(c for c in site.results["cases"] if c["outcome"] == "fail")
    doc = one_case(site.results, **{k: case[k] for k in ("outcome", "level", "requirements", "subject")}, reason="<img src=x onerror=alert(1)> | **bold** [link](https://evil.example)\nsecond line")
    (tmp_path / "r.json").write_text(json.dumps(doc), encoding="utf-8")
    build([tmp_path / "r.json"], tmp_path / "out")
    summary = (tmp_path / "out" / "summary.md").read_text(encoding="utf-8")
    for markup in ("<img", "**bold", "[link]"):
        assert not re.search(r"(?<!\\)" + re.escape(markup), summary), markup
    assert "\\<img src=x onerror=alert(1)\\> \\| \\*\\*bold\\*\\* \\[link\\](https://evil.example) second line" in summary


def test_several_runs_of_one_subject_get_a_page_of_verdicts_run_by_run(site: Site, tmp_path: Path) -> None:
    """The version axis: the same subject graded under two framework versions; its runs page has
    one column per version and a row for each case whose outcome changed."""
    name = "aiohttp/native"
    old = copy.deepcopy(site.results)
    old["subjects"][name]["versions"]["aiohttp"] = "3.10.11"
    flipped = next(c for c in old["cases"] if c["subject"] == name and c["outcome"] == "pass")
    flipped.update(outcome="fail", reason="planted: differs under the old version")
    (tmp_path / "old.json").write_text(json.dumps(old), encoding="utf-8")
    build([tmp_path / "old.json", site.results_file], tmp_path / "out")
    report = load([tmp_path / "old.json", site.results_file])
    page = (tmp_path / "out" / "subjects" / f"{report.subject_slugs[name]}.runs.html").read_text(encoding="utf-8")
    new_version = site.results["subjects"][name]["versions"]["aiohttp"]
    assert "<th>aiohttp 3.10.11</th><th>aiohttp " + new_version + "</th>" in page
    assert page.count("<tr data-case=") == 1 and f'data-case="pipeline/{flipped["id"]}"' in page
    assert "planted: differs under the old version" in page
    assert 'id="runs-link"' in (tmp_path / "out" / "subjects" / f"{report.subject_slugs[name]}.html").read_text(encoding="utf-8")


def test_the_index_does_not_grow_with_the_cases_and_case_pages_hold_a_bounded_number(site: Site, tmp_path: Path) -> None:
    """At scale the index stays the same size: its matrices are data files loaded when seen.
    Here the same results with every case copied 8 times under new ids: the index grows by its
    counters only, and no case page holds more than PAGE_CASES verdicts."""
    from mwconform.reports.model import PAGE_CASES

    many = copy.deepcopy(site.results)
    many["cases"] = [c | {"id": f"{c['id']}-copy{n}", "nodeid": f"{c['nodeid']}-copy{n}"} for n in range(8) for c in site.results["cases"]]
    (tmp_path / "many.json").write_text(json.dumps(many), encoding="utf-8")
    index = build([tmp_path / "many.json"], tmp_path / "out")
    assert index.stat().st_size < site.index.stat().st_size + 200, (index.stat().st_size, site.index.stat().st_size)
    pages = list((tmp_path / "out" / "cases").rglob("*.html"))
    sections = [p.read_text(encoding="utf-8").count('<section class="verdict"') for p in pages]
    assert max(sections) == PAGE_CASES and sum(sections) == len(many["cases"])
    assert _matrix_links(tmp_path / "out") == Counter(v.page for v in load([tmp_path / "many.json"]).verdicts)
