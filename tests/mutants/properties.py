"""Broken pipelines that the hand-written pipeline cases miss and the properties suite must catch.

Each is the reference pipeline with one realistic bug (its docstring, one line) in a shape no
pipeline case happens to exercise: a path with two methods, a route-local hook that outranks a
global one, a non-ASCII path. `bench/mutation_score.py` runs the properties suite against them.
"""

from __future__ import annotations

from collections.abc import Sequence

from mwconform.adapters.reference import ReferenceSubject
from mwconform.reference.http import Request, Response
from mwconform.reference.pipeline import Hooks, Middleware, Onion, Pipeline, _Target
from tests.mutants.pipeline import mutant


class AllowFirstMethodOnly(Pipeline):
    """A 405's `Allow` names only the first method routed for the path."""
    breaks = ("generated.global-chain",)

    async def handle(self, request: Request) -> Response:
        response = await super().handle(request)
        if allow := response.headers.get("Allow"):
            response.headers.set("Allow", allow.split(",")[0])
        return response


class _DeclaredOrder(Hooks):
    def order(self, layers: Sequence[Middleware]) -> list[Middleware]:
        return list(layers)


class LocalPriorityApart(Pipeline):
    """Route-local hooks are sorted by priority among themselves, always after every global hook."""
    breaks = ("generated.route-local-chains",)

    def __init__(self, _: str | Onion | Hooks = "hooks", middleware: Sequence[Middleware] = ()) -> None:
        super().__init__(_DeclaredOrder(), middleware)

    def layers(self, target: _Target | None) -> list[Middleware]:
        by_priority = Hooks().order
        return [*by_priority(self.middleware), *by_priority(target.chain if target else ())]


class AsciiPathKey(Pipeline):
    """The router keys its cache by `path.encode("ascii")`, so a non-ASCII path (`/é`, `%FF`) crashes with 500."""
    breaks = ("generated.hostile-paths",)

    async def handle(self, request: Request) -> Response:
        request.path.encode("ascii")
        return await super().handle(request)


MUTANTS: list[type[ReferenceSubject]] = [
    mutant(AllowFirstMethodOnly, "onion"),
    mutant(LocalPriorityApart, "hooks"),
    mutant(AsciiPathKey, "onion"),
]
globals().update({m.__name__: m for m in MUTANTS})
