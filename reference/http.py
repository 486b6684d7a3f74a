"""Request and response values shared by the reference model, the adapters and the suites.

Plain data, no I/O: the reference pipeline passes these between middleware layers, and the
suites use the same `Headers` to compare what a subject sent with what the reference predicts.
"""

from __future__ import annotations

from collections.abc import AsyncGenerator, Awaitable, Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any


class Headers:
    """Case-insensitive, multi-valued, order-preserving HTTP header fields.

    Each field line is kept as sent (name spelling included) because some requirements are about
    exact bytes (`Access-Control-Allow-Credentials: true`) while names compare case-insensitively.
    """

    __slots__ = ("_fields",)

    def __init__(self, fields: Iterable[tuple[str, str]] | dict[str, str] | None = None) -> None:
        items = fields.items() if isinstance(fields, dict) else (fields or ())
        self._fields: list[tuple[str, str]] = [(str(n), str(v)) for n, v in items]

    def get(self, name: str, default: str | None = None) -> str | None:
        """The first field's value, or `default`."""
        key = name.lower()
        for n, v in self._fields:
            if n.lower() == key:
                return v
        return default

    def get_all(self, name: str) -> list[str]:
        """Every field line with this name, in order, unsplit."""
        key = name.lower()
        return [v for n, v in self._fields if n.lower() == key]

    def values(self, name: str) -> list[str]:
        """The comma-separated list elements across all fields of this name (RFC 9110 §5.3)."""
        return [part.strip() for line in self.get_all(name) for part in line.split(",") if part.strip()]

    def add(self, name: str, value: str) -> None:
        self._fields.append((name, value))

    def set(self, name: str, value: str) -> None:
        """Replace every field of this name by one field."""
        self.remove(name)
        self._fields.append((name, value))

    def remove(self, name: str) -> None:
        key = name.lower()
        self._fields = [(n, v) for n, v in self._fields if n.lower() != key]

    def __contains__(self, name: object) -> bool:
        return isinstance(name, str) and self.get(name) is not None

    def __iter__(self) -> Iterator[tuple[str, str]]:
        return iter(self._fields)

    def __len__(self) -> int:
        return len(self._fields)

    def copy(self) -> Headers:
        return Headers(self._fields)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Headers):
            return NotImplemented
        return [(n.lower(), v) for n, v in self._fields] == [(n.lower(), v) for n, v in other._fields]

    def __repr__(self) -> str:
        return f"Headers({self._fields!r})"


@dataclass
class Request:
    """One incoming request as the reference pipeline sees it.

    `ctx` is the request context middleware share (aiohttp's request mapping, Sanic's
    `request.ctx`); `match_info` holds the route parameters and may be rewritten by middleware
    before the handler runs.
    """

    method: str
    path: str
    headers: Headers = field(default_factory=Headers)
    query: str = ""
    body: bytes = b""
    ctx: dict[str, Any] = field(default_factory=dict)
    match_info: dict[str, str] = field(default_factory=dict)
    #: What a middleware keeps for itself and its handlers (the session), apart from `ctx`.
    state: dict[str, Any] = field(default_factory=dict)


@dataclass
class Response:
    """A response; `body=None` means "whatever the framework writes" (error pages differ)."""

    status: int = 200
    headers: Headers = field(default_factory=Headers)
    body: bytes | None = b""
    #: Sent as it is produced (chunked, no Content-Length), as a framework's streamed response.
    streamed: bool = False
    #: Pieces the streamed body goes on with after `body`, produced while they are sent (a
    #: trickling handler): the server stops taking them when the client leaves.
    more: AsyncGenerator[bytes, None] | None = None
    #: Run after the last byte is sent (Starlette `BackgroundTask`); a replacement drops it.
    background: Callable[[], Awaitable[None]] | None = None


class HTTPError(Exception):
    """An HTTP error raised by a handler or a middleware, such as aiohttp's `HTTPNotFound`."""

    def __init__(self, status: int, headers: Headers | None = None) -> None:
        super().__init__(f"HTTP {status}")
        self.status = status
        self.headers = headers or Headers()


def error_response(exc: BaseException) -> Response:
    """The response a framework's last-resort error handler makes: the HTTP status, or 500."""
    if isinstance(exc, HTTPError):
        return Response(exc.status, exc.headers.copy(), None)
    return Response(500, Headers(), None)
