"""Session storages for `SessionManager`: signed or encrypted cookies, or a server-side store.

Cookie storages use maintained libraries only (itsdangerous for signing, cryptography's Fernet
for authenticated encryption); the server-side storage keeps records in a `Store` under an id
from `secrets` (256 bits), with an in-memory store and a Redis store (redis-py's asyncio API).
"""

from __future__ import annotations

import asyncio
import json
import secrets
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any, Protocol

import redis.asyncio
from cryptography.fernet import Fernet, InvalidToken
from itsdangerous import BadData, URLSafeSerializer
from redis.exceptions import WatchError

from .session import Change, Clock

Rewrite = Callable[[bytes | None], bytes | None]
UPDATE_TRIES = 100  # optimistic Redis transactions retried on a concurrent write before giving up


class SignedCookieStorage:
    """The record in the cookie, JSON signed with HMAC by itsdangerous: readable, not forgeable."""

    server_side = False

    def __init__(self, secret: str | bytes, salt: str = "mwconform.session") -> None:
        self._serializer = URLSafeSerializer(secret, salt=salt)

    async def load(self, value: str) -> tuple[str | None, dict[str, Any]] | None:
        try:
            record = self._serializer.loads(value)
        except (BadData, UnicodeError):  # UnicodeError: obs-text bytes aiohttp hands over surrogate-escaped
            return None
        return (None, record) if isinstance(record, dict) else None

    async def save(self, sid: str | None, record: dict[str, Any], ttl: int) -> str:
        return self._serializer.dumps(record)

    async def delete(self, sid: str) -> None:
        """Nothing to delete: the record lives in the cookie only."""


class EncryptedCookieStorage:
    """The record in the cookie, encrypted and authenticated with Fernet: neither readable nor forgeable."""

    server_side = False

    def __init__(self, key: bytes | str) -> None:
        self._fernet = Fernet(key)

    @staticmethod
    def new_key() -> bytes:
        """A fresh random Fernet key."""
        return Fernet.generate_key()

    async def load(self, value: str) -> tuple[str | None, dict[str, Any]] | None:
        try:
            record = json.loads(self._fernet.decrypt(value.encode("ascii")))
        except (InvalidToken, ValueError, RecursionError):  # RecursionError: JSON nested past the decoder's limit
            return None
        return (None, record) if isinstance(record, dict) else None

    async def save(self, sid: str | None, record: dict[str, Any], ttl: int) -> str:
        return self._fernet.encrypt(json.dumps(record).encode()).decode("ascii")

    async def delete(self, sid: str) -> None:
        """Nothing to delete: the record lives in the cookie only."""


class Store(Protocol):
    """A key-value store with per-key lifetimes, holding serialized session records."""

    async def get(self, key: str) -> bytes | None: ...
    async def set(self, key: str, value: bytes, ttl: int) -> None: ...
    async def delete(self, key: str) -> None: ...

    async def update(self, key: str, rewrite: Rewrite, ttl: int) -> bytes | None:
        """Atomically set `key` to `rewrite(current value)` unless that is None; the value set."""


class MemoryStore:
    """A dict in this process; entries older than their lifetime are dropped when read."""

    def __init__(self, clock: Clock = time.time) -> None:
        self.clock = clock
        self._entries: dict[str, tuple[bytes, float]] = {}

    async def get(self, key: str) -> bytes | None:
        value, deadline = self._entries.get(key, (None, 0.0))
        if value is not None and deadline <= self.clock():
            del self._entries[key]
            return None
        return value

    async def set(self, key: str, value: bytes, ttl: int) -> None:
        self._entries[key] = (value, self.clock() + ttl)

    async def delete(self, key: str) -> None:
        self._entries.pop(key, None)

    async def update(self, key: str, rewrite: Rewrite, ttl: int) -> bytes | None:
        # Atomic: nothing between the read and the write gives the event loop away.
        value = rewrite(await self.get(key))
        if value is not None:
            await self.set(key, value, ttl)
        return value


def _as_bytes(value: bytes | str | None) -> bytes | None:
    """A Redis reply as bytes (the client is made without decode_responses, so it already is)."""
    return value.encode() if isinstance(value, str) else value


class RedisStore:
    """Redis through redis-py's asyncio client; keys live under `prefix` and expire with `EX`."""

    def __init__(self, client: redis.asyncio.Redis, prefix: str = "mwc:session:") -> None:
        self.client, self.prefix = client, prefix
        #: Per key: a lock and how many updates hold or wait for it. Updates of one key from this
        #: process take turns, so WATCH retries only when another process wrote it.
        self._turns: dict[str, tuple[asyncio.Lock, int]] = {}

    @asynccontextmanager
    async def _turn(self, key: str) -> AsyncIterator[None]:
        lock, users = self._turns.get(key, (asyncio.Lock(), 0))
        self._turns[key] = (lock, users + 1)
        try:
            async with lock:
                yield
        finally:
            lock, users = self._turns[key]
            if users == 1:
                del self._turns[key]
            else:
                self._turns[key] = (lock, users - 1)

    async def get(self, key: str) -> bytes | None:
        return _as_bytes(await self.client.get(self.prefix + key))

    async def set(self, key: str, value: bytes, ttl: int) -> None:
        await self.client.set(self.prefix + key, value, ex=ttl)

    async def delete(self, key: str) -> None:
        await self.client.delete(self.prefix + key)

    async def update(self, key: str, rewrite: Rewrite, ttl: int) -> bytes | None:
        """WATCH, read, MULTI, write: retried when another client wrote the key in between
        (optimistic: 50 concurrent updates of one key would otherwise retry each other ~1250 times)."""
        name = self.prefix + key
        async with self._turn(key), self.client.pipeline(transaction=True) as pipe:
            for _ in range(UPDATE_TRIES):
                try:
                    await pipe.watch(name)
                    value = rewrite(_as_bytes(await pipe.get(name)))
                    if value is None:
                        await pipe.unwatch()
                        return None
                    pipe.multi()
                    pipe.set(name, value, ex=ttl)
                    await pipe.execute()
                    return value
                except WatchError:
                    continue
        raise RuntimeError(f"session record {key[:8]}... changed under {UPDATE_TRIES} tries in a row")


class ServerStorage:
    """Records in a server-side `Store`; the cookie holds only a random id, never data.

    An id the store does not hold (forged, expired, deleted) loads nothing, so the manager starts
    a new session with a new id: a presented id is never adopted (session fixation).
    """

    server_side = True

    def __init__(self, store: Store) -> None:
        self.store = store

    async def load(self, value: str) -> tuple[str | None, dict[str, Any]] | None:
        if not value.isascii():  # never an id of ours; obs-text arrives surrogate-escaped, which Redis cannot encode
            return None
        record = self._decode(await self.store.get(value))
        return None if record is None else (value, record)

    async def save(self, sid: str | None, record: dict[str, Any], ttl: int) -> str:
        sid = sid or secrets.token_urlsafe(32)
        await self.store.set(sid, json.dumps(record).encode(), ttl)
        return sid

    async def delete(self, sid: str) -> None:
        await self.store.delete(sid)

    async def update(self, sid: str, change: Change, ttl: int) -> bool:
        def rewrite(raw: bytes | None) -> bytes | None:
            record = self._decode(raw)
            changed = change(record) if record is not None else None
            return None if changed is None else json.dumps(changed).encode()

        return await self.store.update(sid, rewrite, ttl) is not None

    @staticmethod
    def _decode(raw: bytes | None) -> dict[str, Any] | None:
        if raw is None:
            return None
        try:
            record = json.loads(raw)
        except (ValueError, RecursionError):  # a record this storage did not write (a shared store)
            return None
        return record if isinstance(record, dict) else None
