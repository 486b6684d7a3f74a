"""Limits: a session too big for a cookie, and 50 concurrent requests on one session."""

import pytest

from mwconform.plugin import Context
from mwconform.reference.session_ops import SET_HEADER
from mwconform.suites.session.check import FILL_SIZE, Play, SessionCase, check, expect, expect_cookie, fill_kept, oversize

CONCURRENT = 50


async def oversize_is_loud(p: Play) -> None:
    reply = await p.get("/fill")
    too_big = oversize(reply, p.policy.cookie_name)
    expect(not too_big, f"{reply} sent a {too_big[0] if too_big else 0}-byte session cookie; browsers drop cookies over 4096 bytes")
    if reply.status >= 400:
        return  # refused loudly, and no cookie browsers would drop
    cookie = expect_cookie(reply, f"the handler stored {FILL_SIZE} bytes and the response claimed success")
    kept = fill_kept(await p.get("/read", cookie))
    expect(kept == FILL_SIZE, f"{reply} claimed success, but the next request sees {kept} of the {FILL_SIZE} bytes stored")


async def concurrent_writes(p: Play) -> None:
    cookie = expect_cookie(await p.get("/login"), "login stored the user")
    replies = await p.get_many("/set", cookie, [[(SET_HEADER, f"last={i}")] for i in range(CONCURRENT)])
    for i, reply in enumerate(replies):
        expect(reply.status == 200, f"request {i} of {CONCURRENT}: {reply}")
        data = reply.session()
        expect(data.get("last") == str(i), f"request {i} of {CONCURRENT} stored last={i} but answers last={data.get('last')!r}: another request's write")
        expect(data.get("user") == "alice", f"request {i} of {CONCURRENT} lost user alice: its session is {data}")
    after = (await p.get("/read", cookie)).session()
    expect(after.get("user") == "alice", f"after {CONCURRENT} concurrent writes the session lost user alice: {after}")


CASES = [
    SessionCase(
        id="size.over-4096-bytes",
        title=f"GET /fill (stores {FILL_SIZE} bytes), then GET /read with the cookie it set",
        requirements=("session.size.loud",),
        expect="Either the data is kept (server-side store) and /read sees all of it, or /fill answers an error without "
        "the cookie; never a cookie over 4096 bytes, never a success that loses the data.",
        script=oversize_is_loud,
    ),
    SessionCase(
        id="concurrency.fifty-requests-one-session",
        title=f"GET /login, then {CONCURRENT} concurrent GET /set with its cookie, request i storing last=i, then GET /read",
        requirements=("session.concurrency.isolation",),
        expect="Every request answers 200 with its own last=i and user alice; afterwards the session still has user alice.",
        script=concurrent_writes,
    ),
]


@pytest.mark.parametrize("case", [c.param() for c in CASES])
def test_limits(case: SessionCase, mwc: Context) -> None:
    check(case, mwc)
