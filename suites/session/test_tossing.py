"""Cookie tossing: a request carrying two session cookies of the same name gets one session, used throughout."""

import pytest
from mwconform.reference.session_ops import USER_HEADER
from mwconform.suites.session.check import Play, SessionCase, check, expect, expect_cookie, expect_counter

from mwconform.plugin import Context


async def two_cookies(p: Play) -> None:
    sessions = {}
    for user in ("alice", "bob"):
        sessions[user] = expect_cookie(await p.get("/login", None, [(USER_HEADER, user)]), f"login stored user {user}")
    # Sent as a browser sends two cookies of one name (another Path, or a Domain a sibling host set).
    both = [("cookie", "; ".join(f"{p.policy.cookie_name}={sessions[u]}" for u in ("alice", "bob")))]
    read = await p.get("/read", None, both)
    expect(read.status == 200, f"{read}: expected 200 with one of the two sessions")
    chosen = read.session()
    expect(
        chosen in ({"user": "alice"}, {"user": "bob"}, {}),
        f"{read} with both cookies answered the session {chosen}: neither alice's nor bob's, nor a new one",
    )
    user = chosen.get("user")
    count = await p.get("/", None, both)
    expect_counter(count, 1, "the request's session holds no counter yet")
    held = count.kept(sessions[user] if user else None)
    expect(held is not None, f"{count} stored a counter in a new session but sent no cookie for it")
    after = (await p.get("/read", held)).session()
    expect(after == {**chosen, "counter": 1}, f"the request read the session {chosen} but its write left {after}: it wrote to another session")
    if "server-store" not in p.subject.capabilities:
        return  # a cookie storage has no record the other cookie could name
    other = "bob" if user == "alice" else "alice"
    untouched = (await p.get("/read", sessions[other])).session()
    expect(untouched == {"user": other}, f"{other}'s session is {untouched} after a request that used {user or 'a new'} session: the write went into both or the wrong one")
    logout = await p.get("/logout", None, both)
    expect(logout.status == 200 and logout.session() == {}, f"{logout} with both cookies did not end the session: {logout.text[:80]!r}")
    if user:
        ended = (await p.get("/read", held)).session()
        expect(ended == {}, f"logout with both cookies left the session it had served alive: {ended}")


CASES = [
    SessionCase(
        id="tossing.two-cookies-of-one-name",
        title="GET /login as alice (cookie A) and as bob (cookie B); then GET /read, GET / and (server-side store) GET /logout, "
        "each with Cookie: mwc_session=A; mwc_session=B; then GET /read with each cookie alone",
        requirements=("session.tossing.one-session",),
        expect="The request is served alice's session, bob's or a new one, and every operation of it acts on that one: the "
        "counter lands in the session it read (never in the other), and the logout ends that session.",
        script=two_cookies,
    ),
]


@pytest.mark.parametrize("case", [c.param() for c in CASES])
def test_tossing(case: SessionCase, mwc: Context) -> None:
    check(case, mwc)
