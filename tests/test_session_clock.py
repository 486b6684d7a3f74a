"""How session time moves for subjects that read the wall clock (adapters/session_clock.py):
time-machine shifts time.time and datetime, never the monotonic clock the event loop and the
harness deadlines run on; the patch ends with the last served app; Redis TTLs follow it."""

import asyncio
import datetime
import time

import pytest

from mwconform.adapters.base import Target
from mwconform.adapters.session import redis_client
from mwconform.adapters.session_aiohttp import AiohttpSessionEncrypted
from mwconform.adapters.session_clock import WALL_CLOCK
from mwconform.harness import run
from mwconform.outcomes import HarnessError
from mwconform.redis_server import find_executable
from mwconform.reference.probes import Recorder
from mwconform.reference.session import SessionPolicy
from mwconform.suites.session.check import scenario

DAY = 86400


def test_a_shift_moves_the_wall_clock_not_the_loop_or_the_deadlines() -> None:
    async def shifted() -> tuple[float, float, float, bool]:
        wall, mono, loop_time = time.time(), time.monotonic(), asyncio.get_running_loop().time()
        with WALL_CLOCK.held():
            await WALL_CLOCK.advance(DAY)
            moved = time.time() - wall, datetime.datetime.now().timestamp() - wall
            # A timeout still counts real seconds: a day's shift does not fire it.
            try:
                await asyncio.wait_for(asyncio.sleep(0.05), timeout=30)
                fired = False
            except asyncio.TimeoutError:
                fired = True
            return moved[0], moved[1], min(time.monotonic() - mono, asyncio.get_running_loop().time() - loop_time), fired

    wall_moved, datetime_moved, monotonic_moved, fired = run(shifted(), deadline=10)
    assert wall_moved >= DAY and datetime_moved >= DAY
    assert monotonic_moved < DAY and not fired
    assert abs(time.time() - datetime.datetime.now().timestamp()) < DAY  # released: both real again


def test_the_wall_clock_moves_only_while_held_and_holders_nest() -> None:
    with pytest.raises(HarnessError, match="only be moved while a travelling session subject is served"):
        run(WALL_CLOCK.advance(1), deadline=10)
    start = time.time()
    with WALL_CLOCK.held():
        with WALL_CLOCK.held():  # two apps served at once share one traveller
            run(WALL_CLOCK.advance(DAY), deadline=10)
        assert time.time() - start >= DAY  # the inner release leaves the shift in place
    assert time.time() - start < DAY


def test_a_package_subject_is_served_travelling_and_released_after() -> None:
    async def serve() -> tuple[str, float]:
        async with AiohttpSessionEncrypted().serve(scenario(SessionPolicy()), Recorder(), "socket") as target:
            assert isinstance(target, Target)
            before = time.time()
            await target.advance(DAY)
            return target.clock, time.time() - before

    clock, moved = run(serve(), deadline=10)
    assert clock.startswith("time-machine") and moved >= DAY
    run(asyncio.sleep(0), deadline=10)
    with pytest.raises(HarnessError):
        run(WALL_CLOCK.advance(1), deadline=10)  # nothing holds it once the app is torn down


@pytest.mark.skipif(find_executable() is None, reason="redis-server is not installed (apt-get install redis-server)")
def test_redis_keys_age_with_the_wall_clock() -> None:
    async def age() -> tuple[bool, int, int]:
        async with redis_client() as client:
            await client.set("mwc:test:short", b"1", ex=60)
            await client.set("mwc:test:long", b"1", ex=600)
            await client.set("mwc:test:forever", b"1")
            try:
                with WALL_CLOCK.held():
                    await WALL_CLOCK.advance(120)
                return bool(await client.exists("mwc:test:short")), await client.ttl("mwc:test:long"), await client.ttl("mwc:test:forever")
            finally:
                await client.delete("mwc:test:short", "mwc:test:long", "mwc:test:forever")

    short_left, long_ttl, forever_ttl = run(age(), deadline=10)
    assert not short_left  # 60 s of life, 120 s later: gone
    assert 470 <= long_ttl <= 480  # 600 - 120, give or take a second of real time
    assert forever_ttl == -1  # no lifetime: untouched
