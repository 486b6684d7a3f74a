"""aiohttp session subjects: the reference session middleware, and aiohttp-session's three storages.

aiohttp-session (2.12) is configured from the neutral `SessionPolicy` (cookie name, max_age,
domain, path, secure, httponly, samesite map one to one) and used the way its README shows:
`setup(app, storage)`, `get_session`, `new_session` for login, `session.invalidate()` for logout.
It reads the wall clock, which time-machine moves for the lifetime cases (adapters/session_clock.py).
"""

from __future__ import annotations

import warnings
from abc import abstractmethod
from collections.abc import AsyncIterator, MutableMapping
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from typing import Any

from aiohttp import web

from ..reference.probes import Recorder, handler_phase
from ..reference.scenario import Route, Scenario
from ..reference.session import Session, SessionManager, SessionPolicy
from ..reference.session_ops import ReferenceSessionAPI, SessionAPI, apply, render
from .aiohttp import AiohttpIO, AiohttpSubject, Middleware
from .base import Subject, Target
from .session import Backend, ReferenceSessionSubject, SessionSubject, redis_client, require

_SESSION: Any = web.RequestKey("mwc_session", Session) if hasattr(web, "RequestKey") else "mwc_session"


class AiohttpSessionSubject(SessionSubject, AiohttpSubject):
    """aiohttp with a session middleware; session routes get handlers that use `session_api`."""

    @abstractmethod
    def session_api(self, request: web.Request) -> SessionAPI:
        """How a handler reaches the request's session."""

    def add_route(self, app: web.Application, route: Route, recorder: Recorder) -> None:
        handler, action = route.handler, route.handler.session
        if action is None:
            return super().add_route(app, route, recorder)

        async def handle(request: web.Request) -> web.Response:
            io = AiohttpIO(request)
            session = await apply(action, self.session_api(request), io.header)
            await handler_phase(handler, io, recorder.sink(request.headers))
            content_type, body = render(action, session)
            return web.Response(status=handler.status, body=body, content_type=content_type)

        app.router.add_route(route.method, route.path, handle)


def reference_middleware(manager: SessionManager) -> Middleware:
    """The reference session manager as an aiohttp middleware (saved on HTTP exceptions too)."""

    @web.middleware
    async def session_middleware(request: web.Request, handler: Any) -> web.StreamResponse:
        session = request[_SESSION] = await manager.load(request.headers.get("Cookie"))
        try:
            response = await handler(request)
        except web.HTTPException as exc:
            header = await manager.commit(session)
            if header is not None:
                exc.headers.add("Set-Cookie", header)
            raise
        header = await manager.commit(session)
        if header is not None:
            response.headers.add("Set-Cookie", header)
        return response

    return session_middleware


class AiohttpReferenceCookie(ReferenceSessionSubject, AiohttpSessionSubject):
    name = "aiohttp/reference-cookie"
    storage = "signed"
    description = "the reference session middleware on aiohttp; cookie signed with itsdangerous"
    packages = ("aiohttp", "itsdangerous")

    def install_outer(self, app: web.Application, scenario: Scenario, recorder: Recorder) -> None:
        app.middlewares.append(reference_middleware(self.manager))

    def session_api(self, request: web.Request) -> SessionAPI:
        return ReferenceSessionAPI(request[_SESSION])


class AiohttpReferenceRedis(AiohttpReferenceCookie):
    name = "aiohttp/reference-redis"
    storage = "redis"
    description = "the reference session middleware on aiohttp; Redis server-side store"
    packages = ("aiohttp", "redis")


class AiohttpSessionAPI:
    """`SessionAPI` over aiohttp-session's module functions."""

    def __init__(self, request: web.Request) -> None:
        self.request = request
        self.aiohttp_session = require("aiohttp_session", "aiohttp-session")

    async def data(self) -> MutableMapping[str, Any]:
        session: MutableMapping[str, Any] = await self.aiohttp_session.get_session(self.request)
        return session

    async def rotate(self) -> MutableMapping[str, Any]:
        session: MutableMapping[str, Any] = await self.aiohttp_session.new_session(self.request)
        return session

    async def invalidate(self) -> None:
        (await self.aiohttp_session.get_session(self.request)).invalidate()


#: aiohttp-session 2.12.1 `AbstractStorage.save_cookie` sets whatever its storage encoded.
UNCHECKED_SIZE = "aiohttp-session sends a session cookie of any size without a check (save_cookie); browsers drop it past 4096 bytes (aiohttp-session#574)"
SIMPLE_UNDECODABLE = (
    "SimpleCookieStorage.load_session json-decodes the raw cookie with no error handling: an undecodable cookie raises "
    "and answers 500 (documented as 'for tests only')"
)


class AiohttpSessionPackage(AiohttpSessionSubject):
    """aiohttp-session with one of its storages, configured from the policy."""

    packages = ("aiohttp", "aiohttp-session")

    @abstractmethod
    def open_storage(self, aiohttp_session: Any, params: dict[str, Any]) -> AbstractAsyncContextManager[Any]:
        """The package's storage object for one serve, built with these cookie parameters."""

    @asynccontextmanager
    async def open_backend(self, policy: SessionPolicy) -> AsyncIterator[Backend]:
        aiohttp_session = require("aiohttp_session", "aiohttp-session")
        params = {
            "cookie_name": policy.cookie_name,
            "domain": policy.domain,
            "max_age": policy.max_age,
            "path": policy.path,
            "secure": policy.secure,
            "httponly": policy.http_only,
            "samesite": policy.same_site,
        }
        async with self.open_storage(aiohttp_session, params) as storage:
            yield Backend(storage)

    def install_outer(self, app: web.Application, scenario: Scenario, recorder: Recorder) -> None:
        require("aiohttp_session", "aiohttp-session").setup(app, self.state)

    def session_api(self, request: web.Request) -> SessionAPI:
        return AiohttpSessionAPI(request)

    @asynccontextmanager
    async def serve(self, scenario: Scenario, recorder: Recorder, mode: str) -> AsyncIterator[Target]:
        with warnings.catch_warnings():
            # aiohttp-session 2.12 keys the request with plain strings; aiohttp 3.14 warns on every
            # request (NotAppKeyWarning). Recorded in the report, not a session verdict.
            warnings.simplefilter("ignore", getattr(web, "NotAppKeyWarning", UserWarning))
            async with super().serve(scenario, recorder, mode) as target:
                yield target


class AiohttpSessionSimple(AiohttpSessionPackage):
    name = "aiohttp/aiohttp-session-simple"
    description = "aiohttp-session SimpleCookieStorage: the session as plain JSON in the cookie (documented as for tests only)"
    known = {
        **{
            f"attributes.{row}": (
                "SimpleCookieStorage puts raw JSON in the cookie; aiohttp quotes it with backslash escapes (\\\" and \\054), "
                "which are not RFC 6265bis cookie-octets"
            )
            for row in ("default-policy", "host-prefix-strict", "samesite-none-domain-path", "script-readable-no-samesite")
        },
        **{f"integrity.{row}": SIMPLE_UNDECODABLE for row in ("one-character-changed", "truncated", "garbage", "empty-value", "4k-junk")},
        "robust.hostile-cookie": SIMPLE_UNDECODABLE + "; e.g. Cookie: mwc_session=\"",
        "integrity.foreign-key": "SimpleCookieStorage is unsigned ('use it for tests only'): any well-formed JSON cookie is trusted",
        "logout.deletes-cookie": (
            "SimpleCookieStorage saves an invalidated session as the cookie '{}' with the full Max-Age: its encoded empty "
            "session is the non-empty string '{}', so save_cookie never takes its delete branch"
        ),
        "size.over-4096-bytes": UNCHECKED_SIZE,
        "machine.sequence": SIMPLE_UNDECODABLE + "; shrunk to: tamper: garbage (GET /read with cookie 'not.a.session~0!' → 500)",
    }

    @asynccontextmanager
    async def open_storage(self, aiohttp_session: Any, params: dict[str, Any]) -> AsyncIterator[Any]:
        yield aiohttp_session.SimpleCookieStorage(**params)


class AiohttpSessionEncrypted(AiohttpSessionPackage):
    name = "aiohttp/aiohttp-session-encrypted"
    description = "aiohttp-session EncryptedCookieStorage: the session encrypted with Fernet in the cookie"
    known = {
        "size.over-4096-bytes": UNCHECKED_SIZE,
        "robust.hostile-cookie": (
            "load_session calls cookie.encode('utf-8') and catches only InvalidToken; aiohttp hands an obs-text byte over "
            "surrogate-escaped, so Cookie: mwc_session=\\xe9 raises UnicodeEncodeError: 500"
        ),
    }
    packages = ("aiohttp", "aiohttp-session", "cryptography")

    @asynccontextmanager
    async def open_storage(self, aiohttp_session: Any, params: dict[str, Any]) -> AsyncIterator[Any]:
        fernet = require("cryptography.fernet", "aiohttp-session")
        cookie_storage = require("aiohttp_session.cookie_storage", "aiohttp-session")
        yield cookie_storage.EncryptedCookieStorage(fernet.Fernet(fernet.Fernet.generate_key()), **params)


class AiohttpSessionRedis(AiohttpSessionPackage):
    name = "aiohttp/aiohttp-session-redis"
    description = "aiohttp-session RedisStorage: the session in Redis under a uuid4 key held by the cookie"
    capabilities = frozenset({"server-store"})
    packages = ("aiohttp", "aiohttp-session", "redis")
    known = {
        "robust.hostile-cookie": (
            "load_session looks the raw cookie up as a Redis key; aiohttp hands an obs-text byte over surrogate-escaped and "
            "redis-py cannot encode it, so Cookie: mwc_session=\\xe9 raises UnicodeEncodeError: 500"
        ),
        "ids.sixty-four-new-sessions": (
            "RedisStorage's default key_factory is uuid.uuid4().hex: 122 random bits (the version nibble and two variant "
            "bits are fixed), under the 128 of OWASP ASVS 5.0 V7.2.3"
        ),
        "concurrency.writers-of-different-keys-all-kept": (
            "save_session SETs the request's whole session over the Redis record (last writer wins), so concurrent "
            "requests writing different keys lose every write but the last one saved"
        ),
    }

    @asynccontextmanager
    async def open_storage(self, aiohttp_session: Any, params: dict[str, Any]) -> AsyncIterator[Any]:
        redis_storage = require("aiohttp_session.redis_storage", "aiohttp-session")
        async with redis_client() as client:
            yield redis_storage.RedisStorage(client, **params)


SUBJECTS: list[type[Subject]] = [
    AiohttpReferenceCookie,
    AiohttpReferenceRedis,
    AiohttpSessionSimple,
    AiohttpSessionEncrypted,
    AiohttpSessionRedis,
]
