"""Feature subjects by composition: a framework plus your *binding* (policy → middleware).

To grade your own CORS, JWT or session middleware you write one function that builds it from the
case's neutral policy, and name the framework it runs on:

    from mwconform.adapters.features import CorsSubject

    subject = CorsSubject("ours/cors", framework="aiohttp", layer=lambda policy: our_cors(policy.origins))

or, equally, one subclass that overrides `layer(self, policy)`. The layer is installed outermost
(before the scenario's chain and routes); see `adapters/base.py` for the forms a layer may take
(the framework's own middleware, `Setup`, `Finish`, `Guard`, or a list of them). `layer` is called
once per served app, so each app gets fresh state (a new secret, a new store); it may also return
an async context manager that yields the layer, for resources that need closing (a Redis client).

Where a policy cannot be expressed, `layer` raises `NotApplicable("why")` before any app is built
and the case is `n/a` with that reason. Anything else it raises is an `error`, never a `fail`.

Per feature (the policies are in `mwconform.reference.cors`, `.jwt`, `.session`):

- `CorsSubject`: `layer(CorsPolicy)`.
- `JwtSubject`: `layer(JwtPolicy)`; the layer calls `accepted(request, claims)` when it lets a
  request through, so the suite sees whom it authenticated. Optionally `token_claims(claims)`
  returns the claims to put in every token the suite mints (a `jti` your layer has issued, a user
  id it looks up); raise NotApplicable from it where your library cannot take such a token.
  On Starlette and FastAPI the request is a Starlette `Request`; a pure ASGI middleware, which has
  only the scope, calls `accepted(Request(scope), claims)` (the claims land in the scope's request
  state, which the handler's `Request` shares).
- `SessionSubject`: `layer(SessionPolicy)`, and `session(request)` returning the request's session
  as a mutable mapping. `rotate(request)` (login: a fresh id; default: empty the mapping) and
  `logout(request)` (default: empty the mapping) are optional.
"""

from __future__ import annotations

import importlib
import inspect
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping, MutableMapping
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import dataclass
from typing import Any

from ..outcomes import NotApplicable
from ..reference.jwt import CLAIMS_KEY, SUBJECT_KEY
from ..reference.probes import Recorder
from ..reference.scenario import Scenario
from .base import ContractError, Framework, Plug, Subject, Target, context_of, describe
from .session_clock import CLOCKS, WALL_CLOCK

#: Framework names a feature subject accepts → where the framework subject lives (imported lazily,
#: so a reference-only install never imports aiohttp or Sanic).
FRAMEWORKS: dict[str, str] = {
    "reference": "mwconform.adapters.reference:ReferenceOnion",
    "reference-hooks": "mwconform.adapters.reference:ReferenceHooks",
    "aiohttp": "mwconform.adapters.aiohttp:AiohttpSubject",
    "sanic": "mwconform.adapters.sanic:SanicSubject",
    "starlette": "mwconform.adapters.starlette:StarletteSubject",
    "fastapi": "mwconform.adapters.fastapi:FastAPIHttpMiddleware",
    "litestar": "mwconform.adapters.litestar:LitestarSubject",
}

Binding = Callable[[Any], Any]

#: Re-exported so a binding needs one import: `from mwconform.adapters.features import CorsSubject, NotApplicable`.
__all__ = ["Clocked", "CorsSubject", "FeatureSubject", "JwtSubject", "NotApplicable", "SessionSubject", "accepted", "resolve_framework"]


def resolve_framework(spec: str | Framework) -> Framework:
    """A framework subject from its name in FRAMEWORKS, or the instance itself."""
    if isinstance(spec, Framework):
        return spec
    if spec not in FRAMEWORKS:
        raise ContractError(f"unknown framework {spec!r}; accepted: {', '.join(FRAMEWORKS)}, or a Framework instance")
    module, _, cls = FRAMEWORKS[spec].partition(":")
    found: type[Framework] = getattr(importlib.import_module(module), cls)
    return found()


@dataclass(frozen=True)
class Clocked:
    """A layer whose clock the suite may move: `advance(seconds)` makes that much time pass for it.

    Without one, time-dependent session cases really wait (or are n/a where that is too long).
    """

    layer: Any
    advance: Callable[[float], Awaitable[None]]


class FeatureSubject(Subject):
    """A framework plus a binding; `CorsSubject`, `JwtSubject` and `SessionSubject` are the public ones."""

    #: The suite that grades it, and the Scenario field its policy comes from.
    feature: str = ""
    #: The framework it runs on: a name in FRAMEWORKS or a Framework instance.
    framework: Framework | str = "reference"

    def __init__(
        self,
        name: str | None = None,
        framework: Framework | str | None = None,
        layer: Binding | None = None,
        *,
        known: Mapping[str, str] | None = None,
        crashes: Mapping[str, str] | None = None,
        description: str | None = None,
        packages: tuple[str, ...] | None = None,
        capabilities: frozenset[str] | None = None,
        adapter: str | None = None,
    ) -> None:
        self.name = name or type(self).name
        self.host = resolve_framework(framework if framework is not None else type(self).framework)
        self._layer = layer
        self.suites = frozenset({self.feature})
        self.profile, self.modes = self.host.profile, self.host.modes
        self.adapter = adapter or type(self).adapter or self.host.adapter
        for attr, value in (("known", known), ("crashes", crashes), ("description", description), ("packages", packages), ("capabilities", capabilities)):
            if value is not None:
                setattr(self, attr, value)
        if capabilities is None and type(self).capabilities is Subject.capabilities:  # nothing declared
            self.capabilities = self.default_capabilities()
        if not self.packages:
            self.packages = self.host.packages
        if not self.name:
            raise ContractError(f"a {type(self).__name__} needs a name, e.g. name='ours/{self.feature}'")

    def default_capabilities(self) -> frozenset[str]:
        return self.host.capabilities

    def layer(self, policy: Any) -> Any:
        """Your binding: the layer(s) for `policy`, or raise NotApplicable with the reason."""
        if self._layer is None:
            raise ContractError(f"{self.name}: give layer=... or override layer(self, policy)")
        return self._layer(policy)

    def plug(self, layer: Any) -> Plug:
        return Plug((layer,))

    @asynccontextmanager
    async def serve(self, scenario: Scenario, recorder: Recorder, mode: str) -> AsyncIterator[Target]:
        policy = getattr(scenario, self.feature)
        async with AsyncExitStack() as stack:
            plug, advance = Plug(), None
            if policy is not None:
                made = self.layer(policy)
                if hasattr(made, "__aenter__"):
                    made = await stack.enter_async_context(made)
                if isinstance(made, Clocked):
                    made, advance = made.layer, made.advance
                plug = self.plug(made)
            async with self.host.serve_plugged(scenario, recorder, mode, plug) as target:
                target.problems = plug.problems
                target.advance = advance or target.advance
                yield target


class CorsSubject(FeatureSubject):
    """Graded by the CORS suite: `layer(CorsPolicy)` is your CORS layer."""

    feature = "cors"


class JwtSubject(FeatureSubject):
    """Graded by the JWT suite: `layer(JwtPolicy)` is your authentication layer.

    It calls `accepted(request, claims)` for every request it lets through with a token.
    """

    feature = "jwt"

    def __init__(self, *args: Any, token_claims: Callable[[dict[str, Any]], dict[str, Any]] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._token_claims = token_claims

    def token_claims(self, claims: dict[str, Any]) -> dict[str, Any]:
        """The claims of a token the suite mints for a case that needs `claims` (default: just those).

        Add what your library demands of its own tokens; never change or drop the case's claims.
        Raise NotApplicable(reason) where your library cannot accept such a token at all.
        """
        return claims if self._token_claims is None else self._token_claims(claims)


def accepted(request: Any, claims: Mapping[str, Any]) -> None:
    """Tell the JWT suite that your layer accepted `request` with these verified `claims`.

    Call it from your layer (or a small middleware right after it) on the framework's request
    object; the suite's handler then answers with whom it saw authenticated.
    """
    if not isinstance(claims, Mapping):
        raise ContractError(f"accepted(request, claims) takes the claims as a mapping, not {describe(claims)}")
    context = context_of(request)
    context[CLAIMS_KEY] = dict(claims)
    context[SUBJECT_KEY] = claims.get("sub")


class SessionSubject(FeatureSubject):
    """Graded by the session suite: `layer(SessionPolicy)` and `session(request)`.

    Declare `capabilities=frozenset({"server-store"})` when the cookie holds only an id.
    """

    feature = "session"
    #: How cases move time when the layer brings no clock of its own (`Clocked`): "travel", the
    #: process's wall clock shifted by time-machine (session packages read `time.time()`), or
    #: "sleep", really waiting (for a session clock that lives out of this process's reach).
    clock: str = "travel"

    def __init__(
        self,
        *args: Any,
        session: Callable[[Any], Any] | None = None,
        rotate: Callable[[Any], Any] | None = None,
        logout: Callable[[Any], Any] | None = None,
        clock: str | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self._session, self._rotate, self._logout = session, rotate, logout
        self.clock = clock or type(self).clock
        if self.clock not in CLOCKS:
            raise ContractError(f"{self.name}: clock {self.clock!r} is unknown; accepted: {', '.join(CLOCKS)}")

    @asynccontextmanager
    async def serve(self, scenario: Scenario, recorder: Recorder, mode: str) -> AsyncIterator[Target]:
        async with super().serve(scenario, recorder, mode) as target:
            if target.advance is not None:
                target.clock = "the subject's session clock is injected"
                yield target
            elif self.clock == "travel":
                # Travel starts at the real present and ticks, so time the layer noted is still true.
                with WALL_CLOCK.held():
                    target.advance, target.clock = WALL_CLOCK.advance, CLOCKS["travel"]
                    yield target
            else:
                target.clock = CLOCKS["sleep"]
                yield target

    def default_capabilities(self) -> frozenset[str]:
        return frozenset()

    def session(self, request: Any) -> MutableMapping[str, Any] | Awaitable[MutableMapping[str, Any]]:
        """The request's session as a mutable mapping (loaded, or new and empty); may be awaitable."""
        if self._session is None:
            raise ContractError(f"{self.name}: give session=... or override session(self, request)")
        result: Any = self._session(request)
        return result

    async def rotate(self, request: Any) -> MutableMapping[str, Any]:
        """Login: give the session a fresh id; the mapping to write to from now on (default: the same mapping, emptied)."""
        if self._rotate is not None:
            return await _resolved(self._rotate(request))
        data = await _resolved(self.session(request))
        data.clear()
        return data

    async def logout(self, request: Any) -> None:
        """End the session (default: empty the mapping)."""
        if self._logout is not None:
            await _resolved(self._logout(request))
            return
        (await _resolved(self.session(request))).clear()

    def plug(self, layer: Any) -> Plug:
        plug = Plug((layer,))
        plug.session = lambda request: _SessionOps(self, request, plug.problems)
        return plug


async def _resolved(value: Any) -> Any:
    return await value if inspect.isawaitable(value) else value


class _SessionOps:
    """The scenario's session handlers' view (`reference.session_ops.SessionAPI`) of a SessionSubject.

    A binding function that returns no mapping breaks the contract: recorded as a problem, the
    case becomes an `error` naming it. One that raises is the subject failing the request, as it
    would in the user's app: packages load the session lazily inside their `get_session`
    (aiohttp-session), so a crash on a tampered cookie surfaces here and is a finding.
    """

    def __init__(self, subject: SessionSubject, request: Any, problems: list[str]) -> None:
        self.subject, self.request, self.problems = subject, request, problems

    async def _call(self, what: str, call: Callable[[], Any], mapping: bool) -> Any:
        result = await _resolved(call())
        if mapping and not isinstance(result, MutableMapping):
            self.problems.append(f"{self.subject.name}: {what}(request) returned {describe(result)}, not a mutable mapping")
            raise ContractError(self.problems[-1])
        return result

    async def data(self) -> MutableMapping[str, Any]:
        result: MutableMapping[str, Any] = await self._call("session", lambda: self.subject.session(self.request), True)
        return result

    async def rotate(self) -> MutableMapping[str, Any]:
        result: MutableMapping[str, Any] = await self._call("rotate", lambda: self.subject.rotate(self.request), True)
        return result

    async def invalidate(self) -> None:
        await self._call("logout", lambda: self.subject.logout(self.request), False)
