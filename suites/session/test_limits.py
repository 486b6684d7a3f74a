"""Limits: a session too big for a cookie, and concurrent requests on one session (isolation, no lost update)."""

import pytest
from mwconform.reference.session_ops import SET_HEADER
from mwconform.suites.session.check import FILL_SIZE, Play, Reply, SessionCase, check, expect, expect_cookie, fill_kept, oversize

from mwconform.plugin import Context

CONCURRENT = 50
WRITERS = 10  # concurrent writers of different keys in the lost-update case


async def oversize_is_loud(p: Play) -> None:
    reply = await p.get("/fill")
    too_big = oversize(reply, p.policy.cookie_name)
    expect(not too_big, f"{reply} sent a {too_big[0] if too_big else 0}-byte session cookie; browsers drop cookies over 4096 bytes")
    if reply.status >= 400:
        return  # refused loudly, and no cookie browsers would drop
    cookie = expect_cookie(reply, f"the handler stored {FILL_SIZE} bytes and the response claimed success")
    kept = fill_kept(await p.get("/read", cookie))
    expect(kept == FILL_SIZE, f"{reply} claimed success, but the next request sees {kept} of the {FILL_SIZE} bytes stored")


async def concurrent_writes(p: Play, requests: int) -> tuple[str, list[Reply]]:
    """GET /login, then `requests` concurrent GET /set with its cookie, request i storing k<i>=i.

    Each must answer 200 with its own write and the login; other requests' keys may be there too
    (a store may hand every request the live record) or not (each request works on its own copy).
    """
    cookie = expect_cookie(await p.get("/login"), "login stored the user")
    replies = await p.get_many("/set", cookie, [[(SET_HEADER, f"k{i}={i}")] for i in range(requests)])
    for i, reply in enumerate(replies):
        expect(reply.status == 200, f"request {i} of {requests}: {reply}")
        data = reply.session()
        expect(data.get(f"k{i}") == str(i), f"request {i} of {requests} stored k{i}={i} but answers k{i}={data.get(f'k{i}')!r}: its own write is gone")
        expect(data.get("user") == "alice", f"request {i} of {requests} lost user alice: its session is {data}")
    return cookie, replies


async def isolation(p: Play) -> None:
    cookie, _ = await concurrent_writes(p, CONCURRENT)
    after = (await p.get("/read", cookie)).session()
    expect(after.get("user") == "alice", f"after {CONCURRENT} concurrent writes the session lost user alice: {after}")


async def no_lost_update(p: Play) -> None:
    cookie, replies = await concurrent_writes(p, WRITERS)
    # The browser ends with whichever Set-Cookie arrives last, so every cookie it may hold must carry all.
    for held in sorted({r.kept(cookie) or "" for r in replies}):
        after = (await p.get("/read", held or None)).session()
        lost = [f"k{i}" for i in range(WRITERS) if after.get(f"k{i}") != str(i)] + ([] if after.get("user") == "alice" else ["user"])
        expect(not lost, f"after {WRITERS} concurrent writes of different keys the session is {after}: lost {', '.join(lost)}")


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
        title=f"GET /login, then {CONCURRENT} concurrent GET /set with its cookie, request i storing k<i>=i, then GET /read",
        requirements=("session.concurrency.isolation",),
        expect="Every request answers 200 with its own k<i>=i and user alice (other requests' keys may show too: a live "
        "record is allowed); afterwards the session still has user alice.",
        script=isolation,
    ),
    SessionCase(
        id="concurrency.writers-of-different-keys-all-kept",
        title=f"server-side store; GET /login, then {WRITERS} concurrent GET /set with its cookie, request i storing k<i>=i, "
        "then GET /read with each cookie the browser may end with",
        requirements=("session.concurrency.no-lost-update", "session.concurrency.isolation"),
        expect=f"Every request answers 200 with its own write; afterwards the session holds user alice and all {WRITERS} "
        "keys: no write is lost, whether the store hands out the live record or merges each request's changes.",
        needs=frozenset({"server-store"}),
        script=no_lost_update,
    ),
]


@pytest.mark.parametrize("case", [c.param() for c in CASES])
def test_limits(case: SessionCase, mwc: Context) -> None:
    check(case, mwc)
