"""How a session case is judged: a short script of requests against one served subject.

Every case serves the same small app (`scenario(policy)`: a counter at `/`, plus read, set,
login, logout, fill and a raising route) under the case's `SessionPolicy`, then plays its script.
Scripts send every cookie explicitly (no cookie jar, so each replay is deliberate), read the
session cookie out of `Set-Cookie` with the standard library's `http.cookies`, and raise
`Deviation` at the first broken expectation. Every exchange is kept as evidence.
"""

from __future__ import annotations

import json
import re
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable
from contextlib import asynccontextmanager
from dataclasses import asdict, dataclass, field
from email.utils import parsedate_to_datetime
from http.cookies import CookieError, Morsel, SimpleCookie
from typing import Any

from mwconform.adapters.base import Subject
from mwconform.reference.http import Headers
from mwconform.reference.scenario import Call, Handler, Route, Scenario, SessionAction
from mwconform.reference.session import COOKIE_LIMIT, SessionPolicy
from mwconform.reference.session_ops import FILL_KEY

from mwconform.case import Case
from mwconform.harness import Exchange
from mwconform.outcomes import Deviation
from mwconform.plugin import Context
from mwconform.runner import Served, play

FILL_SIZE = 5000  # bytes `/fill` stores: past the 4096-byte cookie limit in any encoding
SLOW = 0.05  # seconds `/set` waits between its write and its answer, so concurrent requests interleave

#: RFC 6265bis cookie-value: cookie-octets, optionally inside DQUOTEs.
COOKIE_VALUE = re.compile(r'"?[\x21\x23-\x2B\x2D-\x3A\x3C-\x5B\x5D-\x7E]*"?')


def scenario(policy: SessionPolicy) -> Scenario:
    """The app every session case serves: seed 000's counter at `/` and one route per operation."""
    return Scenario(
        routes=(
            Route("GET", "/", Handler(session=SessionAction("count"))),
            Route("GET", "/read", Handler(session=SessionAction("read"))),
            Route("GET", "/set", Handler(session=SessionAction("set"), delay=SLOW)),
            Route("GET", "/login", Handler(session=SessionAction("login"))),
            Route("GET", "/logout", Handler(session=SessionAction("logout"))),
            Route("GET", "/fill", Handler(session=SessionAction("fill", size=FILL_SIZE))),
            Route("GET", "/count-then-409", Handler(raise_status=409, session=SessionAction("count"))),
        ),
        session=policy,
    )


def session_cookies(headers: Headers, name: str) -> list[Morsel[str]]:
    """Every `Set-Cookie` field for cookie `name`, parsed by `http.cookies`."""
    found = []
    for line in headers.get_all("set-cookie"):
        jar: SimpleCookie = SimpleCookie()
        try:
            jar.load(line)
        except CookieError:
            jar.clear()
        if name in jar:
            found.append(jar[name])
        elif line.lstrip().startswith(f"{name}="):
            raise Deviation(f"Set-Cookie for {name} cannot be parsed as a cookie: {line[:120]!r}")
    return found


def deletes(morsel: Morsel[str]) -> bool:
    """True when this Set-Cookie tells the browser to drop the cookie (Max-Age ≤ 0 or a past Expires)."""
    max_age = morsel["max-age"]
    if max_age != "":
        try:
            return int(max_age) <= 0
        except ValueError:
            return False
    expires = morsel["expires"]
    if not expires:
        return False
    try:
        return parsedate_to_datetime(expires).timestamp() < 86400 * 365 * 30  # any date before 2000
    except (TypeError, ValueError):
        return False


@dataclass
class Reply:
    """One response, with the session cookie fields it set."""

    exchange: Exchange
    cookies: list[Morsel[str]]

    @property
    def status(self) -> int:
        return self.exchange.status

    @property
    def text(self) -> str:
        return (self.exchange.body or b"").decode("utf-8", "replace")

    @property
    def cookie(self) -> Morsel[str] | None:
        """The (last) session Set-Cookie, or None."""
        return self.cookies[-1] if self.cookies else None

    @property
    def value(self) -> str | None:
        """The session cookie value as sent (to replay it byte for byte), None when none was set."""
        return self.cookie.coded_value if self.cookie is not None else None

    def kept(self, previous: str | None) -> str | None:
        """The cookie a browser holds after this response, given the one it held before."""
        if self.cookie is None:
            return previous
        return None if deletes(self.cookie) else self.value

    def counter(self) -> int | None:
        match = re.fullmatch(r"Counter: (\d+)", self.text.strip())
        return int(match.group(1)) if match else None

    def session(self) -> dict[str, Any]:
        """The session data a non-counter handler answered with."""
        try:
            data = json.loads(self.text)["session"]
        except (ValueError, KeyError, TypeError):
            raise Deviation(f"{self.exchange.call} answered {self.status} {self.text[:80]!r}, not the session as JSON") from None
        if not isinstance(data, dict):
            raise Deviation(f"{self.exchange.call} answered a session that is not an object: {data!r}")
        return data

    def __str__(self) -> str:
        return f"{self.exchange.call} → {self.status}"


class Play:
    """A served subject and the requests a script sends to it."""

    def __init__(self, subject: Subject, policy: SessionPolicy, served: Served) -> None:
        self.subject, self.policy, self.served = subject, policy, served

    @property
    def log(self) -> list[Exchange]:
        return self.served.log

    def call(self, path: str, cookie: str | None, headers: Iterable[tuple[str, str]] = ()) -> Call:
        cookie_header = [("cookie", f"{self.policy.cookie_name}={cookie}")] if cookie is not None else []
        return Call("GET", path, (*cookie_header, *headers))

    async def get(self, path: str, cookie: str | None = None, headers: Iterable[tuple[str, str]] = ()) -> Reply:
        return (await self.send([self.call(path, cookie, headers)]))[0]

    async def get_many(self, path: str, cookie: str | None, header_sets: Iterable[Iterable[tuple[str, str]]]) -> list[Reply]:
        """The same request with each set of extra headers, all at once."""
        return await self.send([self.call(path, cookie, headers) for headers in header_sets], concurrent=True)

    async def send(self, calls: list[Call], concurrent: bool = False) -> list[Reply]:
        exchanges = await self.served.send(calls, concurrent=concurrent)
        return [Reply(e, session_cookies(e.headers, self.policy.cookie_name)) for e in exchanges]

    async def advance(self, seconds: float) -> None:
        """Move the subject's session clock: instantly (its injected clock, or the wall clock moved by time-machine),
        or by really waiting where the subject declares `clock = "sleep"` (adapters/features.py)."""
        await self.served.advance(seconds)

    @asynccontextmanager
    async def another(self) -> AsyncIterator[Play]:
        """A second app of the same subject and policy (its own secret and store), served alongside."""
        async with self.served.another(scenario(self.policy)) as other:
            yield Play(self.subject, self.policy, other)


Script = Callable[[Play], Awaitable[None]]


@dataclass(frozen=True)
class SessionCase(Case):
    policy: SessionPolicy = field(default_factory=SessionPolicy)
    #: The requests and expectations, as an async function of the served subject.
    script: Script | None = None


def check(case: SessionCase, mwc: Context) -> None:
    """Serve the subject under the case's policy and play the script; its exchanges are the evidence."""
    if case.script is None:
        raise ValueError(f"session case {case.id} has no script")
    script = case.script

    async def run_script(served: Served) -> None:
        await script(Play(mwc.subject, case.policy, served))

    mwc.evidence(policy=asdict(case.policy), expected=case.expect)
    play(mwc, scenario(case.policy), run_script)


# Expectations shared by the scripts; each raises Deviation with what was observed.


def expect(condition: bool, message: str) -> None:
    if not condition:
        raise Deviation(message)


def expect_counter(reply: Reply, value: int, why: str) -> None:
    """`reply` answered 200 `Counter: value`."""
    if reply.status != 200 or reply.counter() != value:
        raise Deviation(f"{reply.exchange.call} answered {reply.status} {reply.text[:60]!r}, expected 'Counter: {value}' ({why})")


def expect_cookie(reply: Reply, why: str) -> str:
    """The session cookie `reply` set (not a deletion); Deviation when there is none."""
    value = reply.kept(None)
    if value is None:
        raise Deviation(f"{reply} set no session cookie ({why}); Set-Cookie: {reply.exchange.headers.get_all('set-cookie')}")
    return value


def fresh_session(reply: Reply, presented: str, why: str) -> None:
    """`reply` served a new empty session (Counter: 1) and did not echo the presented value back."""
    if reply.status >= 500:
        raise Deviation(f"{reply} for a session cookie {why}: a server error, not a new session")
    expect_counter(reply, 1, f"a session cookie {why} must give a new, empty session")
    for morsel in reply.cookies:
        expect(morsel.coded_value not in ("", presented) or deletes(morsel), f"{reply} sent back the {why} value {presented[:40]!r} as the session cookie")


def oversize(reply: Reply, name: str) -> list[int]:
    """Sizes (name + value) of session cookies in `reply` past the 4096-byte limit."""
    return [len(name) + len(m.coded_value) for m in reply.cookies if len(name) + len(m.coded_value) > COOKIE_LIMIT]


def fill_kept(reply: Reply) -> int:
    value = reply.session().get(FILL_KEY)
    return len(value) if isinstance(value, str) else 0
