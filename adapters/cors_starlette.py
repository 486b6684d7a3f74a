"""Starlette CORS subject: Starlette's own `CORSMiddleware`, configured from the scenario's `CorsPolicy`.

It is declared the way Starlette documents it, as the first entry of the user middleware
(`Middleware(CORSMiddleware, allow_origins=..., ...)`), so Starlette's `ServerErrorMiddleware`
stays outside it: the 500 of an unhandled exception is sent past it undecorated, the "CORS error,
but really a 500" of starlette#1116 and fastapi#775.
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urlsplit

from starlette.middleware import Middleware
from starlette.middleware.cors import CORSMiddleware

from ..reference.cors import CorsPolicy
from .base import Subject
from .features import CorsSubject


def subdomain_regex(apex: str) -> str:
    """`https://example.com` → the `allow_origin_regex` a Starlette user writes for its subdomains
    (same scheme and port, any host ending in `.example.com`; the apex itself excluded)."""
    parts = urlsplit(apex)
    port = f":{parts.port}" if parts.port is not None else ""
    return f"{re.escape(parts.scheme)}://[^/:@]+\\.{re.escape(parts.hostname or '')}{re.escape(port)}"


def cors_options(policy: CorsPolicy) -> dict[str, Any]:
    """`CORSMiddleware` keyword arguments for `policy` (its own default where the policy says nothing)."""
    regexes = [r for r in (policy.origin_regex, policy.subdomains_of and subdomain_regex(policy.subdomains_of)) if r]
    options: dict[str, Any] = {
        "allow_origins": policy.origins,
        "allow_origin_regex": "|".join(f"(?:{r})" for r in regexes) or None,
        "allow_methods": policy.methods,
        "allow_headers": policy.headers,
        "allow_credentials": policy.credentials,
        "allow_private_network": policy.private_network,
        "expose_headers": policy.expose,
    }
    if policy.max_age is not None:
        options["max_age"] = policy.max_age
    return options


_ERROR_500 = (
    "Starlette's ServerErrorMiddleware sits outside every user middleware and sends an unhandled exception's 500 "
    "past CORSMiddleware undecorated, so the browser reports a CORS error (starlette#1116, fastapi#775)"
)


class StarletteCors(CorsSubject):
    name = "starlette/cors"
    framework = "starlette"
    packages: tuple[str, ...] = ("starlette",)
    description = "Starlette `CORSMiddleware` first in `Starlette(middleware=[Middleware(CORSMiddleware, ...)])`"
    known = {
        **dict.fromkeys(("error.handler-crash-500", "error.handler-crash-500-wildcard"), _ERROR_500),
        "origin.list-reflection-quiet": (
            "`send` adds its fixed simple headers (Access-Control-Allow-Credentials, -Expose-Headers) to every response to a "
            "request with an Origin, refused origins included; only Access-Control-Allow-Origin is checked (starlette#2560)"
        ),
        "origin.list-refused-credentials": (
            "Access-Control-Allow-Credentials: true is among the simple headers sent for any Origin, so a refused origin is told "
            "credentials are allowed (starlette#2560, closed: browsers ignore it without Access-Control-Allow-Origin)"
        ),
        "actual.credentialed-wildcards": (
            "expose_headers=['*'] is sent as Access-Control-Expose-Headers: * even with allow_credentials, where * names no "
            "header (Fetch §3.3.6); Starlette documents wildcards and credentials as mutually exclusive (starlette#2210)"
        ),
    }

    def layer(self, policy: CorsPolicy) -> Middleware:
        return Middleware(CORSMiddleware, **cors_options(policy))


SUBJECTS: list[type[Subject]] = [StarletteCors]
