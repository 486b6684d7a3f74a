"""Lifetime, fixation and logout: server-side expiry, rotation on login, ids never adopted, logout on both sides."""

import pytest

from mwconform.plugin import Context
from mwconform.reference.session import SessionPolicy
from mwconform.suites.session.check import Play, SessionCase, check, deletes, expect, expect_cookie, expect_counter, fresh_session

FORGED_ID = "0123456789abcdef0123456789abcdef"
PAST_MAX_AGE = 1.5  # seconds past max-age the expired cookie is replayed


async def expired_replay(p: Play) -> None:
    cookie = expect_cookie(await p.get("/"), "the counter was stored")
    second = await p.get("/", cookie)
    expect_counter(second, 2, "within max-age the cookie carries the session")
    cookie = second.kept(cookie)
    await p.advance(p.policy.max_age + PAST_MAX_AGE)
    expect_counter(
        await p.get("/", cookie),
        1,
        f"the cookie was replayed {p.policy.max_age + PAST_MAX_AGE:g} s after the session was last saved, past max-age {p.policy.max_age}",
    )


async def login_rotates(p: Play) -> None:
    before = expect_cookie(await p.get("/"), "the counter was stored")
    login = await p.get("/login", before)
    expect(login.status == 200, f"{login}: expected 200")
    after = expect_cookie(login, "login must send the session cookie with its new id")
    expect(after != before, f"{login} kept the session cookie value {before[:40]!r}: the id did not change on login")
    stale = (await p.get("/read", before)).session()
    expect("user" not in stale, f"the pre-login cookie is authenticated after login: its session is {stale}")
    fresh = (await p.get("/read", after)).session()
    expect(fresh.get("user") == "alice", f"the post-login cookie lost the login: its session is {fresh}")


async def unknown_id(p: Play) -> None:
    reply = await p.get("/", FORGED_ID)
    fresh_session(reply, FORGED_ID, "holding an id the server never issued")
    again = await p.get("/", FORGED_ID)
    expect(
        again.counter() != 2,
        f"replaying the never-issued id {FORGED_ID} counted 2: the server stored the session under the id the client chose",
    )
    expect_cookie(reply, "the counter was stored in a new session")


async def logout_deletes_cookie(p: Play) -> None:
    cookie = expect_cookie(await p.get("/login"), "login stored the user")
    reply = await p.get("/logout", cookie)
    expect(reply.status == 200, f"{reply}: expected 200")
    deletion = [m for m in reply.cookies if deletes(m)]
    expect(bool(deletion), f"{reply} sent no Set-Cookie deleting the session cookie: {reply.exchange.headers.get_all('set-cookie')}")
    path, domain = deletion[-1]["path"] or "/", deletion[-1]["domain"].lstrip(".") or None  # `/logout`'s default-path is `/`
    expect(
        path == p.policy.path and domain == p.policy.domain,
        f"{reply} deletes the cookie at Path={path} Domain={domain}, but it was set at Path={p.policy.path} Domain={p.policy.domain}",
    )


async def logout_kills_record(p: Play) -> None:
    cookie = expect_cookie(await p.get("/login"), "login stored the user")
    expect((await p.get("/read", cookie)).session().get("user") == "alice", "the login did not persist")
    logout = await p.get("/logout", cookie)
    expect(logout.status == 200, f"{logout}: expected 200")
    replayed = (await p.get("/read", cookie)).session()
    expect(replayed == {}, f"replaying the session cookie after logout gave the session {replayed}, not a new empty one")


CASES = [
    SessionCase(
        id="expiry.replayed-after-max-age",
        title=f"max-age 2 s; GET / twice with the cookie, then {PAST_MAX_AGE:g} s past max-age GET / with the newest cookie",
        requirements=("session.lifetime.server-enforced",),
        expect="The replayed cookie is refused by the server: a new, empty session (Counter: 1), whatever its Expires says.",
        policy=SessionPolicy(max_age=2),
        script=expired_replay,
        slow=True,  # subjects that read the wall clock really wait 3.5 s
    ),
    SessionCase(
        id="fixation.login-rotates-id",
        title="GET / (session S0), GET /login with S0, then GET /read with S0 and with the new cookie S1",
        requirements=("session.fixation.rotate-on-login",),
        expect="Login sends S1 ≠ S0; S0 alone is not logged in; S1 is.",
        script=login_rotates,
    ),
    SessionCase(
        id="fixation.unknown-id-not-adopted",
        title=f"GET / twice with session id {FORGED_ID}, never issued",
        requirements=("session.fixation.no-adoption",),
        expect="A new session (Counter: 1) under a new id: the Set-Cookie never carries the presented id, and replaying "
        "that id finds nothing stored under it (Counter: 1 again).",
        needs=frozenset({"server-store"}),
        script=unknown_id,
    ),
    SessionCase(
        id="logout.deletes-cookie",
        title="GET /login, then GET /logout with its cookie",
        requirements=("session.logout.delete-cookie",),
        expect="The logout response has a Set-Cookie for the session with Max-Age ≤ 0 or a past Expires, at the cookie's "
        "Path and Domain.",
        script=logout_deletes_cookie,
    ),
    SessionCase(
        id="logout.server-record-gone",
        title="GET /login, GET /logout with its cookie, then GET /read replaying the same cookie",
        requirements=("session.logout.server-record",),
        expect="The replayed cookie gives a new, empty session: the server record was deleted, not just the browser's cookie.",
        needs=frozenset({"server-store"}),
        script=logout_kills_record,
    ),
]


@pytest.mark.parametrize("case", [c.param() for c in CASES])
def test_lifecycle(case: SessionCase, mwc: Context) -> None:
    check(case, mwc)
