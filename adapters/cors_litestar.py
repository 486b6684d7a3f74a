"""Litestar's own CORS, configured from the scenario's `CorsPolicy`.

`litestar/cors`: `Litestar(cors_config=CORSConfig(...))`, the way Litestar documents it. Litestar
wraps its CORS middleware around the app's exception handling and router (`Litestar._create_asgi_handler`),
outside every user middleware: its preflight answers come before any of them, and it decorates the
router's own 404 and 405 and every error response (the special case of litestar#1133 for #175).
"""

from __future__ import annotations

from typing import Any

from ..outcomes import NotApplicable
from ..reference.cors import CorsPolicy
from .base import Setup, Subject
from .features import CorsSubject


def cors_config_options(policy: CorsPolicy) -> dict[str, Any]:
    """`CORSConfig` keyword arguments for `policy`, written the way Litestar's docs write them.

    A subdomain rule is Litestar's documented origin glob (`https://*.example.com`: `*` may stand
    in any part of an origin); a policy without max-age keeps Litestar's default (600 s).
    """
    if policy.private_network:
        raise NotApplicable("Litestar's CORSConfig has no Private Network Access option (it never sends Access-Control-Allow-Private-Network)")
    origins = list(policy.origins)
    if policy.subdomains_of is not None:
        scheme, _, host = policy.subdomains_of.partition("://")
        origins.append(f"{scheme}://*.{host}")
    options: dict[str, Any] = {
        # Its defaults are "*" for origins, methods and headers: a policy's empty list is passed as one.
        "allow_origins": origins,
        "allow_origin_regex": policy.origin_regex,
        "allow_credentials": policy.credentials,
        "allow_methods": list(policy.methods),
        "allow_headers": list(policy.headers),
        "expose_headers": list(policy.expose),
    }
    if policy.max_age is not None:
        options["max_age"] = policy.max_age
    return options


class LitestarCors(CorsSubject):
    name = "litestar/cors"
    framework = "litestar"
    description = "Litestar `Litestar(cors_config=CORSConfig(allow_origins=..., allow_credentials=..., ...))`"
    _wrapped_send = "`CORSMiddleware.send_wrapper` (litestar/middleware/_internal/cors.py) decorates every response to a request with an Origin"
    _vary_only_allowed = (
        "`send_wrapper` adds Vary: Origin only where it echoes an allowed origin, so a response that another Origin (or none) would change is cached without it"
    )
    known = {
        "actual.credentialed-wildcards": (
            "`simple_headers` sends expose_headers ['*'] as `Access-Control-Expose-Headers: *` even with allow_credentials, "
            "where browsers read `*` as a header name and expose nothing (Fetch §3.2.3)"
        ),
        "vary.disallowed-origin": _vary_only_allowed,
        "vary.no-origin": _vary_only_allowed + "; without an Origin the response passes the middleware undecorated",
        "vary.merged-with-handler": "`send_wrapper` sets `headers['Vary'] = 'Origin'`, replacing the handler's own Vary (Accept-Encoding) instead of merging",
        "origin.list-reflection-quiet": (
            _wrapped_send + " with its fixed headers (credentials, expose, allow-headers, allow-methods), refused origins included"
        ),
        "origin.list-refused-credentials": _wrapped_send + " with `Access-Control-Allow-Credentials: true`, refused origins included",
        "preflight.options-without-request-method": (
            "every OPTIONS with an Origin is answered as a preflight (`scope['method'] == OPTIONS and origin`), with or without "
            "Access-Control-Request-Method, so the app's own OPTIONS handler never runs (the question litestar#754 raised when OPTIONS support was added)"
        ),
    }

    def layer(self, policy: CorsPolicy) -> Setup:
        from litestar.config.cors import CORSConfig

        config = CORSConfig(**cors_config_options(policy))  # n/a, if it is, before any app is built
        return Setup(lambda options: options.__setitem__("cors_config", config))


SUBJECTS: list[type[Subject]] = [LitestarCors]
