"""The framework contract: how a neutral `Scenario` becomes a served app, and what a subject declares.

A *subject* is what a suite grades. A *framework* subject (aiohttp, Sanic, the reference, ...)
turns a neutral `Scenario` and a `Recorder` into a real app, serves it and yields a `Target` the
harness sends requests to. Feature subjects (CORS, JWT, session: `adapters/features.py`) are a
framework plus a *binding*, the user's own code that turns a neutral policy into middleware; the
binding hands the framework *layers*, installed outermost, through a `Plug`.

A layer is either the framework's own kind of middleware (what `Framework.add_layer` accepts,
documented per framework) or one of three framework-neutral forms, for packages that do not ship
a middleware object:

- `Setup(install)`: `install(app)` runs where a middleware would be installed, before the
  scenario's chain and routes (`CORS(app, ...)`, `setup(app, storage)`, `Initialize(app, ...)`).
- `Finish(finish)`: `finish(app)` runs once every route is added (aiohttp-cors enables routes one
  by one).
- `Guard(wrap)`: `wrap(handler, path)` returns the handler to register for each route, for
  packages that protect routes with a decorator (sanic-jwt's `@protected()`).
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Awaitable, Callable, Iterable, Mapping
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass, field
from importlib.metadata import PackageNotFoundError, version
from typing import Any

import httpx

from ..outcomes import HarnessError
from ..reference.probes import Recorder
from ..reference.scenario import Scenario

#: Capabilities a subject may declare; a case that needs one a subject lacks is `n/a`.
CAPABILITIES: dict[str, str] = {
    "route-local": "builds route-local middleware chains (a Group: sub-app, per-route chain or blueprint)",
    "priority": "orders middleware by an explicit priority (Sanic `priority=`)",
    "error-conversion": "a layer can turn an error raised inside it into a response",
    "response-replace": "a response phase can replace the response it was handed",
    "context": "a request context shared by middleware and handler",
    "rewrite-params": "middleware can rewrite route parameters before the handler reads them",
    "split-phases": "a layer may have only a request phase or only a response phase",
    "server-store": "keeps session data in a server-side store; the cookie holds only an id",
    "stream-headers": "a response phase sees a streamed response before its header fields are sent, so it can still add "
    "to them or replace it (aiohttp sends them at `prepare()`, inside the handler: it documents `on_response_prepare` instead)",
    "background-tasks": "a response can carry a task the framework runs after sending it (Starlette `BackgroundTask`, Litestar `background=`)",
    "websocket": "serves WebSocket routes (`Handler.websocket`)",
    # Not a need but a prescription: the pipeline suite predicts which layers see an upgrade by it.
    "websocket-middleware": "its HTTP middleware runs on a WebSocket upgrade request (aiohttp, Sanic, pure ASGI middleware); "
    "without it the upgrade passes every layer untouched (Starlette `BaseHTTPMiddleware`, FastAPI `@app.middleware('http')`, Litestar hooks)",
}

MODES = ("socket", "inprocess")

Handler = Callable[..., Any]


@dataclass(frozen=True)
class Setup:
    """A layer a package installs itself: `install(app)` runs before the chain and the routes."""

    install: Callable[[Any], None]


@dataclass(frozen=True)
class Finish:
    """`finish(app)` runs once every route of the scenario is added."""

    finish: Callable[[Any], None]


@dataclass(frozen=True)
class Guard:
    """`wrap(handler, path)`: the handler to register for the route at `path` (the same one to leave it open)."""

    wrap: Callable[[Handler, str], Handler]


@dataclass
class Plug:
    """What feature subjects add to a framework's app.

    `layers` are installed outermost, first one outermost; `session` gives the scenario's session
    handlers their request's session (see `adapters/features.py`). `problems` collects contract
    violations found while serving (a session mapping that raises): the case is an `error`.
    """

    layers: tuple[Any, ...] = ()
    session: Callable[[Any], Any] | None = None
    problems: list[str] = field(default_factory=list)


@dataclass
class Target:
    """Where the harness sends requests: a loopback URL, or an in-process transport.

    `advance(seconds)` moves the subject's session clock where it can (else it really waits);
    `problems` are the plug's contract violations, read by the case runner after each case.
    """

    base_url: str
    transport: httpx.AsyncBaseTransport | None = None
    #: The ASGI app served in-process: WebSocket calls reach it through httpx-ws's ASGI transport
    #: (httpx's own speaks plain HTTP only). None over a socket.
    app: Callable[..., Awaitable[None]] | None = None
    advance: Callable[[float], Awaitable[None]] | None = None
    #: How `advance` moves time, in words, for the evidence.
    clock: str = ""
    problems: list[str] = field(default_factory=list)


class ContractError(HarnessError):
    """A subject's binding or framework broke the extension contract: an `error` naming what was expected."""


class Subject(ABC):
    """A gradable subject. Its attributes are its declaration; `serve` is its behaviour."""

    #: `adapter/variant`, e.g. `aiohttp/native`; shown in every verdict.
    name: str = ""
    #: The adapter (framework) it belongs to, e.g. `aiohttp`.
    adapter: str = ""
    #: `onion` or `hooks` (see `mwconform.reference.pipeline`).
    profile: str = "onion"
    capabilities: frozenset[str] = frozenset()
    #: Case id → reason, for deviations this subject is known to have. A known case that passes
    #: is reported as stale, loudly.
    known: Mapping[str, str] = {}
    #: Case id → why this subject is known to crash there (an assert or exception in the package's
    #: own code, with the evidence). The verdict stays `error`, a crash is never conformance, but a
    #: declared crash that happens does not fail the run; one that no longer happens is reported as
    #: stale, like a known deviation that no longer occurs (SPEC.md §0).
    crashes: Mapping[str, str] = {}
    #: Serving modes this subject supports; the first is its default.
    modes: tuple[str, ...] = ("socket",)
    #: The suites this subject is graded by (`pipeline`, `cors`, ...); others never list it.
    suites: frozenset[str] = frozenset({"pipeline", "properties"})
    #: Distributions whose versions the results record.
    packages: tuple[str, ...] = ()
    description: str = ""

    @abstractmethod
    def serve(self, scenario: Scenario, recorder: Recorder, mode: str) -> AbstractAsyncContextManager[Target]:
        """Build an app for `scenario`, serve it in `mode`, yield its `Target`, then tear it all down."""

    def versions(self) -> dict[str, str]:
        found = {}
        for dist in self.packages:
            try:
                found[dist] = version(dist)
            except PackageNotFoundError:
                found[dist] = "not installed"
        return found


class Framework(Subject):
    """A framework subject: serves scenarios, and takes feature layers through a `Plug`.

    Implement `serve_plugged`: build the app for the scenario, calling `install_layers` before the
    chain (the plug's layers go outermost, the first one outermost), `guard` on every route handler
    and `finish` after the routes; then serve it. Implement `add_layer` for the framework's own kind
    of middleware (the default refuses every native layer, naming the neutral forms).
    """

    @abstractmethod
    def serve_plugged(self, scenario: Scenario, recorder: Recorder, mode: str, plug: Plug) -> AbstractAsyncContextManager[Target]:
        """`serve`, with the plug's layers installed outermost."""

    def serve(self, scenario: Scenario, recorder: Recorder, mode: str) -> AbstractAsyncContextManager[Target]:
        return self.serve_plugged(scenario, recorder, mode, Plug())

    def add_layer(self, app: Any, layer: Any) -> None:
        """Install one native layer; raise ContractError naming what this framework accepts."""
        raise ContractError(f"{self.name} takes no native layers, only Setup, Finish and Guard (got {describe(layer)})")

    def install_layers(self, app: Any, plug: Plug) -> None:
        """Install the plug's Setup and native layers in order (call before the chain)."""
        for layer in flatten(plug.layers):
            if isinstance(layer, Setup):
                layer.install(app)
            elif not isinstance(layer, (Finish, Guard)):
                self.add_layer(app, layer)

    @staticmethod
    def guard(plug: Plug, handler: Handler, path: str) -> Handler:
        """`handler` wrapped by every Guard of the plug (the first one outermost)."""
        for layer in reversed(flatten(plug.layers)):
            if isinstance(layer, Guard):
                handler = layer.wrap(handler, path)
        return handler

    @staticmethod
    def finish(app: Any, plug: Plug) -> None:
        for layer in flatten(plug.layers):
            if isinstance(layer, Finish):
                layer.finish(app)


def flatten(layers: Iterable[Any]) -> list[Any]:
    """Layers with nested lists and tuples spread out in order (a binding may return several)."""
    flat: list[Any] = []
    for layer in layers:
        flat.extend(flatten(layer) if isinstance(layer, (list, tuple)) else [layer])
    return flat


def describe(obj: Any) -> str:
    """`obj` in a few words for a one-line error: its type and a short repr."""
    text = repr(obj)
    return f"{type(obj).__name__} {text[:60] + '...' if len(text) > 60 else text}"


#: How to reach the request context (the dict the scenario's echo handler shows) from a
#: framework's request object; each framework registers its request classes.
_CONTEXTS: dict[type, Callable[[Any], dict[str, Any]]] = {}


def register_context(request_type: type, context: Callable[[Any], dict[str, Any]]) -> None:
    _CONTEXTS[request_type] = context


def context_of(request: Any) -> dict[str, Any]:
    """The request context dict of any registered framework's request; ContractError otherwise."""
    for cls in type(request).__mro__:
        if cls in _CONTEXTS:
            return _CONTEXTS[cls](request)
    known = ", ".join(sorted(f"{c.__module__}.{c.__qualname__}" for c in _CONTEXTS)) or "none registered"
    raise ContractError(f"{describe(request)} is not a request of a framework mwconform serves (accepted: {known})")
