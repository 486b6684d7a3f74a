"""The reference session parts the suite cannot reach: policy validation, the size error, the Redis launcher."""

import asyncio
import os
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager

import pytest

from mwconform.adapters.session import redis_client
from mwconform.redis_server import RedisServer, find_executable
from mwconform.reference.session import ManualClock, Session, SessionManager, SessionPolicy, SessionTooLarge
from mwconform.reference.session_stores import MemoryStore, RedisStore, ServerStorage, SignedCookieStorage


@pytest.mark.parametrize(
    ("settings", "complaint"),
    [
        ({"same_site": "None"}, "same_site='None' needs secure=True"),
        ({"cookie_name": "__Host-sid", "secure": True, "domain": "example.com"}, "__Host- cookie needs secure=True, path='/' and domain=None"),
        ({"cookie_name": "__Host-sid", "secure": True, "path": "/app"}, "__Host- cookie needs"),
        ({"cookie_name": "__Secure-sid"}, "__Secure- cookie needs secure=True"),
        ({"cookie_name": "my session"}, "is not a cookie name"),
        ({"cookie_name": "expires"}, "is not a cookie name"),
        ({"max_age": 0}, "max_age 0 is invalid"),
        ({"max_age": 401 * 24 * 3600}, "400 days"),
        ({"same_site": "lax"}, "accepted: 'Strict', 'Lax', 'None' or None"),
        ({"path": "app"}, "path 'app' is invalid"),
        ({"domain": "a.example; evil"}, "domain 'a.example; evil' is invalid"),
    ],
)
def test_policy_browsers_would_reject_is_refused_in_one_line(settings: dict[str, object], complaint: str) -> None:
    with pytest.raises(ValueError) as raised:
        SessionPolicy(**settings)  # type: ignore[arg-type]
    message = str(raised.value)
    assert complaint in message and "\n" not in message and message.startswith("SessionPolicy: ")


def test_policy_browsers_accept_is_built() -> None:
    SessionPolicy("__Host-sid", secure=True, same_site="None")
    SessionPolicy("__Secure-sid", secure=True, domain="example.com", path="/app", same_site="Strict")


def test_oversize_cookie_raises_naming_the_size_and_the_way_out() -> None:
    manager = SessionManager(SessionPolicy(), SignedCookieStorage(os.urandom(32)))
    session = Session()
    session["blob"] = os.urandom(4000).hex()
    with pytest.raises(SessionTooLarge, match=r"would be \d+ bytes .* over the 4096 .* server-side store"):
        asyncio.run(manager.commit(session))


def test_rotation_and_logout_delete_the_old_server_record() -> None:
    clock = ManualClock()
    store = MemoryStore(clock)
    manager = SessionManager(SessionPolicy(), ServerStorage(store), clock)

    async def scenario() -> tuple[int, int, int]:
        session = Session()
        session["n"] = 1
        await manager.commit(session)
        before = len(store._entries)
        session.rotate()
        await manager.commit(session)
        after_rotation = len(store._entries)
        session.invalidate()
        header = await manager.commit(session)
        assert header is not None and "Max-Age=0" in header
        return before, after_rotation, len(store._entries)

    assert asyncio.run(scenario()) == (1, 1, 0)


@pytest.mark.skipif(find_executable() is None, reason="redis-server is not installed (apt-get install redis-server)")
def test_private_redis_server_answers_and_is_stopped_by_pid() -> None:
    server = RedisServer(find_executable() or "")
    with server:
        assert server.process is not None
        pid = server.process.pid
        import redis

        assert redis.Redis.from_url(server.url).ping()
    with pytest.raises(ProcessLookupError):
        os.kill(pid, 0)


async def _race(storage_factory: Callable[[ManualClock], AbstractAsyncContextManager[ServerStorage]]) -> tuple[dict[str, object], str, bool, dict[str, object]]:
    """Three requests load one session: A writes a key (merged into the record), B logs out, then C, which
    ran alongside them, writes another key. What the record held after A, C's Set-Cookie, whether the
    logged-out id holds a record again, and the session C's cookie carries."""
    clock = ManualClock()
    async with storage_factory(clock) as storage:
        manager = SessionManager(SessionPolicy(), storage, clock)
        first = Session()
        first["user"] = "alice"
        await manager.commit(first)
        cookie = f"mwc_session={first.sid}"
        a, b, c = [await manager.load(cookie) for _ in range(3)]
        a["a"] = "1"
        c["c"] = "3"
        await manager.commit(a)  # merged: the record keeps user and gains a
        merged = (await manager.load(cookie)).copy()
        b.invalidate()
        await manager.commit(b)  # logout deletes the record
        header = await manager.commit(c)  # a write that ran alongside the logout
        revived = await storage.load(first.sid or "") is not None
        after = {} if c.sid is None else dict(await manager.load(f"mwc_session={c.sid}"))
        return merged, header or "", revived, after


@asynccontextmanager
async def _memory(clock: ManualClock) -> AsyncIterator[ServerStorage]:
    yield ServerStorage(MemoryStore(clock))


@asynccontextmanager
async def _redis(clock: ManualClock) -> AsyncIterator[ServerStorage]:
    prefix = f"mwc:test:{os.getpid()}:"
    async with redis_client() as client:
        try:
            yield ServerStorage(RedisStore(client, prefix=prefix))
        finally:
            async for key in client.scan_iter(f"{prefix}*"):
                await client.delete(key)


@pytest.mark.parametrize("store", ["memory", "redis"])
def test_a_write_keeps_concurrent_writes_and_never_revives_a_logged_out_record(store: str) -> None:
    if store == "redis" and find_executable() is None:
        pytest.skip("redis-server is not installed (apt-get install redis-server)")
    merged, header, revived, after = asyncio.run(_race(_memory if store == "memory" else _redis))
    assert merged == {"user": "alice", "a": "1"}
    assert not revived  # the logged-out id holds nothing again
    assert "Max-Age=3600" in header and after == {"c": "3"}  # the write starts a new session without the ended one's user
