"""aiohttp CORS subjects, each configured from the scenario's `CorsPolicy`.

- `aiohttp/reference-cors`: the reference `CorsMiddleware` as the outermost `@web.middleware`.
- `aiohttp/aiohttp-cors`: aiohttp-cors (`CorsConfig` + `ResourceOptions`, every route added).
- `aiohttp/handwritten`: seed 001/002's old-style middleware plus an explicit OPTIONS route per
  path, exactly as the seed writes them, with the policy's values in place of its literals.
"""

from __future__ import annotations

import logging
from typing import Any

from aiohttp import web
from multidict import CIMultiDict

from ..outcomes import NotApplicable
from ..reference.cors import WILDCARD, CorsMiddleware, CorsPolicy
from ..reference.http import Headers, HTTPError, Request, Response
from .base import Finish, Setup, Subject
from .features import CorsSubject

_log = logging.getLogger("aiohttp.server")


def _reference_request(request: web.BaseRequest) -> Request:
    return Request(request.method, request.path, Headers(request.headers.items()))


def _write_back(source: Headers, target: CIMultiDict[str]) -> None:
    target.clear()
    target.extend(list(source))


def reference_middleware(policy: CorsPolicy) -> Any:
    """The reference CORS layer as an aiohttp middleware; put it first in `app.middlewares`."""
    cors = CorsMiddleware(policy)

    @web.middleware
    async def cors_layer(request: web.Request, handler: Any) -> web.StreamResponse:
        ref = _reference_request(request)
        early = await cors.on_request(ref)
        if early is not None:
            return web.Response(status=early.status, headers=CIMultiDict(list(early.headers)), body=early.body)
        try:
            response = await handler(request)
        except web.HTTPException as exc:
            # aiohttp turns an HTTPException into the response after the chain; decorate it first.
            decorated = await cors.on_error(ref, HTTPError(exc.status, Headers(exc.headers.items())))
            assert decorated is not None
            _write_back(decorated.headers, exc.headers)
            raise
        except Exception as exc:
            # aiohttp would answer 500 outside every middleware, where CORS cannot reach it.
            _log.error("Error handling request", exc_info=exc)
            converted = await cors.on_error(ref, exc)
            assert converted is not None
            return web.Response(status=500, headers=CIMultiDict(list(converted.headers)), text="500 Internal Server Error")
        if response.prepared:  # streamed: its headers went out with `prepare`, decorated by `streamed_decorator`
            return response
        ref_response = Response(response.status, Headers(response.headers.items()))
        await cors.on_response(ref, ref_response)
        _write_back(ref_response.headers, response.headers)
        return response

    return cors_layer


def streamed_decorator(policy: CorsPolicy) -> Any:
    """An `on_response_prepare` signal handler: the reference CORS headers for responses a handler
    streams (prepares itself), whose headers are sent before any middleware sees the response."""
    cors = CorsMiddleware(policy)

    async def decorate(request: web.Request, response: web.StreamResponse) -> None:
        if isinstance(response, web.Response):  # whole responses are the middleware's
            return
        ref_response = Response(response.status, Headers(response.headers.items()))
        await cors.on_response(_reference_request(request), ref_response)
        _write_back(ref_response.headers, response.headers)

    return decorate


class AiohttpReferenceCors(CorsSubject):
    name = "aiohttp/reference-cors"
    framework = "aiohttp"
    description = "reference CorsMiddleware as the outermost aiohttp `@web.middleware`"

    def layer(self, policy: CorsPolicy) -> Any:
        # A streamed response's headers go out before the middleware sees it: a signal decorates those.
        return [reference_middleware(policy), Setup(lambda app: app.on_response_prepare.append(streamed_decorator(policy)))]


def _resource_options(policy: CorsPolicy) -> Any:
    import aiohttp_cors

    def star_or(values: tuple[str, ...]) -> Any:
        return WILDCARD if WILDCARD in values else values

    return aiohttp_cors.ResourceOptions(
        allow_credentials=policy.credentials,
        expose_headers=star_or(policy.expose),
        allow_headers=star_or(policy.headers),
        max_age=policy.max_age,
        allow_methods=star_or(policy.methods),
    )


class AiohttpCors(CorsSubject):
    name = "aiohttp/aiohttp-cors"
    framework = "aiohttp"
    packages: tuple[str, ...] = ("aiohttp", "aiohttp-cors")
    description = "aiohttp-cors `CorsConfig(app, defaults={origin: ResourceOptions(...)})`, `cors.add(route)` for every route"
    _no_vary = "aiohttp-cors echoes the origin but never sends Vary: Origin (aiohttp-cors#351)"
    _per_route = "CORS is applied per route; aiohttp's own 404/405 come from no CORS route and carry no CORS headers (aiohttp-cors#172)"
    _route_preflight = "preflights are answered by an OPTIONS route handler, so every app middleware (auth included) runs first"
    known = {
        **dict.fromkeys(("vary.allowed-origin", "vary.disallowed-origin", "vary.no-origin", "vary.preflight", "vary.merged-with-handler"), _no_vary),
        **dict.fromkeys(
            ("vary.preflight-request-headers", "vary.preflight-wildcard-echo"),
            "`_preflight_handler` echoes the requested method and header names (`ACCESS_CONTROL_ALLOW_METHODS = request_method`) and sends no Vary at all (aiohttp-cors#351)",
        ),
        **dict.fromkeys(
            ("error.unknown-path-404", "error.wrong-method-405", "error.unknown-path-404-wildcard", "error.wrong-method-405-wildcard"), _per_route
        ),
        "preflight.refused-lower-case-patch": (
            "`is_method_allowed` upper-cases the requested method and the answer echoes it, so `patch` is approved by a policy naming PATCH"
        ),
        **dict.fromkeys(("preflight.behind-auth", "preflight.behind-auth-wildcard"), _route_preflight + " and answers 401"),
        "preflight.behind-redirect": _route_preflight + ", and an https-redirect middleware answers it 308",
        **dict.fromkeys(("preflight.never-reaches-handler", "preflight.never-reaches-handler-wildcard"), _route_preflight),
        "robust.hostile-origin-and-request-headers": (
            "a refused preflight raises HTTPForbidden(text=...) quoting the Origin; aiohttp hands obs-text bytes over "
            "surrogate-escaped, so encoding that text raises UnicodeEncodeError: 500 for Origin: https://\\xe9.example"
        ),
    }
    crashes = {
        "actual.single-allow-origin-handler-set-one": (
            "`_CorsConfigImpl._on_response_prepare` (aiohttp_cors/cors_config.py, 0.8.1) asserts "
            "`ACCESS_CONTROL_ALLOW_ORIGIN not in response.headers`; the handler's own field raises AssertionError "
            "in aiohttp's on_response_prepare signal and aiohttp drops the connection unanswered"
        ),
    }

    def layer(self, policy: CorsPolicy) -> Finish:
        if policy.origin_regex is not None or policy.subdomains_of is not None:
            raise NotApplicable("aiohttp-cors matches origins only as exact strings or '*' (no pattern or subdomain rule)")
        if policy.private_network:
            raise NotApplicable("aiohttp-cors has no Private Network Access option (it never sends Access-Control-Allow-Private-Network)")

        def enable_every_route(app: web.Application) -> None:
            import aiohttp_cors

            options = _resource_options(policy)
            cors = aiohttp_cors.setup(app, defaults={origin: options for origin in policy.origins})
            for route in list(app.router.routes()):
                if route.method != "OPTIONS":  # the package owns OPTIONS on every resource it enables
                    cors.add(route)

        return Finish(enable_every_route)


def seed_cors_middleware(allow_origin: str, allow_methods: str, allow_headers: str) -> Any:
    """Seed 001's `cors_middleware`, verbatim but for the three header values."""

    async def cors_middleware(app, handler):  # type: ignore[no-untyped-def]
        async def middleware(request):  # type: ignore[no-untyped-def]
            response = await handler(request)
            response.headers['Access-Control-Allow-Origin'] = allow_origin
            response.headers['Access-Control-Allow-Methods'] = allow_methods
            response.headers['Access-Control-Allow-Headers'] = allow_headers
            return response

        return middleware

    return cors_middleware


def seed_preflight_handler(allow_origin: str, allow_methods: str, allow_headers: str, max_age: str) -> Any:
    """Seed 001's `preflight_handler`, verbatim but for the four header values."""

    async def preflight_handler(request):  # type: ignore[no-untyped-def]
        response = web.Response()
        response.headers['Access-Control-Allow-Origin'] = allow_origin
        response.headers['Access-Control-Allow-Methods'] = allow_methods
        response.headers['Access-Control-Allow-Headers'] = allow_headers
        response.headers['Access-Control-Max-Age'] = max_age
        return response

    return preflight_handler


class AiohttpHandwritten(CorsSubject):
    name = "aiohttp/handwritten"
    framework = "aiohttp"
    description = "seed 001/002: old-style `cors_middleware(app, handler)` setting static headers + `add_options` preflight route per path"
    _after_handler = "the seed adds its headers after `await handler(request)`, which a raised HTTPException or crash skips"
    _route_preflight = "the seed answers preflights from an OPTIONS route, behind every middleware"
    known = {
        **dict.fromkeys(("error.unknown-path-404-wildcard", "error.wrong-method-405-wildcard", "error.handler-crash-500-wildcard"), _after_handler),
        "preflight.approved-wildcard-authorization": "the seed sends the allowed headers as a static `*`, which never covers Authorization (Fetch §4.8)",
        "error.inner-headers-on-raised-401-wildcard": _after_handler,
        "actual.streamed-wildcard": "the seed sets its headers after `await handler(request)`, when a streamed response's headers are already sent",
        "preflight.behind-auth-wildcard": _route_preflight + ": an auth middleware answers it 401",
        "preflight.never-reaches-handler-wildcard": _route_preflight + ": their request phases run for it",
    }

    def seed_values(self, policy: CorsPolicy) -> tuple[str, str, str, str]:
        """The seed's four literals from the policy, or n/a for what static headers cannot say."""
        if len(policy.origins) != 1 or policy.origin_regex or policy.subdomains_of:
            raise NotApplicable("the seed sends one static Access-Control-Allow-Origin ('*' or one origin), not a list or pattern")
        if policy.credentials or policy.expose:
            raise NotApplicable("the seed sends no Access-Control-Allow-Credentials or -Expose-Headers")
        if policy.max_age is None:
            raise NotApplicable("the seed's preflight route always sends Access-Control-Max-Age")
        if policy.private_network:
            raise NotApplicable("the seed sends no Access-Control-Allow-Private-Network")
        return policy.origins[0], ", ".join(policy.methods), ", ".join(policy.headers), str(policy.max_age)

    def layer(self, policy: CorsPolicy) -> list[Any]:
        origin, methods, headers, max_age = self.seed_values(policy)
        preflight_handler = seed_preflight_handler(origin, methods, headers, max_age)

        def add_preflight_routes(app: web.Application) -> None:
            """The seed's `app.router.add_options(path, preflight_handler)` for every path without its own OPTIONS."""
            paths = {resource.canonical: {route.method for route in resource} for resource in app.router.resources()}
            for path, methods_there in paths.items():
                if "OPTIONS" not in methods_there:
                    app.router.add_options(path, preflight_handler)

        return [seed_cors_middleware(origin, methods, headers), Finish(add_preflight_routes)]


SUBJECTS: list[type[Subject]] = [AiohttpReferenceCors, AiohttpCors, AiohttpHandwritten]
