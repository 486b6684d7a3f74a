"""The HTML conformance report: a static site built from results files, readable from file://.

    out/index.html              per area: packages ranked worst first, the reference baseline, the matrix
    out/data/<area>.js          an area's matrix, loaded by the index when it comes into view (reports/matrix.py)
    out/subjects/<s>.html       what one subject breaks: one entry per distinct reason, by severity
    out/subjects/<s>.runs.html  its verdicts run by run (versions), when several files grade it
    out/cases/<s>/<area>-<n>.html  a subject's verdicts on PAGE_CASES consecutive cases of an area, one
                                anchor each: requirement, expectation, evidence, reproduce command,
                                drawn by assets/case.js from the JSON the page carries
    out/portability.html        where framework profiles (and subjects) differ, side by side
    out/requirements.html       every requirement's level, text and sources, once (case pages link here)
    out/badges/<s>.svg|.json    a badge and a shields.io endpoint per subject
    out/assets/                 the one stylesheet, the index's script and the case pages' (case.js), shared by every page
    out/summary.md              the Markdown summary (also written to --markdown PATH)

Everything is local: nothing is fetched from the network, and it works from file://.
"""

from __future__ import annotations

import json
import re
from http import HTTPStatus
from importlib.resources import files
from pathlib import Path
from typing import Any

from jinja2 import Environment, PackageLoader, StrictUndefined
from markupsafe import Markup, escape

from . import badges, markdown, matrix, portability
from .conformance import STATUS_TEXT
from .model import OUTCOMES, CasePage, Report, by_severity, load

#: Files copied as they are from templates/ into the site's assets/.
ASSETS = ("report.css", "matrix.js", "case.js")
#: Packages listed per area on the index's first screen; the ranking table below lists them all.
GLANCE = 10


def build(paths: list[Path], out: Path, summary_to: Path | None = None) -> Path:
    """Write the report of `paths` into `out`; return the path of its index page.

    A file that is not a valid results file raises ValueError with one line naming it.
    """
    report = load(paths)
    try:
        _pages(report, out)
    finally:
        report.close()
    index = out / "index.html"
    text = markdown.summary(report, index=str(index.resolve()))
    (out / "summary.md").write_text(text, encoding="utf-8")
    if summary_to is not None:
        summary_to.parent.mkdir(parents=True, exist_ok=True)
        summary_to.write_text(text, encoding="utf-8")
    return index


def _pages(report: Report, out: Path) -> None:
    """Every HTML page, data script, asset and badge of the site."""
    env = _environment()
    for folder in ("subjects", "cases", "badges", "data", "assets"):
        (out / folder).mkdir(parents=True, exist_ok=True)
    for name in ASSETS:
        (out / "assets" / name).write_text(files("mwconform.reports.templates").joinpath(name).read_text(encoding="utf-8"), encoding="utf-8")
    # Reason phrases for case.js's status lines, from Python's table rather than a copy of it.
    (out / "assets" / "http-status.js").write_text(f"var MWC_STATUS = {json.dumps({s.value: s.phrase for s in HTTPStatus})};\n", encoding="utf-8")

    def page(template: str, path: str, **context: Any) -> None:
        root = "../" * path.count("/")
        (out / path).write_text(env.get_template(template).render(report=report, root=root, **context), encoding="utf-8")

    badge_of = {name: badges.badge(report.standing(name)) for name in report.subject_names}
    page("index.html.j2", "index.html", badges=badge_of)
    for area in report.areas:
        (out / "data" / f"{report.area_slugs[area]}.js").write_text(matrix.script(report, area), encoding="utf-8")
    for name in report.subject_names:
        slug = report.subject_slugs[name]
        page("subject.html.j2", f"subjects/{slug}.html", name=name, badge=badge_of[name])
        if name in report.history:
            page("runs.html.j2", f"subjects/{slug}.runs.html", name=name)
        (out / "badges" / f"{slug}.svg").write_text(env.get_template("badge.svg.j2").render(badge=badge_of[name]), encoding="utf-8")
        (out / "badges" / f"{slug}.json").write_text(json.dumps(badge_of[name].endpoint()), encoding="utf-8")
    for name in report.subject_names:
        (out / "cases" / report.subject_slugs[name]).mkdir(exist_ok=True)
    case_template = env.get_template("case.html.j2")
    for cp in report.case_pages():
        # Each page is written as soon as it is rendered: no rendered page is held.
        rendered = case_template.render(report=report, root="../../", page=cp, area_slug=report.area_slugs[cp.area], data=_case_data(report, cp))
        (out / cp.file).write_text(rendered, encoding="utf-8")
    page("requirements.html.j2", "requirements.html", requirements=sorted(report.requirements.items()))
    page(
        "portability.html.j2",
        "portability.html",
        profiles=portability.profile_differences(report),
        outcomes_differ=portability.outcome_differences(report),
    )


def _environment() -> Environment:
    # autoescape on for every template (their names end in .j2, which select_autoescape would miss):
    # response bodies and headers are the subject's, and a report must never run them.
    env = Environment(loader=PackageLoader("mwconform.reports", "templates"), autoescape=True, undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True)
    env.filters["cls"] = lambda outcome: "o-" + outcome.replace("/", "")
    env.filters["wbr"] = _breakable
    env.globals["OUTCOMES"] = OUTCOMES
    env.globals["severity"] = by_severity
    env.globals["STATUS_TEXT"] = STATUS_TEXT
    env.globals["GLANCE"] = GLANCE
    return env


def _case_data(report: Report, cp: CasePage) -> Markup:
    """The JSON that case.js draws a case page's verdicts from, safe inside a script element.

        {"page": {"root", "area" (its slug), "n", "subjects": [[name, slug]], "requirements": {id: [level, title]}},
         "verdicts": [[anchor, level counted, reproduce command, profile, mode, [[subject, outcome]], {outcome: how many more}]],
         "cases": [each verdict's case as the results file holds it, evidence included]}

    A verdict's `[[subject, outcome]]` are its case on other subjects (report.others), the subject
    an index into the page's `subjects`. The cases are copied from the file's text, never encoded
    again. Every `<` is written `\\u003c`, so nothing in it (a `</script>` or `<!--` in a response
    body) can end the element or open a comment."""
    subjects: dict[str, int] = {}
    requirements: dict[str, list[str]] = {}
    verdicts = []
    described = report.requirements
    for v in cp.verdicts:
        shown, more = report.others(v)
        others = [[subjects.setdefault(o.subject, len(subjects)), o.outcome] for o in shown]
        verdicts.append([v.anchor, v.counted, report.reproduce(v), v.profile or report.subjects[v.subject]["profile"], v.mode or v.run["mode"], others, more])
        for rid in v.requirements:
            if rid not in requirements and rid in described:
                requirements[rid] = [described[rid]["level"], described[rid]["title"]]
    page = {"root": "../../", "area": report.area_slugs[cp.area], "n": cp.n, "subjects": [[name, report.subject_slugs[name]] for name in subjects], "requirements": requirements}
    cases = ",".join(report.case_json(v) for v in cp.verdicts)
    text = f'{{"page":{json.dumps(page)},"verdicts":{json.dumps(verdicts)},"cases":[{cases}]}}'
    return Markup(text.replace("<", "\\u003c"))  # noqa: S704 (JSON: no `<` left to open markup)


def _breakable(name: str) -> Markup:
    """`aiohttp/route-middleware` with line-break opportunities after `/` and `-` (narrow columns)."""
    return Markup("<wbr>").join(escape(part) for part in re.split(r"(?<=[/-])", name))
