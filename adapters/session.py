"""What the session subjects share: Redis for server-side stores, and the reference session binding.

Session subjects are `SessionSubject`s (`adapters/features.py`): a framework, a binding that
builds the session layer from the case's `SessionPolicy` once per served app (a new secret, a new
store or Redis namespace), and how a handler reaches the request's session. `ReferenceSession`
is that binding for the reference `SessionManager` with one of the reference storages; each
framework module says where its layer keeps the session.
"""

from __future__ import annotations

import importlib
import secrets
from abc import abstractmethod
from collections.abc import AsyncIterator, Callable, MutableMapping
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from typing import TYPE_CHECKING, Any, ClassVar

from ..outcomes import HarnessError, NotApplicable
from ..redis_server import redis_url
from ..runner import register_service
from . import install_hint
from .base import ContractError, Plug
from .features import Clocked, SessionSubject
from .session_clock import WALL_CLOCK

if TYPE_CHECKING:
    from ..reference.session import ManualClock, Session, SessionManager, SessionPolicy, Storage
    from ..reference.session_ops import SessionAPI

#: Reference storages by name: what `reference_storage` can build.
STORAGES = ("signed", "encrypted", "memory", "redis")


def session_api(plug: Plug) -> Callable[[Any], SessionAPI]:
    """How the scenario's session handlers reach the request's session (the plug's session binding)."""
    if plug.session is None:
        raise ContractError("the scenario has session routes but the subject gives no session binding (a SessionSubject's session(request))")
    return plug.session


class KeyLedger:
    """The keys a Redis client set with a lifetime, aged on demand: Redis counts TTLs on its own
    clock, which time-machine cannot move, so `age` moves them as far as the wall clock moved."""

    COMMANDS = frozenset({"SET", "SETEX", "PSETEX", "EXPIRE", "PEXPIRE", "GETEX"})

    def __init__(self, client: Any) -> None:
        self.client, self.keys = client, set[Any]()

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

    The keys it sets with a lifetime age whenever the wall clock is moved (`session_clock`), and
    the case it serves is an `error` if Redis stops answering (an outage, not a verdict).
    """
    aioredis = require("redis.asyncio", "session")
    url = redis_url()

    class LedgerRedis(aioredis.Redis):  # type: ignore[name-defined]
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

        async def reachable() -> str | None:
            try:
                await client.ping()
            except aioredis.RedisError as exc:
                return f"Redis at {url} stopped answering ({exc})"
            return None

        register_service(reachable)
        with WALL_CLOCK.following(client.ledger.age):
            yield client
    finally:
        await client.aclose()


@asynccontextmanager
async def reference_storage(kind: str, clock: ManualClock) -> AsyncIterator[Storage]:
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


class ReferenceSession(SessionSubject):
    """The reference `SessionManager` with one reference storage, on some framework.

    A framework module subclasses it once: `middleware(manager)` (the layer) and `current(request)`
    (where that layer keeps the request's `Session`).
    """

    storage: ClassVar[str] = "signed"
    #: The manager class to run; self-tests substitute broken ones.
    manager_class: ClassVar[type[SessionManager]]
    packages: tuple[str, ...] = ("mwconform", "itsdangerous", "cryptography", "redis")

    def default_capabilities(self) -> frozenset[str]:
        return frozenset({"server-store"}) if self.storage in ("memory", "redis") else frozenset()

    @abstractmethod
    def middleware(self, manager: SessionManager) -> Any:
        """The framework layer that loads and commits sessions with `manager`."""

    @abstractmethod
    def current(self, request: Any) -> Session:
        """The request's reference `Session`, where `middleware` put it."""

    def open_storage(self, clock: ManualClock) -> AbstractAsyncContextManager[Storage]:
        """The storage for one serve; self-tests substitute broken ones."""
        return reference_storage(self.storage, clock)

    @asynccontextmanager
    async def layer(self, policy: SessionPolicy) -> AsyncIterator[Clocked]:
        session = require("mwconform.reference.session", "session")
        manager_class = getattr(type(self), "manager_class", session.SessionManager)
        clock = session.ManualClock()
        async with self.open_storage(clock) as storage:
            yield Clocked(self.middleware(manager_class(policy, storage, clock)), clock.advance)

    def session(self, request: Any) -> MutableMapping[str, Any]:
        return self.current(request)

    async def rotate(self, request: Any) -> MutableMapping[str, Any]:
        current = self.current(request)
        current.rotate()
        return current

    async def logout(self, request: Any) -> None:
        self.current(request).invalidate()


def require(module: str, extra: str) -> Any:
    """Import `module`, or make the subject's cases n/a naming the missing package and the extra to install."""
    try:
        return importlib.import_module(module)
    except ModuleNotFoundError as exc:
        raise NotApplicable(f"{exc.name} is not installed: {install_hint(extra)}") from None
