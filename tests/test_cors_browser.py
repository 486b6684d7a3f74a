"""The browser agrees with the CORS suite's header-level verdicts (issue 3, item 5).

Real headless Chromium (Debian's `chromium`, driven by Playwright through `executable_path`; no
browser is downloaded) loads a tiny page from one loopback origin and `fetch()`es a CORS subject
served on another: simple, preflighted, credentialed, exposed-header, error and refused-origin
requests. The page records, per request, whether the browser shared the response (the promise
resolved) or blocked it (TypeError), and what an exposed header read gave.

The same requests, as the Fetch standard has the browser send them (preflight included), go to the
same server through httpx, and `suites/cors/fetch.py` judges those exchanges exactly as the suite
does. Every disagreement between the browser and that judgement is a bug in the suite's model of a
browser, so the test asserts there is none. The browser must agree with the header-level verdict
whatever it is: a subject's known deviations are blocked (or shared) by both alike.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from aiohttp import web

from mwconform.adapters import resolve
from mwconform.adapters.aiohttp import serve_app
from mwconform.harness import run
from mwconform.outcomes import NotApplicable
from mwconform.reference.http import Headers
from mwconform.reference.cors import REQUEST_HEADERS, REQUEST_METHOD, SAFELISTED_METHODS, CorsPolicy
from mwconform.reference.probes import Recorder
from mwconform.reference.scenario import Scenario
from mwconform.suites.cors.check import ROUTES
from mwconform.suites.cors.fetch import cors_check, exposed, preflight_check

CHROMIUM = Path("/usr/bin/chromium")
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"]
SUBJECTS = ["reference/cors", "aiohttp/reference-cors", "sanic/reference-cors", "aiohttp/aiohttp-cors", "aiohttp/handwritten", "sanic/sanic-cors"]
DEADLINE = 30.0  # seconds for one subject under one policy: browser start, servers, every request

#: The page. `runCases` is what issues the fetches; it keeps what it saw in `window.results`.
PAGE = """<!doctype html>
<meta charset="utf-8"><title>mwconform CORS probe</title>
<script>
async function runCases(cases) {
  const results = {};
  for (const c of cases) {
    try {
      const response = await fetch(c.url, c.init);
      await response.arrayBuffer();
      results[c.id] = {shared: true, status: response.status, value: c.read ? response.headers.get(c.read) : null};
    } catch (e) {
      // A CORS failure is a network error: fetch() rejects with a TypeError and says nothing more.
      results[c.id] = {shared: false, status: null, value: null, error: e.name + ": " + e.message};
    }
  }
  window.results = results;
  return results;
}
</script>
"""


@dataclass(frozen=True)
class BrowserCase:
    """One `fetch()` from the page: from the allowed origin unless `refused`."""

    id: str
    path: str = "/r"
    method: str = "GET"
    #: Request headers the page sets; none of ours is CORS-safelisted, so any forces a preflight.
    headers: tuple[tuple[str, str], ...] = ()
    credentials: bool = False
    #: A response header the page reads after the fetch resolves.
    read: str | None = None
    refused: bool = False

    @property
    def preflighted(self) -> bool:
        return self.method not in SAFELISTED_METHODS or bool(self.headers)

    def url(self, target: str) -> str:
        # A query per case keeps the browser's preflight and HTTP caches from answering for another case.
        return f"{target}{self.path}?case={self.id}"

    def init(self) -> dict[str, Any]:
        return {"method": self.method, "headers": dict(self.headers), "credentials": "include" if self.credentials else "same-origin"}


CASES = [
    BrowserCase("simple"),
    BrowserCase("preflighted", method="PUT", headers=(("X-Custom", "1"),)),
    BrowserCase("preflighted-credentialed", method="PUT", headers=(("X-Custom", "1"),), credentials=True),
    BrowserCase("credentialed", credentials=True),
    BrowserCase("exposed", read="X-Request-Id"),
    BrowserCase("exposed-credentialed", credentials=True, read="X-Request-Id"),
    BrowserCase("handler-sets-allow-origin", path="/legacy", credentials=True),
    BrowserCase("not-found-404", path="/nowhere"),
    BrowserCase("crash-500", path="/boom"),
    BrowserCase("refused-simple", refused=True),
    BrowserCase("refused-preflighted", method="PUT", headers=(("X-Custom", "1"),), refused=True),
]


def policies(page: str) -> dict[str, CorsPolicy]:
    """The browser run's policies; `page` (the page's exact origin) is the one allowed origin."""
    return {
        "credentialed-list": CorsPolicy(
            origins=(page,), credentials=True, methods=("GET", "PUT"), headers=("x-custom",), expose=("x-request-id",), max_age=600
        ),
        # `*` in methods, headers and exposed headers is a wildcard only without credentials.
        "credentialed-stars": CorsPolicy(origins=(page,), credentials=True, methods=("*",), headers=("*",), expose=("*",), max_age=600),
        "one-origin": CorsPolicy(origins=(page,), methods=("GET", "PUT"), headers=("x-custom",), max_age=600),
        "wildcard": CorsPolicy(origins=("*",), methods=("GET", "PUT"), headers=("x-custom",), max_age=600),
        "wildcard-expose": CorsPolicy(origins=("*",), methods=("*",), headers=("*",), expose=("*",), max_age=600),
    }


POLICIES = list(policies("http://127.0.0.1:1"))


@dataclass(frozen=True)
class Seen:
    """What a page could do with one response: read it or not, its status, the header it read."""

    shared: bool
    status: int | None
    value: str | None
    why: str = ""

    def agrees(self, other: Seen) -> bool:
        return (self.shared, self.status, self.value) == (other.shared, other.status, other.value)

    def __str__(self) -> str:
        if not self.shared:
            return f"blocked ({self.why})"
        return f"shared, status {self.status}" + (f", header {self.value!r}" if self.value is not None else ", header unreadable or absent")


async def header_level(client: httpx.AsyncClient, case: BrowserCase, target: str, origin: str) -> Seen:
    """Send what the browser sends for `case` (Fetch §4.8 preflight first when needed) and judge
    the answers with the suite's fetch.py: the verdict the suite would give for this request."""
    headers = [("Origin", origin)]
    try:
        if case.preflighted:
            names = tuple(sorted(n.lower() for n, _ in case.headers))
            asked = [*headers, (REQUEST_METHOD, case.method)] + ([(REQUEST_HEADERS, ",".join(names))] if names else [])
            answer = await client.request("OPTIONS", case.url(target), headers=asked)
            if problem := preflight_check(answer.status_code, _headers(answer), origin, case.method, names, case.credentials):
                return Seen(False, None, None, f"preflight: {problem}")
        response = await client.request(case.method, case.url(target), headers=[*headers, *case.headers])
    except httpx.RemoteProtocolError as exc:  # the subject dropped the connection: nothing to read
        return Seen(False, None, None, f"no response: {exc}")
    received = _headers(response)
    if problem := cors_check(received, origin, case.credentials):
        return Seen(False, None, None, problem)
    value = None
    if case.read is not None:
        readable = exposed(received, case.credentials)
        value = received.get(case.read) if "*" in readable or case.read.lower() in readable else None
    return Seen(True, response.status_code, value)


def _headers(response: httpx.Response) -> Headers:
    return Headers(response.headers.multi_items())


def page_app() -> web.Application:
    app = web.Application()

    async def page(request: web.Request) -> web.Response:
        return web.Response(text=PAGE, content_type="text/html")

    app.router.add_get("/", page)
    return app


async def agreement(subject_name: str, policy_name: str) -> list[str]:
    """Every case where the browser and the header-level verdict differ, one line each."""
    from playwright.async_api import async_playwright

    subject = resolve(subject_name)
    async with serve_app(page_app()) as allowed_page, serve_app(page_app()) as refused_page:
        policy = policies(allowed_page.base_url)[policy_name]
        async with subject.serve(Scenario(ROUTES, (), cors=policy), Recorder(), "socket") as target:
            async with async_playwright() as playwright:
                browser = await playwright.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
                try:
                    context = await browser.new_context()
                    seen: dict[str, dict[str, Any]] = {}
                    for page_origin, refused in ((allowed_page.base_url, False), (refused_page.base_url, True)):
                        page = await context.new_page()
                        await page.goto(page_origin + "/")
                        batch = [{"id": c.id, "url": c.url(target.base_url), "init": c.init(), "read": c.read} for c in CASES if c.refused == refused]
                        seen |= await page.evaluate("cases => runCases(cases)", batch)
                finally:
                    await browser.close()
            async with httpx.AsyncClient(timeout=5.0, trust_env=False) as client:
                disagreements = []
                for case in CASES:
                    origin = refused_page.base_url if case.refused else allowed_page.base_url
                    verdict = await header_level(client, case, target.base_url, origin)
                    got = seen[case.id]
                    browser_saw = Seen(got["shared"], got["status"], got["value"], got.get("error", ""))
                    if not browser_saw.agrees(verdict):
                        disagreements.append(f"{case.id} ({case.method} {case.path} from {origin}): browser {browser_saw}; fetch.py {verdict}")
    return disagreements


@pytest.mark.parametrize("policy_name", POLICIES)
@pytest.mark.parametrize("subject_name", SUBJECTS)
def test_browser_agrees_with_header_level_verdicts(subject_name: str, policy_name: str) -> None:
    if not CHROMIUM.exists():
        pytest.skip(f"Debian's chromium is not installed at {CHROMIUM} (.ci/run installs it: apt-get install -y chromium)")
    try:
        disagreements = run(agreement(subject_name, policy_name), DEADLINE, f"the browser run of {subject_name} under {policy_name}")
    except NotApplicable as exc:
        pytest.skip(f"{subject_name} cannot express the {policy_name} policy: {exc.reason}")
    assert not disagreements, f"{subject_name} under {policy_name}: the browser and the suite disagree:\n" + "\n".join(disagreements)
