"""Session storages for `SessionManager`: signed or encrypted cookies, or a server-side store.

Cookie storages use maintained libraries only (itsdangerous for signing, cryptography's Fernet
for authenticated encryption); the server-side storage keeps records in a `Store` under an id
from `secrets` (256 bits), with an in-memory store and a Redis store (redis-py's asyncio API).
"""

from __future__ import annotations

import json
import secrets
import time
from typing import Any, Protocol

import redis.asyncio
from cryptography.fernet import Fernet, InvalidToken
from itsdangerous import BadData, URLSafeSerializer

from .session import Clock


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


class RedisStore:
    """Redis through redis-py's asyncio client; keys live under `prefix` and expire with `EX`."""

    def __init__(self, client: redis.asyncio.Redis, prefix: str = "mwc:session:") -> None:
        self.client, self.prefix = client, prefix

    async def get(self, key: str) -> bytes | None:
        value = await self.client.get(self.prefix + key)
        return value if isinstance(value, bytes) or value is None else value.encode()

    async def set(self, key: str, value: bytes, ttl: int) -> None:
        await self.client.set(self.prefix + key, value, ex=ttl)

    async def delete(self, key: str) -> None:
        await self.client.delete(self.prefix + key)


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
        raw = await self.store.get(value)
        if raw is None:
            return None
        try:
            record = json.loads(raw)
        except (ValueError, RecursionError):  # a record this storage did not write (a shared store)
            return None
        return (value, record) if isinstance(record, dict) else None

    async def save(self, sid: str | None, record: dict[str, Any], ttl: int) -> str:
        sid = sid or secrets.token_urlsafe(32)
        await self.store.set(sid, json.dumps(record).encode(), ttl)
        return sid

    async def delete(self, sid: str) -> None:
        await self.store.delete(sid)
