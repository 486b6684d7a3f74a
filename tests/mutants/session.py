"""Deliberately broken session middleware: the session suite must report `fail` for each.

Each mutant is the reference session middleware (manager, middleware or storage) with one
realistic bug planted (its docstring, one line), served in the reference pipeline like any
subject. `tests/test_mutation_score.py` checks that the suite kills every mutant and that every
session case kills at least one.
"""

from __future__ import annotations

import secrets
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import replace
from typing import Any

from mwconform.adapters.session_reference import ReferenceSession
from mwconform.reference.session import SessionPolicy
from mwconform.reference.http import Request, Response
from mwconform.reference.session import Change, Session, SessionManager, SessionMiddleware, cookie_value
from mwconform.reference.session_stores import MemoryStore, ServerStorage, SignedCookieStorage


class WrongCookieName(SessionManager):
    """Reads the session from the default cookie name `session` but writes the configured one: nothing persists."""
    breaks = ("persist.seed-000-counter",)

    async def load(self, cookie_header: str | None) -> Session:
        return await SessionManager(replace(self.policy, cookie_name="session"), self.storage, self.clock).load(cookie_header)


class FlagsDropped(SessionManager):
    """Writes the cookie without its Secure, HttpOnly and SameSite flags."""
    breaks = ("attributes.default-policy", "attributes.host-prefix-strict", "attributes.samesite-none-domain-path")

    def set_cookie(self, value: str, *, delete: bool = False) -> str:
        bare = SessionManager(replace(self.policy, secure=False, http_only=False, same_site=None), self.storage, self.clock)
        return bare.set_cookie(value, delete=delete)


class MaxAgeInMilliseconds(SessionManager):
    """Sends Max-Age in milliseconds (a unit mix-up), so browsers keep the cookie 1000 times too long."""
    breaks = ("attributes.script-readable-no-samesite",)

    def set_cookie(self, value: str, *, delete: bool = False) -> str:
        header = super().set_cookie(value, delete=delete)
        return header.replace(f"Max-Age={self.policy.max_age};", f"Max-Age={self.policy.max_age * 1000};")


class UncheckedDecode(SignedCookieStorage):
    """Verifies the signature with `loads` outside any try: a bad cookie raises and answers 500."""
    breaks = ("integrity.empty-value",)

    async def load(self, value: str) -> tuple[str | None, dict[str, Any]] | None:
        return None, self._serializer.loads(value)


class SignatureNotVerified(SignedCookieStorage):
    """Reads the payload with `loads_unsafe` and ignores whether the signature matched."""
    breaks = ("integrity.foreign-key", "machine.sequence")

    async def load(self, value: str) -> tuple[str | None, dict[str, Any]] | None:
        _, record = self._serializer.loads_unsafe(value)
        return (None, record) if isinstance(record, dict) else None


class NoServerExpiry(SessionManager):
    """Never checks a record's expiry on the server, trusting the browser to drop the cookie."""
    breaks = ("expiry.replayed-after-max-age",)

    async def load(self, cookie_header: str | None) -> Session:
        return await SessionManager(self.policy, self.storage, lambda: float("-inf")).load(cookie_header)


class NoRotation(SessionManager):
    """Ignores rotate(): login keeps the session id (session fixation)."""
    breaks = ("fixation.login-rotates-id",)

    async def commit(self, session: Session) -> str | None:
        session.rotated = False
        return await super().commit(session)


class AdoptsUnknownIds(ServerStorage):
    """Adopts a presented id the store does not hold, as an empty session stored under that id."""
    breaks = ("integrity.4k-junk", "integrity.garbage", "integrity.one-character-changed", "integrity.truncated")

    async def load(self, value: str) -> tuple[str | None, dict[str, Any]] | None:
        return await super().load(value) or (value, {"data": {}, "exp": float("inf")})

    async def update(self, sid: str, change: Change, ttl: int) -> bool:
        if await self.store.get(sid) is None:  # an upsert: the unknown id becomes a record
            await self.save(sid, {"data": {}, "exp": float("inf")}, ttl)
        return await super().update(sid, change, ttl)


class LogoutEmptiesRecord(SessionManager):
    """Logout empties the server record instead of deleting it, and an empty record still loads: the ended id is revived by the next write."""
    breaks = ("fixation.logged-out-id-not-adopted",)

    async def commit(self, session: Session) -> str | None:
        if session.invalidated and session.sid is not None:
            await self.storage.save(session.sid, {"data": {}, "exp": self.clock() + self.policy.max_age}, self.policy.max_age)
            session.changed = session.invalidated = False
            return self.set_cookie("", delete=True)
        return await super().commit(session)


class ShortIds(ServerStorage):
    """Session ids of 64 random bits (secrets.token_hex(8)): what OWASP once asked for, half what ASVS 5.0 does."""
    breaks = ("ids.sixty-four-new-sessions",)

    async def save(self, sid: str | None, record: dict[str, Any], ttl: int) -> str:
        return await super().save(sid or secrets.token_hex(8), record, ttl)


class LogoutKeepsCookie(SessionManager):
    """Logout deletes the server record but never tells the browser to drop the cookie."""
    breaks = ("logout.deletes-cookie",)

    async def commit(self, session: Session) -> str | None:
        logout = session.invalidated
        header = await super().commit(session)
        return None if logout else header


class ForgetsIdentityOnly(SessionManager):
    """Logout removes only the identity key (as aiohttp-security's forget() does): every other key stays, and the session is saved again."""
    breaks = ("logout.every-key-gone",)

    async def load(self, cookie_header: str | None) -> Session:
        session = await super().load(cookie_header)

        def forget() -> None:
            session.pop("user", None)

        session.invalidate = forget  # type: ignore[method-assign]
        return session


class LogoutKeepsRecord(SessionManager):
    """Logout deletes the browser's cookie but leaves the server record alive."""
    breaks = ("logout.server-record-gone",)

    async def commit(self, session: Session) -> str | None:
        if session.invalidated:
            return self.set_cookie("", delete=True)
        return await super().commit(session)


class AlwaysSends(SessionManager):
    """Re-sends the session cookie on every response, unchanged and anonymous sessions included."""
    breaks = ("save.anonymous-read-sends-no-cookie", "save.read-only-request-sends-no-cookie")

    async def commit(self, session: Session) -> str | None:
        if session.changed:
            return await super().commit(session)
        now = self.clock()
        value = await self.storage.save(session.sid, {"data": dict(session), "exp": now + self.policy.max_age}, self.policy.max_age)
        return self.set_cookie(value)


class NoSizeCheck(SessionManager):
    """Sends the session cookie whatever its size; browsers drop it past 4096 bytes."""
    breaks = ("size.over-4096-bytes",)

    cookie_limit = 10**9


class SlidingOnRead(SessionManager):
    """Restamps the stored record's expiry whenever a session is loaded, so reading keeps it alive forever."""
    breaks = ("lifetime.read-within-max-age-does-not-extend",)

    async def load(self, cookie_header: str | None) -> Session:
        session = await super().load(cookie_header)
        if session.sid is not None:
            await self.storage.save(session.sid, {"data": dict(session), "exp": self.clock() + self.policy.max_age}, self.policy.max_age)
        return session


class SessionCachedById(SessionManager):
    """Caches loaded sessions by cookie value, so concurrent requests share one session object."""
    breaks = ("fixation.unknown-id-not-adopted",)

    cache: dict[str, Session] = {}

    async def load(self, cookie_header: str | None) -> Session:
        value = cookie_value(cookie_header, self.policy.cookie_name)
        if value is None:
            return await super().load(cookie_header)
        if value not in self.cache:
            self.cache[value] = await super().load(cookie_header)
        return self.cache[value]


class CookieParsedByHand(SessionManager):
    """The Cookie header is parsed as dict(pair.split("=", 1) for pair in header.split("; ")): a piece without `=` raises, answering 500."""
    breaks = ("robust.hostile-cookie",)

    async def load(self, cookie_header: str | None) -> Session:
        jar = dict(pair.split("=", 1) for pair in (cookie_header or "").split("; ") if pair)
        value = jar.get(self.policy.cookie_name)
        return await super().load(None if value is None else f"{self.policy.cookie_name}={value}")


class TtlFromCreation(MemoryStore):
    """Keeps a key's first lifetime when it is saved again (like Redis `SET ... KEEPTTL`): sessions die max-age after creation."""
    breaks = ("lifetime.write-within-max-age-extends",)

    async def set(self, key: str, value: bytes, ttl: int) -> None:
        first = self._entries.get(key)
        await super().set(key, value, ttl)
        if first is not None:
            self._entries[key] = (value, first[1])


class WholeRecordSave(SessionManager):
    """Saves the request's whole copy of the session over the record (last writer wins): a concurrent request's write to another key is lost."""
    breaks = ("concurrency.writers-of-different-keys-all-kept",)

    async def save(self, session: Session) -> str | None:
        exp = self.clock() + self.policy.max_age
        return await self.storage.save(session.sid, {"data": dict(session), "exp": exp}, self.policy.max_age)


class OneSessionObject(SessionManager):
    """Reuses one Session object, refilled on every load: a concurrent request's load wipes what this request wrote."""
    breaks = ("concurrency.fifty-requests-one-session",)

    shared: Session | None = None

    async def load(self, cookie_header: str | None) -> Session:
        fresh = await super().load(cookie_header)
        if self.shared is None:
            self.shared = Session()
        dict.clear(self.shared)
        dict.update(self.shared, fresh)
        self.shared.__dict__.update(fresh.__dict__)
        return self.shared


class IdFromAnotherParser(SessionManager):
    """Loads the session from the first of two same-name cookies, but saves and deletes under the id SimpleCookie finds (the last)."""
    breaks = ("tossing.two-cookies-of-one-name",)

    async def load(self, cookie_header: str | None) -> Session:
        name = self.policy.cookie_name
        first = next((v for k, _, v in (p.strip().partition("=") for p in (cookie_header or "").split(";")) if k == name), None)
        session = await super().load(None if first is None else f"{name}={first}")
        last = cookie_value(cookie_header, name)
        if session.sid is not None and last is not None:
            session.sid = last
        return session


class NotSavedOnHttpError(SessionMiddleware):
    """Saves only responses returned normally: changes before an HTTP exception are lost."""
    breaks = ("save.on-http-exception",)

    async def on_error(self, request: Request, error: Exception) -> Response | None:
        return None


def mutant(bug: type, storage: str) -> type[ReferenceSession]:
    """A subject `mutant/<Bug>` serving the reference session middleware with `bug` planted."""
    attrs: dict[str, Any] = {"name": f"mutant/{bug.__name__}", "storage": storage, "description": bug.__doc__, "breaks": getattr(bug, "breaks", ()), "__module__": bug.__module__}
    if issubclass(bug, SessionManager):
        attrs["manager_class"] = bug
    elif issubclass(bug, SessionMiddleware):
        attrs["middleware_class"] = bug
    else:

        @asynccontextmanager
        async def open_storage(self: ReferenceSession, clock: Any) -> AsyncIterator[Any]:
            if issubclass(bug, SignedCookieStorage):
                yield bug(secrets.token_bytes(32))
            else:
                yield ServerStorage(bug(clock)) if issubclass(bug, MemoryStore) else bug(MemoryStore(clock))

        attrs["open_storage"] = open_storage
    return type(bug.__name__ + "Subject", (ReferenceSession,), attrs)


class WallClockSlidingOnReadSubject(mutant(SlidingOnRead, "memory")):  # type: ignore[misc]
    """SlidingOnRead reading the wall clock (time.time), as packages do, instead of an injected clock."""
    breaks = ("lifetime.read-within-max-age-does-not-extend",)

    name = "mutant/WallClockSlidingOnRead"
    description = __doc__

    @asynccontextmanager
    async def layer(self, policy: SessionPolicy) -> AsyncIterator[Any]:
        async with self.open_storage(time.time) as storage:
            # No clock of its own (no `Clocked`): the harness moves the wall clock.
            yield self.middleware(SlidingOnRead(policy, storage, time.time))


MUTANTS: list[type[ReferenceSession]] = [
    mutant(WrongCookieName, "signed"),
    mutant(FlagsDropped, "signed"),
    mutant(MaxAgeInMilliseconds, "signed"),
    mutant(UncheckedDecode, "signed"),
    mutant(SignatureNotVerified, "signed"),
    mutant(NoServerExpiry, "signed"),
    mutant(NoRotation, "memory"),
    mutant(AdoptsUnknownIds, "memory"),
    mutant(LogoutKeepsCookie, "memory"),
    mutant(LogoutKeepsRecord, "memory"),
    mutant(ForgetsIdentityOnly, "signed"),
    mutant(LogoutEmptiesRecord, "memory"),
    mutant(ShortIds, "memory"),
    mutant(IdFromAnotherParser, "memory"),
    mutant(AlwaysSends, "memory"),
    mutant(NoSizeCheck, "signed"),
    mutant(SessionCachedById, "memory"),
    mutant(NotSavedOnHttpError, "memory"),
    mutant(CookieParsedByHand, "signed"),
    mutant(TtlFromCreation, "memory"),
    mutant(SlidingOnRead, "memory"),
    WallClockSlidingOnReadSubject,
    mutant(WholeRecordSave, "redis"),
    mutant(OneSessionObject, "memory"),
]
globals().update({m.__name__: m for m in MUTANTS})
