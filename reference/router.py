"""Route matching with the two routing failures every framework distinguishes: 404 and 405."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Generic, TypeVar

from .http import Headers, HTTPError

T = TypeVar("T")

PATH_PARAM = re.compile(r"\{(\w+)(?::([^{}]*(?:\{[^{}]*\}[^{}]*)*))?\}")


def compile_path(path: str) -> re.Pattern[str]:
    """`/post/{slug}` or `/post/{slug:[a-z-]+}` → a regex matched against the whole path.

    A template that makes no valid regex (a bad parameter regex, a name used twice) raises
    ValueError naming the template.
    """
    out, pos = [], 0
    for m in PATH_PARAM.finditer(path):
        out.append(re.escape(path[pos : m.start()]))
        out.append(f"(?P<{m.group(1)}>{m.group(2) or '[^/]+'})")
        pos = m.end()
    out.append(re.escape(path[pos:]))
    try:
        return re.compile("".join(out))
    except re.error as exc:
        raise ValueError(
            f"route path {path!r} is not a valid template ({exc}); accepted: text with {{name}} or {{name:regex}} parameters, each name once"
        ) from None


@dataclass(frozen=True)
class Match(Generic[T]):
    target: T
    params: dict[str, str]


class Router(Generic[T]):
    """Maps (method, path) to a target; raises `HTTPError` 404, or 405 with `Allow`."""

    def __init__(self) -> None:
        self._routes: list[tuple[str, re.Pattern[str], T]] = []

    def add(self, method: str, path: str, target: T) -> None:
        self._routes.append((method.upper(), compile_path(path), target))

    def match(self, method: str, path: str) -> Match[T]:
        """The route for `method` and `path`; HEAD takes a GET route when no HEAD route matches
        (RFC 9110 §9.3.2: HEAD is GET without the content)."""
        allowed: list[str] = []
        fallback: Match[T] | None = None
        for route_method, pattern, target in self._routes:
            m = pattern.fullmatch(path)
            if m is None:
                continue
            if route_method == method.upper():
                return Match(target, m.groupdict())
            if fallback is None and route_method == "GET" and method.upper() == "HEAD":
                fallback = Match(target, m.groupdict())
            if route_method not in allowed:
                allowed.append(route_method)
        if fallback is not None:
            return fallback
        if allowed:
            raise HTTPError(405, Headers([("Allow", ",".join(allowed))]))
        raise HTTPError(404)
