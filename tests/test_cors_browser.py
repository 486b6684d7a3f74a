"""The browser agrees with the CORS suite's header-level verdicts (issue 3, item 5).

Real headless Chromium (Debian's `chromium`, driven by Playwright through `executable_path`; no
browser is downloaded) loads a tiny page from one loopback origin and `fetch()`es a CORS subject
served on another: simple, preflighted, credentialed, exposed-header, error and refused-origin
requests, streamed responses and a raised 401 carrying an inner layer's headers, under policies
with and without credentials. The page records, per request, whether the browser shared the
response (the promise resolved) or blocked it (TypeError), and what an exposed header read gave.

What no page can send stays header-level only: origins in capitals or with `_`, `` ` ``, `}` in the
host (exact echo, odd host characters), an OPTIONS without `Origin`, a preflight that caches, and
Private Network Access (Chromium asks only from a public to a private address; both pages here
are loopback).

The same requests, as the Fetch standard has the browser send them (preflight included), go to the
same server through httpx, and `suites/cors/fetch.py` judges those exchanges exactly as the suite
does. Every disagreement between the browser and that judgement is a bug in the suite's model of a
browser, so the test asserts there is none. The browser must agree with the header-level verdict
whatever it is: a subject's known deviations are blocked (or shared) by both alike.
"""

from __future__ import annotations

import asyncio
import importlib.util
import threading
from collections.abc import Awaitable, Callable, Coroutine, Iterator
from dataclasses import dataclass, replace
from typing import Any, TypeVar

import httpx
import pytest
from aiohttp import web

from mwconform.adapters import resolve
from mwconform.adapters.aiohttp import serve_app
from mwconform.harness import run
from mwconform.outcomes import NotApplicable
from mwconform.reference.cors import REQUEST_HEADERS, REQUEST_METHOD, SAFELISTED_METHODS, CorsPolicy
from mwconform.reference.http import Headers
from mwconform.reference.probes import Recorder
from mwconform.reference.scenario import Handler, Route, Scenario
from mwconform.suites.cors.check import ROUTES
from mwconform.suites.cors.fetch import cors_check, exposed, preflight_check
from tests.chromium import ARGS, CHROMIUM, MISSING

T = TypeVar("T")
SUBJECTS = ["reference/cors", "aiohttp/reference-cors", "sanic/reference-cors", "aiohttp/aiohttp-cors", "aiohttp/handwritten", "sanic/sanic-cors", "starlette/cors", "fastapi/cors", "litestar/cors"]
# sanic-ext lives in an environment of its own (`tox -e browser-sanic-ext`), where Sanic-Cors is
# graded as sanic-ext/sanic-cors and sanic/sanic-cors answers n/a.
if importlib.util.find_spec("sanic_ext") is not None:
    SUBJECTS = [s for s in SUBJECTS if s != "sanic/sanic-cors"] + ["sanic-ext/cors", "sanic-ext/sanic-cors"]
pytestmark = pytest.mark.skipif(not CHROMIUM.exists(), reason=MISSING)
DEADLINE = 30.0  # seconds for Chromium to start, or for one subject under one policy: servers, pages, every request

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
      if (!(e instanceof TypeError)) throw e;
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
    BrowserCase("streamed", path="/stream", read="X-Request-Id"),
    BrowserCase("streamed-credentialed", path="/stream", credentials=True),
    BrowserCase("raised-401-inner-headers", path="/session-401", credentials=True),
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
        # Without credentials, whatever the lists say: a credentialed read is blocked.
        "one-origin-stars": CorsPolicy(origins=(page,), methods=("*",), headers=("*",), expose=("*",), max_age=600),
        "wildcard": CorsPolicy(origins=("*",), methods=("GET", "PUT"), headers=("x-custom",), max_age=600),
        "wildcard-expose": CorsPolicy(origins=("*",), methods=("*",), headers=("*",), expose=("*",), max_age=600),
    }


POLICIES = list(policies("http://127.0.0.1:1"))
#: The suite's routes plus a streamed one and one raising a 401 that carries a session layer's headers.
BROWSER_ROUTES = (
    *ROUTES,
    Route("GET", "/stream", Handler(headers=(("X-Request-Id", "42"),), stream=True)),
    Route("GET", "/session-401", Handler(raise_status=401, headers=(("Set-Cookie", "sid=rotated; Path=/"), ("X-Session", "rotated")))),
)


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


class Chromium:
    """Headless Chromium on an event loop of its own thread, shared by this module's tests.

    Starting it costs about a second, and Playwright's connection lives in tasks that the
    harness's `run()` would cancel after each case; the harness loop meanwhile keeps serving the
    subject while the page fetches from it.
    """

    def __init__(self) -> None:
        from playwright.async_api import async_playwright

        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, name="chromium", daemon=True)
        self.thread.start()
        self.playwright = self._wait(async_playwright().start())
        self.browser = self._wait(self.playwright.chromium.launch(executable_path=str(CHROMIUM), args=ARGS))

    def _wait(self, coro: Coroutine[Any, Any, T]) -> T:
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result(DEADLINE)

    async def visit(self, pages: dict[str, list[BrowserCase]], target: str) -> dict[str, Seen]:
        """For each page origin, open its page and run its cases against `target` (from any loop)."""
        return await asyncio.wrap_future(asyncio.run_coroutine_threadsafe(self._visit(pages, target), self.loop))

    async def _visit(self, pages: dict[str, list[BrowserCase]], target: str) -> dict[str, Seen]:
        context = await self.browser.new_context()
        seen: dict[str, Seen] = {}
        try:
            for origin, cases in pages.items():
                page = await context.new_page()
                await page.goto(origin + "/")
                batch = [{"id": c.id, "url": c.url(target), "init": c.init(), "read": c.read} for c in cases]
                for case_id, got in (await page.evaluate("cases => runCases(cases)", batch)).items():
                    seen[case_id] = Seen(got["shared"], got["status"], got["value"], got.get("error", ""))
        finally:
            await context.close()
        return seen

    def close(self) -> None:
        try:
            self._wait(self.browser.close())
            self._wait(self.playwright.stop())
        finally:
            self.loop.call_soon_threadsafe(self.loop.stop)
            self.thread.join(DEADLINE)
            self.loop.close()


@pytest.fixture(scope="module")
def chromium() -> Iterator[Chromium]:
    browser = Chromium()
    try:
        yield browser
    finally:
        browser.close()


Judge = Callable[[httpx.AsyncClient, BrowserCase, str, str], Awaitable[Seen]]


async def agreement(chromium: Chromium, subject_name: str, policy_name: str, judge: Judge = header_level) -> list[str]:
    """Every case where the browser and `judge` (the header-level verdict) differ, one line each."""
    subject = resolve(subject_name)
    async with serve_app(page_app()) as allowed_page, serve_app(page_app()) as refused_page:
        policy = policies(allowed_page.base_url)[policy_name]
        async with subject.serve(Scenario(BROWSER_ROUTES, (), cors=policy), Recorder(), "socket") as target:
            origins = {case.id: refused_page.base_url if case.refused else allowed_page.base_url for case in CASES}
            pages = {origin: [c for c in CASES if origins[c.id] == origin] for origin in dict.fromkeys(origins.values())}
            seen = await chromium.visit(pages, target.base_url)
            disagreements = []
            async with httpx.AsyncClient(timeout=5.0, trust_env=False) as client:
                for case in CASES:
                    verdict = await judge(client, case, target.base_url, origins[case.id])
                    if not seen[case.id].agrees(verdict):
                        what = f"{case.id} ({case.method} {case.path} from {origins[case.id]})"
                        disagreements.append(f"{what}: the browser {seen[case.id]}; fetch.py {verdict}")
    return disagreements


@pytest.mark.parametrize("policy_name", POLICIES)
@pytest.mark.parametrize("subject_name", SUBJECTS)
def test_browser_agrees_with_header_level_verdicts(chromium: Chromium, subject_name: str, policy_name: str) -> None:
    try:
        disagreements = run(agreement(chromium, subject_name, policy_name), DEADLINE, f"the browser run of {subject_name} under {policy_name}")
    except NotApplicable as exc:
        pytest.skip(f"{subject_name} cannot express the {policy_name} policy: {exc.reason}")
    assert not disagreements, f"{subject_name} under {policy_name}: the browser and the suite disagree:\n" + "\n".join(disagreements)


def star_allow_headers_app() -> web.Application:
    """A server that approves every preflight with `Access-Control-Allow-Headers: *` and shares every read."""

    async def answer(request: web.Request) -> web.Response:
        headers = {"Access-Control-Allow-Origin": "*"}
        if request.method == "OPTIONS":
            headers |= {"Access-Control-Allow-Methods": "GET", "Access-Control-Allow-Headers": "*"}
            return web.Response(status=204, headers=headers)
        return web.Response(text="ok", headers=headers)

    app = web.Application()
    app.router.add_route("*", "/r", answer)
    return app


def test_chromium_tolerates_allow_headers_star_for_authorization(chromium: Chromium) -> None:
    """The one place the suite is stricter than Chromium, pinned so that the note in the evidence of
    `preflight.approved-wildcard-authorization` stays true: Fetch §4.8 never lets
    `Access-Control-Allow-Headers: *` cover `Authorization` (the suite's verdict), yet Chromium lets
    the request through. If Chromium starts to enforce it, this test fails and the note must go."""
    case = BrowserCase("authorization-under-star", headers=(("Authorization", "Bearer x"),))

    async def both() -> tuple[Seen, Seen]:
        async with serve_app(page_app()) as page, serve_app(star_allow_headers_app()) as target:
            seen = await chromium.visit({page.base_url: [case]}, target.base_url)
            async with httpx.AsyncClient(timeout=5.0, trust_env=False) as client:
                return seen[case.id], await header_level(client, case, target.base_url, page.base_url)

    browser, suite = run(both(), DEADLINE, "the Authorization-under-* browser run")
    assert not suite.shared and "authorization" in suite.why, f"the suite's model now approves Authorization under *: {suite}"
    assert browser.shared, f"Chromium no longer tolerates Access-Control-Allow-Headers: * for Authorization ({browser}); drop the note"


def test_a_wrong_model_of_the_browser_disagrees(chromium: Chromium) -> None:
    """The comparison can fail: a model that forgets credentials (so `*` seems to share a
    credentialed response) is caught by the browser, which blocks those reads."""

    async def forgets_credentials(client: httpx.AsyncClient, case: BrowserCase, target: str, origin: str) -> Seen:
        return await header_level(client, replace(case, credentials=False), target, origin)

    disagreements = run(agreement(chromium, "reference/cors", "wildcard", forgets_credentials), DEADLINE, "the browser run with a wrong model")
    assert {line.split(" ", 1)[0] for line in disagreements} == {
        "preflighted-credentialed", "credentialed", "exposed-credentialed", "handler-sets-allow-origin", "streamed-credentialed", "raised-401-inner-headers"
    }, disagreements
