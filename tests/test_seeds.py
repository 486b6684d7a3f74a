"""The seed documents' examples, run as written, print what the documents say they print.

The suite checks the same behaviours through neutral scenarios (cases `order.seed-003-route-chain`,
`order.seed-004-...`, `short-circuit.seed-004-...`, `context.seed-004-slug-rewrite`); this runs the
documents' own code, so a scenario that drifted from the seed cannot hide it.
"""

import asyncio

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer


def test_aiohttp_route_middleware_readme_prints_its_documented_order(capsys: pytest.CaptureFixture[str]) -> None:
    """Seed 003: 'entering middleware 1' ... 'exiting middleware 1', and extra_stuff=[foo, bar]."""
    from aiohttp_route_middleware import UrlDispatcherEx

    # -- the README example, verbatim but for web.run_app --
    async def test(request):  # type: ignore[no-untyped-def]
        print("..entering handler")
        response = web.Response(text=f"extra_stuff=[{', '.join(request.extra_stuff)}]")
        print("..exiting handler")
        return response

    @web.middleware
    async def middleware1(request, handler):  # type: ignore[no-untyped-def]
        print("entering middleware 1")
        request.extra_stuff = ["foo"]
        response = await handler(request)
        print("exiting middleware 1")
        return response

    @web.middleware
    async def middleware2(request, handler):  # type: ignore[no-untyped-def]
        print(".entering middleware 2")
        request.extra_stuff.append("bar")
        response = await handler(request)
        print(".exiting middleware 2")
        return response

    with pytest.warns(DeprecationWarning, match="router argument is deprecated"):
        app = web.Application(router=UrlDispatcherEx())
    app.router.add_get("/", middleware1, middleware2, test)
    # -- end of the example --

    async def get() -> str:
        async with TestClient(TestServer(app)) as client:
            return await (await client.get("/")).text()

    assert asyncio.run(get()) == "extra_stuff=[foo, bar]"
    assert capsys.readouterr().out.splitlines() == [
        "entering middleware 1",
        ".entering middleware 2",
        "..entering handler",
        "..exiting handler",
        ".exiting middleware 2",
        "exiting middleware 1",
    ]


def sanic_seed_app():  # type: ignore[no-untyped-def]
    """Seed 004's "Order of execution" example, verbatim, on an app the adapter can serve."""
    from sanic.response import text

    from mwconform.adapters.sanic import new_app

    app = new_app()

    @app.middleware("request")
    async def middleware_1(request):  # type: ignore[no-untyped-def]
        print("middleware_1")

    @app.middleware("request")
    async def middleware_2(request):  # type: ignore[no-untyped-def]
        print("middleware_2")

    @app.middleware("response")
    async def middleware_3(request, response):  # type: ignore[no-untyped-def]
        print("middleware_3")

    @app.middleware("response")
    async def middleware_4(request, response):  # type: ignore[no-untyped-def]
        print("middleware_4")

    @app.get("/handler")
    async def handler(request):  # type: ignore[no-untyped-def]
        print("~ handler ~")
        return text("Done.")

    return app


def get_from(app, path: str, serve) -> tuple[int, str]:  # type: ignore[no-untyped-def]
    import httpx

    from mwconform.harness import run

    async def go() -> tuple[int, str]:
        async with serve(app) as target, httpx.AsyncClient(transport=target.transport) as client:
            response = await client.get(target.base_url + path)
            return response.status_code, response.text

    return run(go(), 10, f"GET {path}")


def test_sanic_guide_order_of_execution_prints_as_documented(capsys: pytest.CaptureFixture[str]) -> None:
    """Seed 004: middleware_1, middleware_2, ~ handler ~, middleware_4, middleware_3."""
    from mwconform.adapters.sanic import serve_app

    assert get_from(sanic_seed_app(), "/handler", serve_app) == (200, "Done.")
    assert capsys.readouterr().out.splitlines() == ["middleware_1", "middleware_2", "~ handler ~", "middleware_4", "middleware_3"]


@pytest.mark.parametrize(("phase", "body"), [("request", "I halted the request"), ("response", "I halted the response")])
def test_sanic_guide_responding_early_returns_the_middlewares_body(phase: str, body: str) -> None:
    """Seed 004, "Responding early": a middleware returning a response ends the request with it."""
    from sanic.response import text

    from mwconform.adapters.sanic import new_app, serve_app

    app = new_app()

    if phase == "request":

        @app.middleware("request")
        async def halt_request(request):  # type: ignore[no-untyped-def]
            return text("I halted the request")
    else:

        @app.middleware("response")
        async def halt_response(request, response):  # type: ignore[no-untyped-def]
            return text("I halted the response")

    @app.get("/")
    async def index(request):  # type: ignore[no-untyped-def]
        return text("handler")

    assert get_from(app, "/", serve_app) == (200, body)


def test_sanic_guide_slug_rewrite_reaches_the_handler() -> None:
    """Seed 004: `curl localhost:9999/foo-bar-baz` prints foo_bar_baz."""
    from sanic import Request
    from sanic.response import text

    from mwconform.adapters.sanic import new_app, serve_app

    app = new_app()

    @app.on_request
    def convert_slug_to_underscore(request: Request):  # type: ignore[no-untyped-def]
        request._match_info["slug"] = request._match_info["slug"].replace("-", "_")

    @app.get("/<slug:[a-z0-9]+(?:-[a-z0-9]+)*>")
    async def handler(request, slug):  # type: ignore[no-untyped-def]
        return text(slug)

    assert get_from(app, "/foo-bar-baz", serve_app) == (200, "foo_bar_baz")
