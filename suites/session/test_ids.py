"""Server-side session ids: unguessable, never shared, and an ended id is never taken back."""

import pytest
from mwconform.suites.session.check import Play, SessionCase, check, expect, expect_cookie, fresh_session
from mwconform.suites.session.ids import estimate

from mwconform.outcomes import Deviation
from mwconform.plugin import Context

NEW_SESSIONS = 64  # concurrent first visits whose ids are sampled
MIN_BITS = 128  # OWASP ASVS 5.0 V7.2.3


async def new_ids(p: Play) -> None:
    replies = await p.send([p.call("/", None)] * NEW_SESSIONS, concurrent=True)
    ids = [expect_cookie(r, f"visit {i} stored its counter in a new session") for i, r in enumerate(replies)]
    shared = sorted({i for i in ids if ids.count(i) > 1})
    if shared:
        raise Deviation(f"{NEW_SESSIONS} new sessions got {len(set(ids))} distinct ids: {shared[0][:40]!r} was issued {ids.count(shared[0])} times")
    found = estimate(ids)
    expect(found.bits >= MIN_BITS, f"the ids show at most {found.bits:.0f} bits of entropy, under {MIN_BITS}: {found.explanation}")


async def ended_id(p: Play) -> None:
    ended = expect_cookie(await p.get("/login"), "login stored the user")
    logout = await p.get("/logout", ended)
    expect(logout.status == 200 and logout.session() == {}, f"{logout} did not end the session: {logout.text[:80]!r}")
    reply = await p.get("/", ended)
    fresh_session(reply, ended, "holding an id ended by logout")
    expect_cookie(reply, "the counter was stored in a new session")


CASES = [
    SessionCase(
        id="ids.sixty-four-new-sessions",
        title=f"server-side store; {NEW_SESSIONS} concurrent GET / with no cookie, each storing a counter in a new session",
        requirements=("session.ids.entropy",),
        expect=f"{NEW_SESSIONS} distinct ids, which show at least {MIN_BITS} bits of entropy each (positions that vary, "
        "in the alphabet they are written in; a position that never varies counts nothing).",
        needs=frozenset({"server-store"}),
        script=new_ids,
    ),
    SessionCase(
        id="fixation.logged-out-id-not-adopted",
        title="server-side store; GET /login (session S), GET /logout with S, then GET / with S",
        requirements=("session.fixation.no-adoption", "session.logout.server-record"),
        expect="The last request gets a new session (Counter: 1) under a new id, never S again: an ended id is never "
        "revived, so whoever still holds it (or planted it) shares nothing.",
        needs=frozenset({"server-store"}),
        script=ended_id,
    ),
]


@pytest.mark.parametrize("case", [c.param() for c in CASES])
def test_ids(case: SessionCase, mwc: Context) -> None:
    check(case, mwc)
