"""The session decisions of the example middleware, framework-neutral: a session signed into its cookie.

itsdangerous signs and timestamps the session, so a changed, foreign or expired cookie is a new,
empty session; the standard library's `http.cookies` writes the Set-Cookie field.
`session_aiohttp.py` and `session_sanic.py` put these rules into each framework's middleware.
"""

from __future__ import annotations

import secrets
from collections import UserDict
from dataclasses import dataclass, field
from http.cookies import Morsel
from typing import Any

from itsdangerous import BadData, URLSafeTimedSerializer

from mwconform.reference.session import SessionPolicy

COOKIE_LIMIT = 4096  # bytes of name and value past which browsers drop a cookie (RFC 6265bis §5.7)


class SessionTooLarge(Exception):
    """Sending this session would pass the cookie limit, and the browser would drop it silently."""


class Session(UserDict[str, Any]):
    """The request's session: a dict that notes every write, so only a changed session is sent."""

    def __init__(self, data: dict[str, Any] | None = None) -> None:
        super().__init__(data or {})
        self.changed = False

    def __setitem__(self, key: str, value: Any) -> None:
        self.changed = True
        super().__setitem__(key, value)

    def __delitem__(self, key: str) -> None:
        self.changed = True
        super().__delitem__(key)


@dataclass
class SignedCookieSessions:
    """Sessions signed with `secret` into the cookie `cookie_name`, valid for `max_age` seconds after their last write."""

    secret: bytes
    cookie_name: str = "session"
    max_age: int = 3600
    path: str = "/"
    domain: str | None = None
    secure: bool = True
    http_only: bool = True
    same_site: str | None = "Lax"
    serializer: URLSafeTimedSerializer = field(init=False)

    def __post_init__(self) -> None:
        self.serializer = URLSafeTimedSerializer(self.secret, salt="session")

    def load(self, value: str | None) -> Session:
        """The session a request's cookie value carries: new and empty unless it verifies."""
        if value and value.isascii():  # servers hand obs-text bytes over surrogate-escaped; never ours
            try:
                return Session(self.verify(value))
            except BadData:
                pass
        return Session()

    def verify(self, value: str) -> dict[str, Any]:
        data: dict[str, Any] = self.serializer.loads(value, max_age=self.max_age)
        return data

    def set_cookie(self, session: Session, presented: bool) -> str | None:
        """The Set-Cookie value to send after the request (None: send none); SessionTooLarge past the limit."""
        if not session.changed:
            return None
        if not session:
            return self.delete_cookie() if presented else None
        value = self.serializer.dumps(dict(session))
        if len(self.cookie_name) + len(value) > COOKIE_LIMIT:
            raise SessionTooLarge(f"the session cookie would be {len(self.cookie_name) + len(value)} bytes")
        return self.morsel(value, self.max_age)

    def delete_cookie(self) -> str | None:
        return self.morsel("", 0)

    def morsel(self, value: str, max_age: int) -> str:
        morsel: Morsel[str] = Morsel()
        morsel.set(self.cookie_name, value, value)
        morsel.update({"max-age": str(max_age), "path": self.path, "domain": self.domain or "", "samesite": self.same_site or ""})
        for flag, on in (("secure", self.secure), ("httponly", self.http_only)):
            morsel[flag] = flag if on else ""  # a flag is written when its value is not empty
        return morsel.OutputString()


def sessions_for(policy: SessionPolicy, sessions_class: type[SignedCookieSessions] = SignedCookieSessions) -> SignedCookieSessions:
    """The binding: a fresh secret for every app, and the policy's cookie settings."""
    return sessions_class(secrets.token_bytes(32), policy.cookie_name, policy.max_age, policy.path, policy.domain,
                          policy.secure, policy.http_only, policy.same_site)
