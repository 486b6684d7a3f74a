"""What a browser does with a server's CORS answer: the WHATWG Fetch algorithms, header-level.

The suite never asks "did the subject send the reference's bytes?"; it asks "would a browser
share this response / let this preflight through?", so every answer the standard allows passes
(200 or 204, explicit lists or echoed names, any order, spaces or none after commas).

- `cors_check`: Fetch §4.10 https://fetch.spec.whatwg.org/#concept-cors-check
- `preflight_check`: Fetch §4.8 https://fetch.spec.whatwg.org/#cors-preflight-fetch (steps after
  the fetch: ok status, CORS check, methods, non-wildcard and unsafe header names)
- `exposed`: Fetch "CORS-exposed header-name list" and §3.2.4's `*` rule.
"""

from __future__ import annotations

import re

from mwconform.reference.cors import (
    ALLOW_CREDENTIALS,
    ALLOW_HEADERS,
    ALLOW_METHODS,
    ALLOW_ORIGIN,
    EXPOSE_HEADERS,
    SAFELISTED_METHODS,
    SAFELISTED_RESPONSE_HEADERS,
    WILDCARD,
)
from mwconform.reference.http import Headers

_TOKEN = re.compile(r"[!#$%&'*+.^_`|~0-9A-Za-z-]+")
#: Fetch "CORS non-wildcard request-header name": never covered by `*`.
NON_WILDCARD_HEADERS = frozenset({"authorization"})


class ListFailure(ValueError):
    """Fetch "extracting header list values" returned failure (a value is not a token)."""


def header_list(headers: Headers, name: str) -> list[str] | None:
    """Fetch "extracting header list values": None when absent; ListFailure when unparsable."""
    lines = headers.get_all(name)
    if not lines:
        return None
    values = [part.strip(" \t") for line in lines for part in line.split(",")]
    bad = [v for v in values if not _TOKEN.fullmatch(v)]
    if bad:
        raise ListFailure(f"{name} has {bad[0]!r}, which is not a token")
    return values


def cors_check(headers: Headers, origin: str, credentials: bool) -> str | None:
    """None when a request from `origin` may read the response, else why not."""
    lines = headers.get_all(ALLOW_ORIGIN)
    if not lines:
        return f"no {ALLOW_ORIGIN}"
    value = ", ".join(lines)  # "getting" a header combines every field of that name
    if not credentials and value == WILDCARD:
        return None
    if value != origin:
        return f"{ALLOW_ORIGIN} {value!r} is not the request's origin {origin!r}"
    if not credentials:
        return None
    allow = ", ".join(headers.get_all(ALLOW_CREDENTIALS)) or None
    if allow != "true":
        return f"a credentialed read needs {ALLOW_CREDENTIALS} 'true', got {allow!r}"
    return None


def preflight_check(status: int, headers: Headers, origin: str, method: str, names: tuple[str, ...], credentials: bool) -> str | None:
    """None when the browser's preflight for (`method`, unsafe header `names`) succeeds."""
    if not 200 <= status <= 299:
        return f"status {status} is not an ok status"
    if problem := cors_check(headers, origin, credentials):
        return problem
    try:
        methods = header_list(headers, ALLOW_METHODS) or []
        allowed = header_list(headers, ALLOW_HEADERS) or []
    except ListFailure as exc:
        return str(exc)
    if method not in methods and method not in SAFELISTED_METHODS and (credentials or WILDCARD not in methods):
        mode = "credentialed " if credentials and WILDCARD in methods else ""
        return f"{ALLOW_METHODS} {methods} does not approve a {mode}{method}"
    lowered = {a.lower() for a in allowed}
    for name in names:
        if name.lower() in lowered:
            continue
        if name.lower() in NON_WILDCARD_HEADERS or credentials or WILDCARD not in allowed:
            return f"{ALLOW_HEADERS} {allowed} does not approve {'a credentialed ' if credentials else ''}{name!r}"
    return None


def exposed(headers: Headers, credentials: bool) -> set[str]:
    """Response header names a page can read (lowercase); {"*"} means every one."""
    try:
        listed = header_list(headers, EXPOSE_HEADERS) or []
    except ListFailure:
        listed = []
    if WILDCARD in listed:
        if not credentials:
            return {WILDCARD}
        listed.remove(WILDCARD)  # with credentials it names a header called `*`, nothing real
    return {n.lower() for n in listed} | SAFELISTED_RESPONSE_HEADERS
