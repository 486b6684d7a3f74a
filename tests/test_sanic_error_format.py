"""The Sanic adapter guesses a route's error format once per handler code; the guess must be Sanic's own."""

from sanic import Sanic
from sanic.response import json, text

from mwconform.adapters.sanic import new_app


def handlers() -> list:
    """Two closures per code object, one code object per response type Sanic's guess tells apart."""

    def make_json():
        async def as_json(request):
            return json({})

        return as_json

    def make_text():
        async def as_text(request):
            return text("")

        return as_text

    return [make_json(), make_json(), make_text(), make_text()]


def test_error_format_guessed_once_per_code_matches_sanic() -> None:
    ours, plain = new_app(), Sanic("plain_error_format_check")
    try:
        for index, handler in enumerate(handlers()):
            for app in (ours, plain):
                app.add_route(handler, f"/h{index}", name=f"h{index}")
        ours.router.finalize(), plain.router.finalize()
        formats = {app.name: [r.extra.error_format for r in sorted(app.router.routes, key=lambda r: r.path)] for app in (ours, plain)}
        assert formats[ours.name] == formats[plain.name] == ["json", "json", "text", "text"]
    finally:
        Sanic.unregister_app(ours), Sanic.unregister_app(plain)
