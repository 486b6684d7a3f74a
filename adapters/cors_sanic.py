"""Sanic CORS subjects, each configured from the scenario's `CorsPolicy`.

- `sanic/reference-cors`: the reference `CorsMiddleware` as a request hook (answers preflights) and a
  response hook (decorates). Both are defined before the scenario's chain, so under Sanic's hooks
  profile the request hook runs first and the response hook last, on every response: normal,
  early (short-circuit), error, 404 and 405 alike.
- `sanic/sanic-cors`: Sanic-Cors (`CORS(app, ...)`), run without sanic-ext installed; with
  sanic-ext importable it registers as a sanic-ext extension instead (`sanic-ext/sanic-cors`,
  adapters/cors_sanic_ext.py) and this subject answers n/a.
"""

from __future__ import annotations

import re
from typing import Any

from sanic import HTTPResponse, Request, Sanic
from sanic.compat import Header
from sanic.response import BaseHTTPResponse

from ..outcomes import NotApplicable
from ..reference.cors import WILDCARD, CorsMiddleware, CorsPolicy
from ..reference.http import Headers, Response
from ..reference.http import Request as ReferenceRequest
from .base import Setup, Subject
from .features import CorsSubject


def _reference_request(request: Request) -> ReferenceRequest:
    return ReferenceRequest(request.method, request.path, Headers(request.headers.items()))


def install_reference(app: Sanic, policy: CorsPolicy) -> None:
    """The reference CORS layer as a Sanic request hook and response hook."""
    cors = CorsMiddleware(policy)

    async def cors_request(request: Request) -> HTTPResponse | None:
        early = await cors.on_request(_reference_request(request))
        if early is None:
            return None
        return HTTPResponse(early.body or b"", status=early.status, headers=Header(list(early.headers)))

    async def cors_response(request: Request, response: BaseHTTPResponse) -> None:
        decorated = Response(response.status, Headers(response.headers.items()))
        await cors.on_response(_reference_request(request), decorated)
        response.headers.clear()
        response.headers.extend(list(decorated.headers))

    app.register_middleware(cors_request, "request")
    app.register_middleware(cors_response, "response")


class SanicReferenceCors(CorsSubject):
    name = "sanic/reference-cors"
    framework = "sanic"
    description = "reference CorsMiddleware as the first Sanic request hook and last response hook"

    def layer(self, policy: CorsPolicy) -> Setup:
        return Setup(lambda app: install_reference(app, policy))


def origin_list(policy: CorsPolicy) -> list[str | re.Pattern[str]]:
    """The policy's origins as Sanic-Cors and sanic-ext take them: exact strings, then compiled
    patterns passed as written (the policy's regex, or `scheme://([a-z0-9-]+\\.)+host` for the
    subdomain rule); the package decides how to match them."""
    origins: list[str | re.Pattern[str]] = list(policy.origins)
    if policy.origin_regex is not None:
        origins.append(re.compile(policy.origin_regex))
    if policy.subdomains_of is not None:
        scheme, _, host = policy.subdomains_of.partition("://")
        origins.append(re.compile(rf"{scheme}://([a-z0-9-]+\.)+{re.escape(host)}"))
    return origins


def sanic_cors_options(policy: CorsPolicy) -> dict[str, Any]:
    """Sanic-Cors keyword arguments for `policy`, written the way its README writes them."""
    from sanic_cors.core import ALL_METHODS

    if policy.private_network:
        raise NotApplicable("Sanic-Cors has no Private Network Access option (it never sends Access-Control-Allow-Private-Network)")
    return {
        "origins": WILDCARD if policy.any_origin else origin_list(policy),
        "send_wildcard": policy.any_origin,
        "supports_credentials": policy.credentials,
        "methods": ALL_METHODS if WILDCARD in policy.methods else list(policy.methods),
        "allow_headers": WILDCARD if WILDCARD in policy.headers else list(policy.headers),
        "expose_headers": WILDCARD if WILDCARD in policy.expose else list(policy.expose) or None,
        "max_age": policy.max_age,
    }


#: The cases a pattern applied with `re.match` (a start-anchored match) fails: a longer origin that starts with a match.
PREFIX_MATCHED = (
    "origin.regex-unanchored-end",
    "origin.subdomains-sub-prefix",
    "origin.subdomains-other-port",
    "origin.subdomains-underscore-after-host",
    "origin.regex-backtick-after-host",
)

SANIC_EXT_PRESENT = (
    "Sanic-Cors registers as a sanic-ext extension when sanic-ext is installed; graded as sanic-ext/sanic-cors in `tox -e sanic-ext`"
)


class SanicCors(CorsSubject):
    name = "sanic/sanic-cors"
    framework = "sanic"
    packages: tuple[str, ...] = ("sanic", "Sanic-Cors")
    description = "Sanic-Cors `CORS(app, origins=..., supports_credentials=..., ...)` without sanic-ext"
    _re_match = "origin patterns are applied with `re.match` (anchored at the start only), so a longer origin that starts with a match is shared"
    known = {
        "actual.single-allow-origin-handler-set-one": "`set_cors_headers` adds Access-Control-Allow-Origin with `headers.add`, keeping the handler's own: two fields",
        "actual.credentialed-wildcards": "expose_headers='*' is sent as `*` even with supports_credentials, where it exposes nothing",
        "vary.disallowed-origin": "`get_cors_headers` returns no header at all for an unmatched origin, Vary: Origin included",
        **dict.fromkeys(PREFIX_MATCHED, _re_match),
        "preflight.no-max-age": "without max_age it sends `Access-Control-Max-Age: None` (`str(options.get('max_age'))`)",
        **dict.fromkeys(
            ("preflight.options-without-request-method", "preflight.options-without-origin"),
            "automatic_options answers every OPTIONS on a CORS resource itself (200), preflight or not",
        ),
        **dict.fromkeys(
            ("vary.preflight-request-headers", "vary.preflight-wildcard-echo"),
            "`get_cors_headers` answers a preflight with the requested header names that `allow_headers` matches "
            "(`get_allow_headers`), yet varies on Origin only, and on nothing under origins='*'",
        ),
    }

    def layer(self, policy: CorsPolicy) -> Setup:
        from sanic_cors import CORS
        from sanic_cors.extension import use_ext

        # Decided when sanic_cors was imported: with sanic-ext importable, `CORS(app, ...)` only
        # makes an extension object and configures nothing, so verdicts would silently change.
        if use_ext:
            raise NotApplicable(SANIC_EXT_PRESENT)
        options = sanic_cors_options(policy)  # n/a, if it is, before any app is built
        return Setup(lambda app: CORS(app, **options))


SUBJECTS: list[type[Subject]] = [SanicReferenceCors, SanicCors]
