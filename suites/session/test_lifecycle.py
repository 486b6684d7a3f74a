"""Lifetime, fixation and logout: server-side expiry, rotation on login, ids never adopted, logout on both sides."""

from collections.abc import Callable

import pytest
from mwconform.reference.session import SessionPolicy
from mwconform.reference.session_ops import SET_HEADER
from mwconform.suites.session.check import Play, Script, SessionCase, check, deletes, expect, expect_cookie, expect_counter, fresh_session

from mwconform.plugin import Context

FORGED_ID = "0123456789abcdef0123456789abcdef"
PAST_MAX_AGE = 1.5  # seconds past max-age the expired cookie is replayed
#: The lifetime cases' max-age and the pause before each later request: two pauses pass max-age by
#: more than a second (packages count whole seconds), one stays a second inside it.
LIFETIME, PAUSE = 4, 2.6


def counted_then_later(first_pause: float, last_pause: Callable[[SessionPolicy], float], last: int, why: str) -> Script:
    """GET / (counter 1), `first_pause` s later GET / with its cookie (counter 2), then `last_pause(policy)` s
    later GET / with the newest cookie, which must count `last`; `why` may name {pause} and {max_age}."""

    async def script(p: Play) -> None:
        cookie = expect_cookie(await p.get("/"), "the counter was stored")
        await p.advance(first_pause)
        second = await p.get("/", cookie)
        expect_counter(second, 2, f"{first_pause:g} s after the first write, within max-age {p.policy.max_age}, the cookie carries the session")
        cookie = second.kept(cookie)
        pause = last_pause(p.policy)
        await p.advance(pause)
        expect_counter(await p.get("/", cookie), last, why.format(pause=f"{pause:g}", max_age=p.policy.max_age))

    return script


async def read_does_not_extend(p: Play) -> None:
    cookie = expect_cookie(await p.get("/"), "the counter was stored")
    await p.advance(PAUSE)
    first = await p.get("/read", cookie)
    expect(first.status == 200 and first.session().get("counter") == 1, f"{first} within max-age did not read back counter 1: {first.text[:80]!r}")
    cookie = first.kept(cookie)  # whatever a read sent back is what the browser holds
    await p.advance(PAUSE)
    late = await p.get("/read", cookie)
    expect(late.status == 200, f"{late}: expected 200 and an empty session")
    data = late.session()
    expect(
        data == {},
        f"{2 * PAUSE:g} s after the only write, past max-age {LIFETIME}, the session is {data}: it outlived max-age after its "
        "last write (a read must not extend it)",
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


async def logout_ends_everything(p: Play) -> None:
    cookie = expect_cookie(await p.get("/login"), "login stored the user")
    stored = await p.get("/set", cookie, [(SET_HEADER, "cart=3")])
    expect(stored.status == 200 and stored.session() == {"user": "alice", "cart": "3"}, f"{stored} did not store cart=3 beside the login: {stored.text[:80]!r}")
    cookie = stored.kept(cookie)
    logout = await p.get("/logout", cookie)
    expect(logout.status == 200, f"{logout}: expected 200")
    left = logout.session()
    expect(left == {}, f"{logout} left the session {left}: logout ended only part of it")
    held = logout.kept(cookie)
    after = (await p.get("/read", held)).session()
    expect(after == {}, f"the cookie the browser holds after logout still carries {after}: logout ended only part of the session")
    if "server-store" in p.subject.capabilities:
        replayed = (await p.get("/read", cookie)).session()
        expect(replayed == {}, f"replaying the pre-logout cookie gives {replayed}: the server record kept part of the session")


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
        script=counted_then_later(
            0, lambda policy: policy.max_age + PAST_MAX_AGE, 1, "the cookie was replayed {pause} s after the session was last saved, past max-age {max_age}"
        ),
    ),
    SessionCase(
        id="lifetime.write-within-max-age-extends",
        title=f"max-age {LIFETIME} s; GET / (counter 1), {PAUSE:g} s later GET / with its cookie (counter 2), {PAUSE:g} s "
        "later GET / with the newest cookie",
        requirements=("session.lifetime.from-last-write",),
        expect=f"Counter: 3: the second write restarted the session's lifetime, so {PAUSE:g} s after it the session lives.",
        policy=SessionPolicy(max_age=LIFETIME),
        script=counted_then_later(
            PAUSE, lambda policy: PAUSE, 3, "the session was written again {pause} s ago, within max-age {max_age}: it lives max-age after that write"
        ),
    ),
    SessionCase(
        id="lifetime.read-within-max-age-does-not-extend",
        title=f"max-age {LIFETIME} s; GET / (counter 1), {PAUSE:g} s later GET /read with its cookie, {PAUSE:g} s later "
        "GET /read with the cookie the browser then holds",
        requirements=("session.lifetime.from-last-write",),
        expect=f"The first read sees counter 1; the second, {2 * PAUSE:g} s after the only write, sees an empty session: "
        "a read (and any cookie it sent back) does not extend the session.",
        policy=SessionPolicy(max_age=LIFETIME),
        script=read_does_not_extend,
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
        id="logout.every-key-gone",
        title="GET /login (user alice), GET /set cart=3 with its cookie, GET /logout with the newest cookie, then GET /read "
        "with the cookie the browser holds after it (and, with a server-side store, replaying the pre-logout cookie)",
        requirements=("session.logout.whole-session",),
        expect="The logout answers an empty session; neither the cookie the browser keeps nor the server record holds "
        "cart or user: logout ends the whole session, not only the identity.",
        script=logout_ends_everything,
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
