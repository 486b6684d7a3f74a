"""Subjects that break the harness's side of a case, one per blame rule (SPEC §0), for every suite.

Each must come out `error`, never `fail`: the pipeline subjects are frameworks that break, the
feature subjects put the same framework (or a binding that breaks) under the CORS, JWT and
session suites. Used by test_blame.py through --mwc-subject tests.blame:NAME.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from mwconform.adapters.base import Plug, Subject, Target
from mwconform.adapters.features import CorsSubject, FeatureSubject, JwtSubject, SessionSubject
from mwconform.adapters.reference import ReferenceOnion
from mwconform.adapters.session_reference import ReferenceSession
from mwconform.reference.cors import CorsMiddleware
from mwconform.reference.jwt import JwtMiddleware
from mwconform.reference.probes import Recorder
from mwconform.reference.scenario import Scenario

from mwconform.redis_server import RedisServer, find_executable
from mwconform.runner import register_service
from tests.hostile.subjects import GarbageHttp


class WiringAsserts(ReferenceOnion):
    name = "blame/wiring-asserts"
    description = "an assert fails while the app is built"

    def pipeline(self, scenario: Scenario, recorder: Recorder, plug: Plug) -> Any:
        assert scenario is None, "the wiring asserts"
        return super().pipeline(scenario, recorder, plug)


class TeardownAsserts(ReferenceOnion):
    name = "blame/teardown-asserts"
    description = "serves correctly, then an assert fails while the app is torn down"

    @asynccontextmanager
    async def serve_plugged(self, scenario: Scenario, recorder: Recorder, mode: str, plug: Plug) -> AsyncIterator[Target]:
        async with super().serve_plugged(scenario, recorder, mode, plug) as target:
            yield target
        raise AssertionError("the teardown asserts")


def _assert_in_binding(policy: Any) -> Any:
    raise AssertionError("the binding asserts")


def _features(framework: ReferenceOnion, label: str, good: bool = True) -> dict[str, FeatureSubject]:
    """The framework under each feature suite, with a working binding (or, `good=False`, one that asserts).

    The CORS one declares a known deviation on a case it will error on: an error never confirms it.
    """
    known = {"actual.allowed-first-listed-origin": "declared, but an error never confirms it"}
    return {
        "cors": CorsSubject(f"blame/{label}-cors", framework, CorsMiddleware if good else _assert_in_binding, known=known),
        "jwt": JwtSubject(f"blame/{label}-jwt", framework, JwtMiddleware if good else _assert_in_binding),
        "session": SessionSubject(f"blame/{label}-session", framework, _session_layer if good else _assert_in_binding, session=_current),
    }


def _current(request: Any) -> Any:
    return request.state["session"]


def _session_layer(policy: Any) -> Any:
    from mwconform.reference.session import SessionManager, SessionMiddleware
    from mwconform.reference.session_stores import SignedCookieStorage

    return SessionMiddleware(SessionManager(policy, SignedCookieStorage(b"k" * 32)))


#: rule → suite → the subject that breaks that rule under that suite (`--mwc-subject tests.blame:<rule>_<suite>`).
RULES: dict[str, dict[str, Subject]] = {
    "wiring": {"pipeline": WiringAsserts(), **_features(ReferenceOnion(), "binding-asserts", good=False)},
    "teardown": {"pipeline": TeardownAsserts(), **_features(TeardownAsserts(), "teardown-asserts")},
    "no_http": {"pipeline": GarbageHttp(), **_features(GarbageHttp(), "speaks-no-http")},
}
globals().update({f"{rule}_{suite}": subject for rule, by_suite in RULES.items() for suite, subject in by_suite.items()})

#: The case the two subjects below declare a crash on (SPEC §0, declared crashes).
CRASH_CASE = "actual.allowed-first-listed-origin"
#: Its binding asserts on every case and it declares the crash on one: there the error is expected.
DeclaredCrash = CorsSubject("blame/declared-crash-cors", ReferenceOnion(), _assert_in_binding, crashes={CRASH_CASE: "the binding asserts on every request"})
#: The reference CORS middleware with a crash declared that never happens (a fixed upgrade): stale.
CrashFixed = CorsSubject("blame/crash-fixed-cors", ReferenceOnion(), CorsMiddleware, crashes={CRASH_CASE: "it used to assert here"})


class RedisDiesMidCase(ReferenceSession):
    name = "blame/redis-outage"
    storage = "redis"
    description = "the reference session on a Redis of its own that stops after the first write"

    @asynccontextmanager
    async def open_storage(self, clock: Any) -> AsyncIterator[Any]:
        import redis.asyncio as aioredis
        from mwconform.reference.session_stores import RedisStore, ServerStorage

        with RedisServer(find_executable() or "redis-server") as server:
            client = aioredis.Redis.from_url(server.url, socket_connect_timeout=1, socket_timeout=2)

            async def reachable() -> str | None:
                try:
                    await client.ping()
                except aioredis.RedisError as exc:
                    return f"Redis at {server.url} stopped answering ({exc})"
                return None

            class Dying(RedisStore):
                async def set(self, key: str, value: bytes, ttl: int) -> None:
                    await super().set(key, value, ttl)
                    server.stop()  # the outage

            register_service(reachable)
            try:
                yield ServerStorage(Dying(client, prefix="outage:"))
            finally:
                await client.aclose()


class NotAMiddleware(CorsSubject):
    name = "blame/not-a-middleware"
    framework = "aiohttp"
    description = "its binding returns a string where aiohttp needs a middleware"

    def layer(self, policy: Any) -> Any:
        return "cors please"


class SilentJwt(JwtSubject):
    name = "blame/silent-jwt"
    framework = "reference"
    description = "its layer lets valid tokens through but never reports the claims"

    def layer(self, policy: Any) -> Any:
        class Silent(JwtMiddleware):
            async def on_request(self, request: Any) -> Any:
                answer = await super().on_request(request)
                request.ctx.clear()
                return answer

        return Silent(policy)


class ClaimChangingMinter(JwtSubject):
    name = "blame/claim-changing-minter"
    framework = "reference"
    description = "its token minter replaces the case's subject claim"

    def layer(self, policy: Any) -> Any:
        return JwtMiddleware(policy)

    def token_claims(self, claims: dict[str, Any]) -> dict[str, Any]:
        return {**claims, "sub": "somebody-else"}


class NoMapping(SessionSubject):
    name = "blame/no-mapping"
    framework = "reference"
    description = "its session binding returns a string, not the session mapping"

    def layer(self, policy: Any) -> Any:
        return _session_layer(policy)

    def session(self, request: Any) -> Any:
        return "not a mapping"


CONTRACT: list[Subject] = [NotAMiddleware(), SilentJwt(), ClaimChangingMinter(), NoMapping()]
