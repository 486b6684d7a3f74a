"""What every session subject shares: a per-serve backend, the target that moves time, Redis.

A session subject is a framework subject (`AiohttpSubject`, `SanicSubject`, `ReferenceSubject`)
with `SessionSubject` mixed in first. Each `serve` opens a fresh *backend* (a new secret, a new
store or Redis namespace, a clock) for the scenario's `SessionPolicy`, and builds the app on a
per-serve copy of the subject that holds it, so two apps served at once (the foreign-key case)
never share a secret. The target it yields can `advance` the session clock without sleeping:
the backend's own clock where it is injectable (the reference), else the process's wall clock
moved by time-machine (`session_clock`, the subject's `clock = "travel"`), or by really sleeping
for a subject that declares `clock = "sleep"`.
"""

from __future__ import annotations

import asyncio
import copy
import importlib
import secrets
from abc import abstractmethod
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from contextlib import AbstractAsyncContextManager, ExitStack, asynccontextmanager
from dataclasses import dataclass, field
from typing import Any, ClassVar

from ..outcomes import HarnessError, NotApplicable
from ..redis_server import redis_url
from ..reference.probes import Recorder
from ..reference.scenario import Scenario
from ..reference.session import Clock, ManualClock, SessionManager, SessionPolicy, Storage
from .base import Subject, Target
from .session_clock import CLOCKS, WALL_CLOCK

Advance = Callable[[float], Awaitable[None]]

#: Reference storages by name: what `reference_backend` can build.
STORAGES = ("signed", "encrypted", "memory", "redis")


@dataclass
class SessionTarget(Target):
    """A target whose session clock the case can move forward by `advance(seconds)`."""

    advance: Advance = field(default=asyncio.sleep)
    #: How `advance` moves the clock, for the evidence.
    clock: str = CLOCKS["sleep"]


@dataclass
class Backend:
    """What one serve of a session subject needs: its middleware's state and its clock."""

    state: Any  # a SessionManager, or a package's storage / interface object
    #: Moves the backend's own session clock; None: it reads the wall clock (see `SessionSubject.clock`).
    advance: Advance | None = None


class KeyLedger:
    """The keys a Redis client set with a lifetime, aged on demand: Redis counts TTLs on its own
    clock, which time-machine cannot move, so `age` moves them as far as the wall clock moved."""

    COMMANDS = frozenset({"SET", "SETEX", "PSETEX", "EXPIRE", "PEXPIRE", "GETEX"})

    def __init__(self, client: Any) -> None:
        self.client, self.keys = client, set()

    def note(self, args: tuple[Any, ...]) -> None:
        if len(args) > 1 and str(args[0]).upper() in self.COMMANDS:
            self.keys.add(args[1])

    async def age(self, seconds: float) -> None:
        """Every noted key lives `seconds` less; one whose lifetime that ends is deleted."""
        shift = round(seconds * 1000)
        for key in list(self.keys):
            left = await self.client.pttl(key)
            if left == -2:  # gone
                self.keys.discard(key)
            elif left >= 0 and left <= shift:
                await self.client.delete(key)
                self.keys.discard(key)
            elif left > shift:
                await self.client.pexpire(key, left - shift)


@asynccontextmanager
async def redis_client() -> AsyncIterator[Any]:
    """A redis-py asyncio client for this run's Redis (see `mwconform.redis_server`), closed after.

    The keys it sets with a lifetime age whenever the wall clock is moved (`session_clock`).
    """
    aioredis = require("redis.asyncio", "session")
    url = redis_url()

    class LedgerRedis(aioredis.Redis):  # type: ignore[misc, name-defined]
        ledger: KeyLedger

        async def execute_command(self, *args: Any, **options: Any) -> Any:
            self.ledger.note(args)
            return await super().execute_command(*args, **options)

    client = LedgerRedis.from_url(url, socket_connect_timeout=2, socket_timeout=5)
    client.ledger = KeyLedger(client)
    try:
        try:
            await client.ping()
        except aioredis.RedisError as exc:
            raise HarnessError(f"cannot reach Redis at {url}: {exc}") from None
        with WALL_CLOCK.following(client.ledger.age):
            yield client
    finally:
        await client.aclose()


@asynccontextmanager
async def reference_storage(kind: str, clock: Clock) -> AsyncIterator[Storage]:
    """A fresh reference storage of `kind`: its own secret, store, or Redis key namespace."""
    stores = require("mwconform.reference.session_stores", "session")
    if kind == "signed":
        yield stores.SignedCookieStorage(secrets.token_bytes(32))
    elif kind == "encrypted":
        yield stores.EncryptedCookieStorage(stores.EncryptedCookieStorage.new_key())
    elif kind == "memory":
        yield stores.ServerStorage(stores.MemoryStore(clock))
    elif kind == "redis":
        async with redis_client() as client:
            yield stores.ServerStorage(stores.RedisStore(client, prefix=f"mwc:{secrets.token_hex(8)}:"))
    else:
        raise ValueError(f"unknown session storage {kind!r}; accepted: {', '.join(STORAGES)}")


class SessionSubject(Subject):
    """Mix in before a framework subject: graded by the session suite, served with a backend."""

    suites = frozenset({"session"})
    capabilities: ClassVar[frozenset[str]] = frozenset()
    known: ClassVar[Mapping[str, str]] = {}
    #: How cases move time when the backend has no clock of its own: a key of `session_clock.CLOCKS`.
    clock: ClassVar[str] = "travel"
    #: The backend of this serve; set on the per-serve copy `serve` builds the app from.
    backend: Backend | None = None

    @property
    def state(self) -> Any:
        """The backend's middleware state (only on the per-serve copy `serve` builds the app from)."""
        if self.backend is None:
            raise HarnessError(f"{self.name}: the session backend is only there while serving")
        return self.backend.state

    @abstractmethod
    def open_backend(self, policy: SessionPolicy) -> AbstractAsyncContextManager[Backend]:
        """A fresh backend for `policy`; raise NotApplicable when the policy cannot be expressed."""

    @asynccontextmanager
    async def serve(self, scenario: Scenario, recorder: Recorder, mode: str) -> AsyncIterator[Target]:
        if self.clock not in CLOCKS:
            raise ValueError(f"{self.name}: clock {self.clock!r} is unknown; accepted: {', '.join(CLOCKS)}")
        async with self.open_backend(scenario.session or SessionPolicy()) as backend:
            bound = copy.copy(self)
            bound.backend = backend
            with ExitStack() as travelling:
                if backend.advance is not None:
                    advance, clock = backend.advance, "the subject's session clock is injected"
                elif self.clock == "travel":
                    # Travel starts at the real present and ticks, so time the backend noted is still true.
                    travelling.enter_context(WALL_CLOCK.held())
                    advance, clock = WALL_CLOCK.advance, CLOCKS["travel"]
                else:
                    advance, clock = asyncio.sleep, CLOCKS["sleep"]
                async with super(SessionSubject, bound).serve(scenario, recorder, mode) as target:  # type: ignore[misc]
                    yield SessionTarget(target.base_url, target.transport, advance, clock)


class ReferenceSessionSubject(SessionSubject):
    """The reference `SessionManager` on some framework, with one of the reference storages."""

    storage: ClassVar[str] = "signed"
    #: The manager class to run; self-tests substitute broken ones.
    manager_class: ClassVar[type[SessionManager]] = SessionManager
    packages = ("mwconform", "itsdangerous", "cryptography", "redis")

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if "capabilities" not in cls.__dict__:
            cls.capabilities = frozenset({"server-store"}) if cls.storage in ("memory", "redis") else frozenset()

    @asynccontextmanager
    async def open_backend(self, policy: SessionPolicy) -> AsyncIterator[Backend]:
        clock = ManualClock()
        async with self.open_storage(clock) as storage:
            yield Backend(self.manager_class(policy, storage, clock), clock.advance)

    def open_storage(self, clock: Clock) -> AbstractAsyncContextManager[Storage]:
        """The storage for one serve; self-tests substitute broken ones."""
        return reference_storage(self.storage, clock)

    @property
    def manager(self) -> SessionManager:
        manager: SessionManager = self.state
        return manager


def require(module: str, extra: str) -> Any:
    """Import `module`, or make the subject's cases n/a naming the missing package and the extra to install."""
    try:
        return importlib.import_module(module)
    except ModuleNotFoundError as exc:
        raise NotApplicable(f"{exc.name} is not installed: pip install 'mwconform[{extra}]'") from None
