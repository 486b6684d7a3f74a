"""The HTML conformance report: a static site built from results files, readable from file://.

    out/index.html              per area: packages ranked worst first, the reference baseline, the matrix
    out/data/<area>.js          an area's matrix, loaded by the index when it comes into view (reports/matrix.py)
    out/subjects/<s>.html       what one subject breaks: one entry per distinct reason, by severity
    out/subjects/<s>.runs.html  its verdicts run by run (versions), when several files grade it
    out/cases/<s>/<area>-<n>.html  a subject's verdicts on PAGE_CASES consecutive cases of an area, one
                                anchor each: requirement, expectation, evidence, reproduce command
    out/portability.html        where framework profiles (and subjects) differ, side by side
    out/requirements.html       every requirement's level, text and sources, once (case pages link here)
    out/badges/<s>.svg|.json    a badge and a shields.io endpoint per subject
    out/assets/                 the one stylesheet and the index's script, shared by every page
    out/summary.md              the Markdown summary (also written to --markdown PATH)

Everything is local: nothing is fetched from the network, and it works from file://.
"""

from __future__ import annotations

import html
import json
import re
from http import HTTPStatus
from importlib.resources import files
from pathlib import Path
from typing import Any

from jinja2 import Environment, PackageLoader, StrictUndefined
from markupsafe import Markup, escape

from . import badges, diff, markdown, matrix, portability
from .conformance import STATUS_TEXT
from .model import OUTCOMES, by_severity, load

#: Files copied as they are from templates/ into the site's assets/.
ASSETS = ("report.css", "matrix.js")
#: Packages listed per area on the index's first screen; the ranking table below lists them all.
GLANCE = 10


def build(paths: list[Path], out: Path, summary_to: Path | None = None) -> Path:
    """Write the report of `paths` into `out`; return the path of its index page.

    A file that is not a valid results file raises ValueError with one line naming it.
    """
    report = load(paths)
    env = _environment()
    for folder in ("subjects", "cases", "badges", "data", "assets"):
        (out / folder).mkdir(parents=True, exist_ok=True)
    for name in ASSETS:
        (out / "assets" / name).write_text(files("mwconform.reports.templates").joinpath(name).read_text(encoding="utf-8"), encoding="utf-8")

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
        entries = [(v, diff.compare(v.get("expected"), v.get("observed"), v.get("exchanges"), v.get("differences")), report.reproduce(v)) for v in cp.verdicts]
        rendered = case_template.render(report=report, root="../../", page=cp, area_slug=report.area_slugs[cp.area], entries=entries)
        (out / cp.file).write_text(rendered, encoding="utf-8")
    page("requirements.html.j2", "requirements.html", requirements=sorted(report.requirements.items()))
    page(
        "portability.html.j2",
        "portability.html",
        profiles=portability.profile_differences(report),
        outcomes_differ=portability.outcome_differences(report),
    )
    index = out / "index.html"
    text = markdown.summary(report, index=str(index.resolve()))
    (out / "summary.md").write_text(text, encoding="utf-8")
    if summary_to is not None:
        summary_to.parent.mkdir(parents=True, exist_ok=True)
        summary_to.write_text(text, encoding="utf-8")
    return index


def _environment() -> Environment:
    # autoescape on for every template (their names end in .j2, which select_autoescape would miss):
    # response bodies and headers are the subject's, and a report must never run them.
    env = Environment(loader=PackageLoader("mwconform.reports", "templates"), autoescape=True, undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True)
    env.filters["cls"] = lambda outcome: "o-" + outcome.replace("/", "")
    env.filters["http_request"] = _http_request
    env.filters["http_response"] = _http_response
    env.filters["brief"] = diff.text
    env.filters["wbr"] = _breakable
    env.filters["spans"] = _spans
    env.globals["OUTCOMES"] = OUTCOMES
    env.globals["severity"] = by_severity
    env.globals["STATUS_TEXT"] = STATUS_TEXT
    env.globals["GLANCE"] = GLANCE
    return env


_MARKS = {"del": "<del>{}</del>", "ins": "<ins>{}</ins>", "": "{}"}


def _spans(parts: list[diff.Span]) -> Markup:
    """Spans as text, the deleted ones struck and the inserted ones marked. A filter rather than a
    macro, and one Markup per call rather than one per span: a case page renders a dozen per
    verdict, and in a 50,000-verdict report these calls were the largest part of the build."""
    return Markup(" ".join(_MARKS[mark].format(html.escape(text)) for text, mark in parts))


def _breakable(name: str) -> Markup:
    """`aiohttp/route-middleware` with line-break opportunities after `/` and `-` (narrow columns)."""
    return Markup("<wbr>").join(escape(part) for part in re.split(r"(?<=[/-])", name))


def _http_request(request: dict[str, Any]) -> str:
    """The request as an HTTP/1.1 message head (the harness sends it over HTTP/1.1)."""
    return "\n".join([f"{request['method']} {request['path']} HTTP/1.1", *(f"{n}: {v}" for n, v in request["headers"])])


def _http_response(response: dict[str, Any]) -> str:
    """Status line, headers and the body excerpt (absent: the framework's own error page)."""
    try:
        phrase = HTTPStatus(response["status"]).phrase
    except ValueError:
        phrase = ""
    head = [f"HTTP/1.1 {response['status']} {phrase}".rstrip(), *(f"{n}: {v}" for n, v in response["headers"])]
    return "\n".join(head) + ("" if response["body"] is None else "\n\n" + response["body"])
