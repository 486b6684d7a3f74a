"""The reference session parts the suite cannot reach: policy validation, the size error, the Redis launcher."""

import asyncio
import os

import pytest

from mwconform.redis_server import RedisServer, find_executable
from mwconform.reference.session import ManualClock, Session, SessionManager, SessionPolicy, SessionTooLarge
from mwconform.reference.session_stores import MemoryStore, ServerStorage, SignedCookieStorage


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
