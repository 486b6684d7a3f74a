"""`LitestarSubject` puts each layer form where a Litestar user puts it (its docstring): native
middleware first in `middleware=[...]`, `Setup` filling the `Litestar(...)` keyword arguments
before the scenario's chain, `Guard` around each handler with its full path, `Finish` with the
built app; anything else is a one-line contract error naming what Litestar takes."""

from typing import Any

import httpx
import pytest
from litestar import Litestar
from litestar.middleware import DefineMiddleware
from mwconform.adapters.asgi import ASGIApp, Receive, Scope, Send
from mwconform.adapters.base import ContractError, Finish, Guard, Plug, Setup
from mwconform.adapters.litestar import LitestarSubject
from mwconform.reference.probes import Recorder
from mwconform.reference.scenario import Group, Probe, Route, Scenario, chain

from mwconform import harness

SCENARIO = Scenario((Route("GET", "/ok"), Route("OPTIONS", "/ok")), (Probe("A"),), (Group("api", "/api", chain("G"), (Route("GET", "/x"),)),))


def marking(name: str, order: list[str]) -> Any:
    """A Litestar middleware factory that notes `name` when a request enters it."""

    def factory(app: ASGIApp) -> ASGIApp:
        async def middleware(scope: Scope, receive: Receive, send: Send) -> None:
            if scope["type"] == "http":
                order.append(name)
            await app(scope, receive, send)

        return middleware

    return DefineMiddleware(factory)


def test_each_layer_form_goes_where_a_litestar_user_puts_it() -> None:
    order: list[str] = []
    seen: dict[str, Any] = {}

    def setup(options: dict[str, Any]) -> None:
        seen["middleware before the setup"] = len(options["middleware"])
        options["middleware"].append(marking("setup", order))

    def guard(handler: Any, path: str) -> Any:
        async def guarded(request: Any) -> Any:
            order.append(f"guard {path}")
            return await handler(request)

        return guarded

    plug = Plug((marking("native", order), Setup(setup), Guard(guard), Finish(lambda app: seen.setdefault("app", app))))

    async def go() -> list[str]:
        recorder = Recorder()
        async with LitestarSubject().serve_plugged(SCENARIO, recorder, "inprocess", plug) as target:
            async with httpx.AsyncClient(transport=target.transport, base_url=target.base_url) as client:
                statuses = [(await client.request(method, path)).status_code for method, path in (("GET", "/ok"), ("OPTIONS", "/ok"), ("GET", "/api/x"))]
        assert statuses == [200, 200, 200]
        return recorder.pop("-")

    events = harness.run(go(), 10, "serving the plugged Litestar app")
    assert seen["middleware before the setup"] == 1 and isinstance(seen["app"], Litestar)
    # Native first, then the Setup's, then the scenario's chain (A) and the guarded handler (H).
    assert order == ["native", "setup", "guard /ok"] * 2 + ["native", "setup", "guard /api/x"]
    assert events.count("A>") == 3 and events.count("G>") == 1


def test_a_layer_litestar_cannot_take_is_a_contract_error_naming_what_it_takes() -> None:
    with pytest.raises(ContractError, match=r"str 'cors please' is not Litestar middleware: give what Litestar\(middleware=\[...\]\) takes"):
        LitestarSubject().build_plugged(SCENARIO, Recorder(), Plug(("cors please",)))
