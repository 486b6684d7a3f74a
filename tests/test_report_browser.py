"""The built report in a real headless Chromium (Debian's `chromium`, driven by Playwright through
`executable_path`; Playwright's own browser download is never used): counts on the page equal the
JSON, the packages that break MUST or SECURITY requirements show in the first screen worst first,
the filters work, a matrix loads only when it nears the window, a failing case's page shows its
exchange drawn by its script (what the subject sent drawn as text, never run; a page whose script
did not run says so), nothing is fetched from the network, and the index, a subject page and a case page render at 1280 px and at a phone width (screenshots
of each are taken and their key elements checked)."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest

from mwconform.reports.html import build
from mwconform.reports.model import load
from tests.chromium import ARGS, CHROMIUM, MISSING
from tests.report_site import HOSTILE_BODY, HOSTILE_HEADER, Site, hostile_site, one_case, shared_site

PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Site:
    return shared_site(tmp_path_factory)


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    if not CHROMIUM.exists():
        pytest.skip(MISSING)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        yield chromium
        chromium.close()


def _open(browser: object, viewport: dict[str, int], url: str, fetched: list[str], errors: list[str]) -> object:
    page = browser.new_page(viewport=viewport)  # type: ignore[attr-defined]
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    page.on("request", lambda request: None if request.url.startswith("file://") else fetched.append(request.url))
    page.goto(url)
    return page


def test_report_in_chromium(site: Site, browser: object, tmp_path: Path) -> None:
    results = site.results["cases"]
    report = load([site.results_file])
    fetched: list[str] = []
    errors: list[str] = []
    page = _open(browser, DESKTOP, site.index.as_uri(), fetched, errors)

    # Without scrolling: per area, the packages that break MUST or SECURITY requirements, worst first.
    glance = page.locator("#glance").bounding_box()
    assert glance is not None and glance["y"] + glance["height"] <= DESKTOP["height"], glance
    for area in report.areas:
        ranked = page.locator(f'#glance section[data-area="{area}"] li[data-subject]').evaluate_all("items => items.map(i => i.dataset.subject)")
        assert ranked == [c.subject for c in report.ranking(area)]
        breaking = [name for name in ranked if report.standing(name, area).blocking]
        assert ranked[: len(breaking)] == breaking  # those breaking MUST or SECURITY come first
    broken = {c["subject"] for c in results if c["outcome"] in ("fail", "known") and c["level"] in ("MUST", "SECURITY")}
    assert {n for n in page.locator("#glance li.bad").evaluate_all("items => items.map(i => i.dataset.subject)")} == broken

    # Totals per subject equal the JSON: passed and judged per level, and each outcome's count.
    for name in site.results["subjects"]:
        mine = [c for c in results if c["subject"] == name]
        row = page.locator(f'table.rank tr[data-subject="{name}"]')
        for level in ("MUST", "SECURITY", "SHOULD", "PROFILE"):
            at = [c["outcome"] for c in mine if c["level"] == level]
            judged = sum(at.count(o) for o in ("pass", "fail", "known"))
            if judged:
                assert row.locator(f'td[data-level="{level}"]').inner_text().strip() == f"{at.count('pass')}/{judged}", (name, level)
        for outcome in ("fail", "error", "n/a", "known"):
            assert int(row.locator(f'td[data-outcome="{outcome}"]').get_attribute("data-count")) == sum(c["outcome"] == outcome for c in mine)

    # The matrices are drawn from data/<area>.js as they come into view, and not before.
    low = _open(browser, {"width": 390, "height": 400}, site.index.as_uri(), fetched, errors)
    low.evaluate("new Promise(done => requestAnimationFrame(() => requestAnimationFrame(done)))")  # the observer has reported
    assert low.evaluate("document.querySelectorAll('script[src^=\"data/\"]').length") == 0 and low.locator(".matrix[data-ready]").count() == 0
    low.locator(".matrix").first.scroll_into_view_if_needed()
    low.wait_for_selector(".matrix[data-ready] tr.case")
    low.close()
    for matrix in page.locator(".matrix").all():
        matrix.scroll_into_view_if_needed()
    page.wait_for_function("!document.querySelector('.matrix:not([data-ready])')")

    # The matrix: one row per case, one cell per verdict, each saying the JSON's outcome.
    cases = page.locator(".matrix tr.case")
    total = len({(c["suite"], c["id"]) for c in results})
    assert cases.count() == total
    shown = Counter(page.locator(".matrix td.cell[data-outcome]").evaluate_all("cells => cells.map(c => c.dataset.subject + ' ' + c.innerText.trim())"))
    assert shown == Counter(f"{c['subject']} {c['outcome']}" for c in results)

    # Filters: outcome, level, area, search; the counter says how many rows are visible.
    def visible() -> int:
        return page.locator(".matrix tr.case:visible").count()

    page.select_option("#f-outcome", "fail")
    failing = {(c["suite"], c["id"]) for c in results if c["outcome"] == "fail"}
    assert visible() == len(failing) and page.locator("#shown").inner_text().startswith(f"{len(failing)} of")
    page.screenshot(path=str(tmp_path / "index-failures-1280.png"), full_page=True)
    page.select_option("#f-level", "SHOULD")
    assert visible() == len({(c["suite"], c["id"]) for c in results if c["outcome"] == "fail" and c["level"] == "SHOULD"})
    page.select_option("#f-outcome", "")
    page.select_option("#f-level", "")
    page.select_option("#f-area", "pipeline")
    assert visible() == total

    def search(text: str, expected: int) -> None:
        """Type into the search box; it filters after a pause in typing, then says how many match."""
        page.fill("#f-q", text)
        page.wait_for_function(f"document.getElementById('shown').textContent.startsWith('{expected} of')")
        assert visible() == expected

    search("short-circuit.request.b", 1)
    search("no such case anywhere", 0)
    assert page.locator(".matrix tr.req:visible").count() == 0
    search("", total)

    # A failing case, one click away: its page shows the exchange the JSON recorded.
    failed = next(c for c in results if c["outcome"] == "fail" and c["subject"] == "mutant/EarlyResponseSkipsHooks")
    v = next(v for v in report.verdicts if (v.subject, v.id) == (failed["subject"], failed["id"]))
    page.click(f'.matrix a[href="{v.page}"]')
    section = page.locator("section.verdict:target")  # its section on the page of the subject's neighbouring cases
    exchange = failed["exchanges"][0]
    assert section.get_attribute("id") == v.anchor and section.locator(".outcome").inner_text() == "fail"
    assert section.locator("pre.http-request").first.inner_text().startswith(f"{exchange['request']['method']} {exchange['request']['path']} HTTP/1.1")
    assert section.locator("pre.http-response").first.inner_text().startswith(f"HTTP/1.1 {exchange['response']['status']}")
    assert section.locator("ins, del").count() > 0  # the differing trace tokens are marked
    assert failed["reason"] in section.locator(".reason").inner_text()
    assert section.evaluate("s => s.getBoundingClientRect().top") < 50  # scrolled to it
    page.screenshot(path=str(tmp_path / "case-1280.png"), full_page=True)

    # At desktop and phone width: each page renders its key elements, and the body never scrolls
    # sideways (the matrices have their own scrollers); a screenshot of each is kept.
    subject_page = site.out / "subjects" / f"{report.subject_slugs[failed['subject']]}.html"
    target = "section.verdict:target "
    key_elements = {
        site.index.as_uri(): ["#glance", "table.rank", ".matrix"],
        subject_page.as_uri(): ["#statement", "#standing", "#breaks"],
        f"{(site.out / v.file).as_uri()}#{v.anchor}": [target + ".outcome", target + ".reason", target + ".reproduce", target + "table.cmp"],
        (site.out / "portability.html").as_uri(): ["#profiles"],
    }
    for url, wanted in key_elements.items():
        name = url.rsplit("/", 1)[1].split(".")[0]
        for viewport in (DESKTOP, PHONE):
            p = _open(browser, viewport, url, fetched, errors)
            for selector in wanted:
                assert p.locator(selector).first.is_visible(), f"{name} at {viewport['width']} px shows no {selector}"
            overflow = p.evaluate("document.documentElement.scrollWidth - window.innerWidth")
            assert overflow <= 0, f"{name} at {viewport['width']} px is {overflow} px too wide"
            shot = tmp_path / f"{name}-{viewport['width']}.png"
            p.screenshot(path=str(shot))
            assert shot.stat().st_size > 10_000  # a rendered page, not a blank one
            p.close()
    assert not fetched, f"the report fetched from the network: {fetched}"
    assert not errors, f"errors in the browser console: {errors}"
    print(f"screenshots: {tmp_path}")


def test_what_a_subject_sent_is_drawn_as_text_never_run(site: Site, browser: object, tmp_path: Path) -> None:
    """A response body and header holding `<script>`, `</script>`, `<!--` and an `<img onerror>`
    appear on the case page as the characters they are; nothing of them runs or becomes an element."""
    page_file, anchor = hostile_site(site, tmp_path)
    fetched: list[str] = []
    errors: list[str] = []
    page = _open(browser, DESKTOP, f"{page_file.as_uri()}#{anchor}", fetched, errors)
    section = page.locator("section.verdict:target")
    response = section.locator("pre.http-response").first.inner_text()
    assert HOSTILE_BODY in response and f"{HOSTILE_HEADER[0]}: {HOSTILE_HEADER[1]}" in response
    assert page.locator("main script").count() == 3 and page.locator("main img").count() == 0
    assert page.title() not in ("pwned", "1") and not page.locator("#not-drawn").count()
    assert not fetched and not errors, (fetched, errors)
    page.close()


def test_a_case_page_whose_script_did_not_run_says_so(site: Site, browser: object, tmp_path: Path) -> None:
    """Without its assets (scripts off, or the file missing) a case page shows each verdict's case
    and outcome, and says the evidence was not drawn and where it is, rather than showing it blank."""
    report = load([site.results_file])
    v = next(v for v in report.verdicts if v.outcome == "fail")
    alone = tmp_path / "cases" / "x" / "page.html"  # ../../assets does not exist here
    alone.parent.mkdir(parents=True)
    alone.write_text((site.out / v.file).read_text(encoding="utf-8"), encoding="utf-8")
    page = _open(browser, DESKTOP, f"{alone.as_uri()}#{v.anchor}", [], [])
    assert "did not run" in page.locator("#not-drawn").inner_text()
    section = page.locator("section.verdict:target")
    assert section.locator(".outcome").inner_text() == "fail" and f"{v.suite}/{v.id}" in section.inner_text()
    page.close()


@pytest.mark.parametrize(
    ("changes", "compared"),
    [
        ({"expected": {"a": [1, {"b": None}]}, "observed": "a string where a list was"}, ["value ≠"]),
        ({"expected": ["words", 3, None], "observed": [{"status": "not a number"}], "exchanges": []}, ["value ≠"]),
        ({"expected": "one statement, no request", "observed": None, "differences": ["GET /x: answered 500"], "exchanges": []}, ["checked ≠"]),
        ({"expected": {"status": 200, "headers": {"x-a": "1"}}, "observed": {"status": 500, "headers": {"x-b": "2"}}}, ["status ≠", "headers x-a ≠", "headers x-b ≠"]),
    ],
    ids=["dict-against-string", "mixed-lists", "words-against-other-exchanges", "dicts-with-headers"],
)
def test_evidence_of_any_shape_is_drawn(site: Site, browser: object, tmp_path: Path, changes: dict, compared: list[str]) -> None:
    """Whatever shape a suite gives expected and observed, case.js draws the comparison (the
    fields named in `compared`) and no verdict is left undrawn."""
    (tmp_path / "odd.json").write_text(json.dumps(one_case(site.results, **changes)), encoding="utf-8")
    build([tmp_path / "odd.json"], tmp_path / "out")
    (v,) = load([tmp_path / "odd.json"]).verdicts
    errors: list[str] = []
    page = _open(browser, DESKTOP, f"{(tmp_path / 'out' / v.file).as_uri()}#{v.anchor}", [], errors)
    labels = page.locator("section.verdict:target table.cmp tr > th:first-child").evaluate_all("cells => cells.map(c => c.textContent)")
    assert labels[1:] == compared and "could not be drawn" not in page.content() and not errors, (labels, errors)
    page.close()
