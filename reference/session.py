"""Sessions: a neutral cookie policy, the session object, and the reference session middleware.

`SessionManager` holds the logic every binding shares (load a session from a `Cookie` header,
commit it to a `Set-Cookie` value); `SessionMiddleware` binds it to the reference pipeline, and
the aiohttp and Sanic subjects bind the same manager to their frameworks. Storage is pluggable
(`session_stores`): signed or encrypted cookies, or a server-side store holding the data under an
opaque id. What the manager guarantees (SPEC.md, `session.*`):

- a cookie that fails to verify, decode or load is a new empty session, never an error;
- expiry is enforced on the server with the injected clock, whatever the cookie's `Expires` says;
- `rotate()` gives the session a fresh id and deletes the old server record;
- `invalidate()` deletes the server record and the cookie;
- with a server-side store, a write applies only this request's changes to the record as it is
  when the request ends, so concurrent requests writing other keys never lose each other's writes,
  and a record that ended meanwhile (logout, expiry) is never revived under its id;
- nothing is sent unless the session changed;
- a cookie whose name and value pass 4096 bytes raises `SessionTooLarge` instead of being sent.
"""

from __future__ import annotations

import copy
import time
from collections.abc import Callable
from dataclasses import dataclass
from email.utils import formatdate
from http.cookies import CookieError, Morsel, SimpleCookie
from typing import Any, Literal, Protocol

from .http import HTTPError, Request, Response, error_response
from .pipeline import Middleware

Clock = Callable[[], float]
SameSite = Literal["Strict", "Lax", "None"]

COOKIE_LIMIT = 4096  # RFC 6265bis §5.7: user agents ignore a cookie whose name + value pass this
MAX_LIFETIME = 400 * 24 * 3600  # RFC 6265bis §5.5: user agents cap Max-Age at 400 days
SESSION_KEY = "session"  # where SessionMiddleware keeps the session in `Request.state`


@dataclass(frozen=True)
class SessionPolicy:
    """How the session cookie is named, scoped and flagged, and how long a session lives.

    Validated at construction: a policy that browsers would silently reject (SameSite=None
    without Secure, a `__Host-` cookie with a Domain) raises a one-line ValueError.
    """

    cookie_name: str = "mwc_session"
    max_age: int = 3600  # seconds; also the server-side lifetime of the session
    secure: bool = False
    http_only: bool = True
    same_site: SameSite | None = "Lax"
    path: str = "/"
    domain: str | None = None

    def __post_init__(self) -> None:
        try:
            Morsel[str]().set(self.cookie_name, "", "")
        except CookieError:
            raise ValueError(
                f"SessionPolicy: cookie_name {self.cookie_name!r} is not a cookie name; accepted: an RFC 6265bis token "
                "(letters, digits, !#$%&'*+-.^_`|~) that is not an attribute name"
            ) from None
        if isinstance(self.max_age, bool) or not isinstance(self.max_age, int) or not 0 < self.max_age <= MAX_LIFETIME:
            raise ValueError(f"SessionPolicy: max_age {self.max_age!r} is invalid; accepted: whole seconds from 1 to {MAX_LIFETIME} (400 days)")
        if self.same_site not in ("Strict", "Lax", "None", None):
            raise ValueError(f"SessionPolicy: same_site {self.same_site!r} is invalid; accepted: 'Strict', 'Lax', 'None' or None")
        if self.same_site == "None" and not self.secure:
            raise ValueError("SessionPolicy: same_site='None' needs secure=True; browsers ignore SameSite=None cookies without Secure")
        if not self.path.startswith("/") or any(c in self.path for c in ";\r\n"):
            raise ValueError(f"SessionPolicy: path {self.path!r} is invalid; accepted: an absolute path starting with '/', without ';'")
        if self.domain is not None and (not self.domain or any(c in self.domain for c in "; \t\r\n")):
            raise ValueError(f"SessionPolicy: domain {self.domain!r} is invalid; accepted: None (host-only) or a host name")
        if self.cookie_name.startswith("__Host-") and not (self.secure and self.path == "/" and self.domain is None):
            raise ValueError("SessionPolicy: a __Host- cookie needs secure=True, path='/' and domain=None; browsers reject it otherwise")
        if self.cookie_name.startswith("__Secure-") and not self.secure:
            raise ValueError("SessionPolicy: a __Secure- cookie needs secure=True; browsers reject it otherwise")


class SessionTooLarge(ValueError):
    """The session cookie would pass the 4096-byte limit, so browsers would drop it silently."""


class Storage(Protocol):
    """Where session records live. A record is `{"data": {...}, "exp": <clock time>}`.

    Cookie storages keep the record in the cookie value itself (`server_side` False, no id);
    server-side storages keep it under an id and the cookie value is that id.
    """

    server_side: bool

    async def load(self, value: str) -> tuple[str | None, dict[str, Any]] | None:
        """(id, record) for a cookie value, or None when it does not verify, decode or exist."""

    async def save(self, sid: str | None, record: dict[str, Any], ttl: int) -> str:
        """Store `record` (under `sid`, or a new id when None) and return the cookie value."""

    async def delete(self, sid: str) -> None:
        """Forget the record stored under `sid` (a no-op for cookie storages)."""


Change = Callable[[dict[str, Any] | None], dict[str, Any] | None]


class ServerSideStorage(Storage, Protocol):
    """A storage whose records live on the server (`server_side` True), changed in place."""

    async def update(self, sid: str, change: Change, ttl: int) -> bool:
        """Atomically replace the record under `sid` by `change(record)` (None: leave it); False when
        `change` gave None."""


class Session(dict[str, Any]):
    """The session data of one request: a dict that notes whether it was changed.

    `new` is True when no valid session came with the request. `rotate()` and `invalidate()`
    are the two privilege operations: the first asks for a fresh id on commit (login), the
    second empties the session and deletes it on both sides (logout).
    """

    def __init__(self, data: dict[str, Any] | None = None, *, sid: str | None = None) -> None:
        super().__init__(data or {})
        self.sid = sid
        #: The data as loaded, to tell this request's changes from the record's other keys.
        self.loaded: dict[str, Any] = copy.deepcopy(data or {})
        self.new = data is None
        self.changed = False
        self.rotated = False
        self.invalidated = False

    def rotate(self) -> None:
        self.rotated = self.changed = True

    def invalidate(self) -> None:
        dict.clear(self)
        self.invalidated = self.changed = True

    def changes(self) -> tuple[dict[str, Any], set[str]]:
        """(keys written with their values, keys removed) since the session was loaded or saved."""
        written = {k: v for k, v in self.items() if k not in self.loaded or self.loaded[k] != v}
        return written, set(self.loaded) - set(self)


def _marks_changed(name: str) -> Callable[..., Any]:
    method = getattr(dict, name)

    def mutate(self: Session, *args: Any, **kwargs: Any) -> Any:
        self.changed = True
        return method(self, *args, **kwargs)

    mutate.__name__ = name
    return mutate


for _name in ("__setitem__", "__delitem__", "__ior__", "clear", "pop", "popitem", "setdefault", "update"):
    setattr(Session, _name, _marks_changed(_name))


class ManualClock:
    """A clock the test moves by hand, so expiry cases never sleep. Starts at the real time."""

    def __init__(self, start: float | None = None) -> None:
        self.now = time.time() if start is None else start

    def __call__(self) -> float:
        return self.now

    async def advance(self, seconds: float) -> None:
        self.now += seconds


def cookie_value(cookie_header: str | None, name: str) -> str | None:
    """The value of cookie `name` in a request's `Cookie` header, or None (also for an unparsable header). Never raises."""
    if not cookie_header:
        return None
    jar: SimpleCookie = SimpleCookie()
    try:
        jar.load(cookie_header)
    except CookieError:
        return None
    morsel = jar.get(name)
    return None if morsel is None else morsel.value


class SessionManager:
    """Loads and commits sessions for one policy, one storage and one clock."""

    #: Bytes of cookie name + value browsers keep; self-tests raise it to plant a bug.
    cookie_limit = COOKIE_LIMIT

    def __init__(self, policy: SessionPolicy, storage: Storage, clock: Clock = time.time) -> None:
        self.policy, self.storage, self.clock = policy, storage, clock

    async def load(self, cookie_header: str | None) -> Session:
        """The request's session; a missing, forged, undecodable or expired cookie gives a new one. Never raises."""
        value = cookie_value(cookie_header, self.policy.cookie_name)
        if value is None:
            return Session()
        loaded = await self.storage.load(value)
        if loaded is None:
            return Session()
        sid, record = loaded
        if not self.unexpired(record):
            return Session()
        return Session(record["data"], sid=sid)

    async def commit(self, session: Session) -> str | None:
        """Persist `session` if it changed; the `Set-Cookie` field value to send, or None.

        Afterwards `session` describes what is stored (its id, no pending change), so it can be
        changed and committed again.
        """
        if not session.changed:
            return None
        gone = session.invalidated or not session
        if session.sid is not None and (gone or session.rotated):
            await self.storage.delete(session.sid)
            session.sid = None
        # An emptied session is gone; the client may hold a cookie for it unless it never had one.
        tell_client = session.invalidated or not session.new
        session.changed = session.rotated = session.invalidated = False
        if gone:
            return self.set_cookie("", delete=True) if tell_client else None
        value = await self.save(session)
        if value is None:  # the record ended while this request ran, and it wrote nothing of its own
            return self.set_cookie("", delete=True)
        size = len(self.policy.cookie_name) + len(value)
        if size > self.cookie_limit:
            raise SessionTooLarge(
                f"session cookie {self.policy.cookie_name!r} would be {size} bytes (name + value), over the {self.cookie_limit} "
                "browsers keep: store less in the session or use a server-side store"
            )
        session.sid, session.new = (value if self.storage.server_side else None), False
        session.loaded = copy.deepcopy(dict(session))
        return self.set_cookie(value)

    async def save(self, session: Session) -> str | None:
        """Store `session`; the cookie value, or None when there is nothing left to store.

        A stored server-side session gets only this request's changes, applied to its record as it
        is now: requests race on one session (RFC 6265bis), and a whole-record save would drop what
        a concurrent request wrote to other keys. If the record ended meanwhile (a concurrent
        logout, expiry) its id is never revived: the changes start a new session, without the
        ended session's other data.
        """
        now = self.clock()
        exp, ttl = now + self.policy.max_age, self.policy.max_age
        written, removed = session.changes()
        if self.storage.server_side and session.sid is not None:
            storage: ServerSideStorage = self.storage  # type: ignore[assignment]

            def apply(record: dict[str, Any] | None) -> dict[str, Any] | None:
                if record is None or not self.unexpired(record):
                    return None
                data = {k: v for k, v in record["data"].items() if k not in removed}
                return {"data": {**data, **written}, "exp": exp}

            if await storage.update(session.sid, apply, ttl):
                return session.sid
            if not written:
                return None
            dict.clear(session)
            dict.update(session, written)
            session.sid = None
        return await self.storage.save(session.sid, {"data": dict(session), "exp": exp}, ttl)

    def unexpired(self, record: dict[str, Any] | None) -> bool:
        """`record` holds session data and has not expired."""
        if record is None:
            return False
        data, exp = record.get("data"), record.get("exp")
        # `not exp > now`, not `exp <= now`: a NaN expiry compares false both ways and must not live forever.
        return isinstance(data, dict) and isinstance(exp, (int, float)) and exp > self.clock()

    def set_cookie(self, value: str, *, delete: bool = False) -> str:
        """A `Set-Cookie` field value for `value` with the policy's attributes (expired if `delete`)."""
        policy = self.policy
        morsel: Morsel[str] = Morsel()
        morsel.set(policy.cookie_name, value, value)
        morsel["path"] = policy.path
        if policy.domain:
            morsel["domain"] = policy.domain
        morsel["max-age"] = 0 if delete else policy.max_age
        morsel["expires"] = formatdate(0 if delete else self.clock() + policy.max_age, usegmt=True)
        morsel["secure"] = policy.secure
        morsel["httponly"] = policy.http_only
        if policy.same_site:
            morsel["samesite"] = policy.same_site
        return morsel.OutputString()


class SessionMiddleware(Middleware):
    """The reference session layer: loads the session into `request.state["session"]`, commits it after.

    An HTTP error raised inside is answered here so the session still reaches the client (a
    redirect after login must carry the cookie); an unhandled crash is not saved.
    """

    name = "session"

    def __init__(self, manager: SessionManager) -> None:
        self.manager = manager

    async def on_request(self, request: Request) -> Response | None:
        request.state[SESSION_KEY] = await self.manager.load(request.headers.get("cookie"))
        return None

    async def on_response(self, request: Request, response: Response) -> Response | None:
        session = request.state.get(SESSION_KEY)
        if isinstance(session, Session):
            header = await self.manager.commit(session)
            if header is not None:
                response.headers.add("Set-Cookie", header)
        return None

    async def on_error(self, request: Request, error: Exception) -> Response | None:
        if not isinstance(error, HTTPError):
            return None
        response = error_response(error)
        await self.on_response(request, response)
        return response
