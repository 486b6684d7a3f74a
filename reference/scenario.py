"""The neutral description of an app that a case hands to the reference and to an adapter.

A `Scenario` is plain frozen data: routes with neutral handler behaviours, a global middleware
chain and route-local chains (`Group`) made of `Probe`s. Each adapter turns the same scenario into
a real framework app; the reference runs it directly. Probes record a trace of the events they
see, and the handler echoes its parameters and the request context, so the behaviour of a
pipeline is observable from outside.

Trace events: `A>` (A's request phase), `H` (the handler), `<A:418` (A's response phase saw a
418), `<A:!404` (A's error phase caught an exception of status 404, or `!500` for a crash), `A/`
(A is done with the request, however it ended: its `finally`; only probes with `cleanup`) and `H/`
(a trickling handler's stream ended, however it ended).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Literal

if TYPE_CHECKING:  # the JWT and session references need PyJWT, redis...; plain scenarios must not
    from .jwt import JwtPolicy
    from .session import SessionPolicy

from .cors import CorsPolicy

Phase = Literal["request", "response"]


@dataclass(frozen=True)
class Pass:
    """Record the event and change nothing."""


@dataclass(frozen=True)
class SetHeader:
    """Add a header field to the response (response phase only)."""

    name: str
    value: str


@dataclass(frozen=True)
class SetContext:
    """Store a value in the request context; `from_header` copies a request header instead."""

    key: str
    value: str = ""
    from_header: str | None = None


@dataclass(frozen=True)
class ExposeContext:
    """Copy a request-context value into response header `x-ctx-<key>` (`-` when absent)."""

    key: str


@dataclass(frozen=True)
class Respond:
    """Answer with this response: a short-circuit in the request phase, a replacement later."""

    status: int
    body: str = ""


@dataclass(frozen=True)
class Raise:
    """Raise an HTTP error of `status`, or an unhandled exception when `status` is None."""

    status: int | None = None


@dataclass(frozen=True)
class Rewrite:
    """Rewrite route parameter `param` before the handler reads it (seed 004's slug example)."""

    param: str
    transform: Literal["upper", "underscore"]


@dataclass(frozen=True)
class ReadBody:
    """Read the whole request body (request phase only) and store its `body_digest` in the context under `key`.

    The handler reads the body again after it (`Handler.read_body`), as a signature-checking or
    logging middleware and a form handler do: each must see every byte the client sent.
    """

    key: str = "body"


Action = Pass | SetHeader | SetContext | ExposeContext | Respond | Raise | Rewrite | ReadBody


@dataclass(frozen=True)
class Probe:
    """A neutral middleware layer.

    `request` / `response` are the actions of each phase; None means the layer has no such phase
    (a Sanic request-only or response-only middleware). `convert` makes the layer turn any error
    coming from inside (an exception in the onion profile, an error response in the hooks
    profile) into a response with that status. `priority` orders hooks (Sanic `priority=`).
    `cleanup` makes a layer that wraps the next one (every profile but `hooks`) record `A/` in a
    `finally` around everything it does for the request; hooks have no such place (a response
    hook is the last code such a layer runs).
    """

    name: str
    request: Action | None = Pass()
    response: Action | None = Pass()
    convert: int | None = None
    priority: int = 0
    cleanup: bool = False


@dataclass(frozen=True)
class SessionAction:
    """A session operation a handler performs (`reference/session_ops.py` defines each one).

    `count` increments `counter` and answers `Counter: N` (seed 000); `read` changes nothing;
    `set` stores the `key=value` of request header `x-mwc-session-set`; `login` rotates the
    session and stores `user`; `logout` invalidates it; `fill` stores `size` random characters.
    All but `count` answer the session data as JSON.
    """

    kind: Literal["count", "read", "set", "login", "logout", "fill"]
    size: int = 0


@dataclass(frozen=True)
class Handler:
    """What a route's handler does after recording `H`.

    By default it answers `status` with a JSON body `{"params": ..., "ctx": ...}` echoing the
    route parameters and request context it sees. `raise_status` raises an HTTP error instead,
    `crash` raises an unhandled exception. `delay` awaits that many seconds first, so concurrent
    requests interleave. `headers` are response header fields the handler sets (e.g. its own
    `Vary`, which a CORS layer must merge with, not overwrite); with `raise_status` they ride on
    the raised HTTP error, as an inner session layer's `Set-Cookie` does. `session` makes it a
    session handler: the action runs first, then the delay and any raise, then it answers. `stream`
    sends the body as a streamed response (chunked, in two writes) instead of in one piece.
    `read_body` makes the handler read the request body and echo its `body_digest` as `body`.
    `trickle` (with `stream`) sends the whole echo as the first piece, then goes on writing
    (`probes.trickled`: small pieces of JSON whitespace, a short pause apart, for at most about half
    a second) and records `H/` when its stream ends however it ends: a client can leave while the
    handler still writes.
    `background` leaves a background task on the response (Starlette `BackgroundTask`, Litestar
    `background=`): it waits, bounded, for the client to have the whole response and records `T`,
    or `T:held` when the response had not reached the client by then (`probes.background_task`).
    `websocket` makes it a WebSocket endpoint: it accepts the upgrade, records `H`, and sends each
    text message back until the client closes (`probes.websocket_phase`).
    """

    status: int = 200
    raise_status: int | None = None
    crash: bool = False
    delay: float = 0.0
    headers: tuple[tuple[str, str], ...] = ()
    session: SessionAction | None = None
    stream: bool = False
    read_body: bool = False
    trickle: bool = False
    background: bool = False
    websocket: bool = False


@dataclass(frozen=True)
class Route:
    method: str
    path: str  # `{name}` or `{name:regex}` parameters, aiohttp style; regexes match in full
    handler: Handler = Handler()


@dataclass(frozen=True)
class Group:
    """A route-local chain: `chain` runs, inside the global chain, only for these routes.

    Adapters build it as an aiohttp sub-application, an aiohttp-route-middleware chain or a Sanic
    blueprint. Route paths are given relative to `prefix`.
    """

    name: str
    prefix: str
    chain: tuple[Probe, ...]
    routes: tuple[Route, ...]


@dataclass(frozen=True)
class Scenario:
    routes: tuple[Route, ...] = ()
    chain: tuple[Probe, ...] = ()
    groups: tuple[Group, ...] = ()
    #: The CORS policy a feature subject configures its CORS layer from (outside the chain).
    cors: CorsPolicy | None = None
    #: Bearer-token authentication in front of the chain (reference/jwt.py); None: no JWT layer.
    jwt: JwtPolicy | None = None
    #: The session cookie policy session subjects install their middleware with.
    session: SessionPolicy | None = None

    def probes(self) -> tuple[Probe, ...]:
        return self.chain + tuple(p for g in self.groups for p in g.chain)


@dataclass(frozen=True)
class Call:
    """One request a case sends. `headers` are extra request headers; `body` is its content, sent
    with a Content-Length when given as bytes, or chunked in these pieces when given as a tuple.
    `messages` makes it a WebSocket opening handshake (a GET with `Upgrade: websocket`, RFC 6455
    §4.1) that sends these text messages once the upgrade is accepted, reading one reply to each."""

    method: str
    path: str
    headers: tuple[tuple[str, str], ...] = field(default=())
    body: bytes | tuple[bytes, ...] = b""
    messages: tuple[str, ...] | None = None

    @property
    def content(self) -> bytes:
        """The whole body, however it is sent."""
        return self.body if isinstance(self.body, bytes) else b"".join(self.body)

    def __str__(self) -> str:
        return f"{self.method} {self.path}" + (" (WebSocket upgrade)" if self.messages is not None else "")


def chain(*names: str) -> tuple[Probe, ...]:
    """Pass-through probes named `names`, e.g. `chain("A", "B", "C")`."""
    return tuple(Probe(n) for n in names)
