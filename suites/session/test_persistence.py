"""Persistence and when the cookie is sent: the seed's counter, read-only requests, HTTP exceptions."""

import pytest
from mwconform.suites.session.check import Play, SessionCase, check, expect, expect_cookie, expect_counter

from mwconform.plugin import Context


async def seed_counter(p: Play) -> None:
    cookie = None
    for n in (1, 2, 3):
        reply = await p.get("/", cookie)
        expect_counter(reply, n, "seed 000: each request carrying the cookie the last response set adds one")
        cookie = reply.kept(cookie)


async def read_sends_no_cookie(p: Play) -> None:
    cookie = expect_cookie(await p.get("/"), "the counter was stored")
    reply = await p.get("/read", cookie)
    expect(reply.status == 200 and reply.session().get("counter") == 1, f"{reply} did not read back counter 1: {reply.text[:80]!r}")
    expect(not reply.cookies, f"{reply} only read the session, yet sent Set-Cookie {[m.OutputString() for m in reply.cookies]}")


async def anonymous_read_sends_no_cookie(p: Play) -> None:
    reply = await p.get("/read")
    expect(reply.status == 200 and reply.session() == {}, f"{reply} without a cookie answered {reply.text[:80]!r}, not an empty session")
    expect(not reply.cookies, f"{reply} stored nothing, yet sent Set-Cookie {[m.OutputString() for m in reply.cookies]}")


async def saved_on_http_error(p: Play) -> None:
    first = await p.get("/count-then-409")
    expect(first.status == 409, f"{first}: expected the handler's HTTP 409")
    cookie = expect_cookie(first, "the handler stored counter 1 before raising HTTP 409")
    expect_counter(await p.get("/", cookie), 2, "the change made before the HTTP 409 persists")


CASES = [
    SessionCase(
        id="persist.seed-000-counter",
        title="GET / three times, each carrying the cookie the previous response set",
        requirements=("session.persist.round-trip",),
        expect="Counter: 1, Counter: 2, Counter: 3 (seed 000, aiohttp-session's README example).",
        script=seed_counter,
    ),
    SessionCase(
        id="save.read-only-request-sends-no-cookie",
        title="GET / (counter stored), then GET /read with its cookie",
        requirements=("session.save.only-when-changed", "session.persist.round-trip"),
        expect="/read sees counter 1 and its response has no Set-Cookie for the session.",
        script=read_sends_no_cookie,
    ),
    SessionCase(
        id="save.anonymous-read-sends-no-cookie",
        title="GET /read with no cookie",
        requirements=("session.save.only-when-changed",),
        expect="An empty session and no Set-Cookie: no session is created for a visitor who stores nothing.",
        script=anonymous_read_sends_no_cookie,
    ),
    SessionCase(
        id="save.on-http-exception",
        title="GET /count-then-409 (stores counter 1, then raises HTTP 409), then GET / with its cookie",
        requirements=("session.save.on-http-error",),
        expect="The 409 response carries the session cookie, and the next request counts 2.",
        script=saved_on_http_error,
    ),
]


@pytest.mark.parametrize("case", [c.param() for c in CASES])
def test_persistence(case: SessionCase, mwc: Context) -> None:
    check(case, mwc)
