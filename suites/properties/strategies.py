"""Hypothesis strategies for whole pipeline scenarios and the requests sent to them.

`examples(space)` draws a `Scenario` (a global chain, flat routes, route-local `Group`s) and a
few `Call`s: routed requests, wrong methods on routed paths and unmatched paths;
`hostile_examples(space)` draws requests with hostile paths for a fixed scenario. They only draw
what `space` allows, so an aiohttp subject never gets a priority and a subject without
`error-conversion` never gets a converting probe.

Paths are built so no two namespaces overlap (global routes `/r0`…, groups `/g0`…, their routes
`/x0`…): an overlap would test a framework's route precedence, which no requirement fixes.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from functools import cache
from typing import TypeVar

from hypothesis import strategies as st
from mwconform.adapters.base import Subject
from mwconform.reference.scenario import (
    Action,
    Call,
    ExposeContext,
    Group,
    Handler,
    Pass,
    Probe,
    Raise,
    Respond,
    Route,
    Scenario,
    SetContext,
    SetHeader,
)

T = TypeVar("T")

METHODS = ("GET", "POST", "PUT", "DELETE")  # no HEAD/OPTIONS: frameworks answer those themselves
RESPOND = (200, 202, 401, 403, 418, 503)  # no 204/304: they forbid the body a Respond carries
RAISE: tuple[int | None, ...] = (None, 401, 403, 404, 409, 418, 503)  # None: an unhandled exception
HANDLER_STATUS = (200, 201, 299)
CONVERT = (200, 299, 418)
PRIORITY = (0, 0, 1, 2)  # 0 twice: ties are where stable ordering shows
HEADERS = ("x-a", "x-b")
KEYS = ("k", "j")
GLOBAL_NAMES = "ABC"
GROUP_NAMES = "GKL"

#: A pipeline case a subject declares `known` → the shape generation then leaves out, because
#: every example of that shape would only rediscover the recorded deviation.
STEERING: dict[str, str] = {
    # aiohttp sub-apps own their prefix: their chain runs for 404s there and for 405s on their routes.
    "route.404-under-group-prefix": "no request under a group's prefix except its own routes with their own methods",
    "error.response-phase-raises": "no response phase raises",
    "order.seed-003-route-chain": "a global chain whenever a group has a chain",
    "error.response-phase-raises-http": "no response phase raises an HTTP error (a crash still may)",
    # Litestar routes before any user middleware runs: its own 404 and 405 pass no layer.
    "routing.404-through-global-chain": "no unmatched path and no wrong method",
}


@dataclass(frozen=True)
class Space:
    """What may be generated for one subject: its capabilities minus its known-deviation shapes."""

    capabilities: frozenset[str]
    #: Keys of STEERING in effect (the subject declares those cases known).
    steer: frozenset[str] = frozenset()
    groups: bool = False

    @classmethod
    def of(cls, subject: Subject, groups: bool) -> Space:
        return cls(subject.capabilities, frozenset(STEERING) & frozenset(subject.known), groups)

    def can(self, capability: str) -> bool:
        return capability in self.capabilities

    def steering(self, known: Mapping[str, str]) -> dict[str, str]:
        """What is left out and why: the shape, then the subject's own reason."""
        return {STEERING[k]: f"{k}: {known[k]}" for k in sorted(self.steer)}


@dataclass(frozen=True)
class Example:
    scenario: Scenario
    calls: tuple[Call, ...]


def weighted(options: list[tuple[int, st.SearchStrategy[T]]]) -> st.SearchStrategy[T]:
    """Choose among strategies by weight (`one_of` draws its branches evenly); shrinks to the first."""
    return st.sampled_from([s for weight, s in options for _ in range(weight)]).flatmap(lambda s: s)


#: Stands for the probe's own name in a drawn action (`Respond` body, header or context value);
#: `chain` puts the name in once the probe's position is known, so one strategy serves every name.
NAME = "\0"


@cache
def request_actions(space: Space) -> st.SearchStrategy[Action]:
    # Mostly Pass: with three layers the handler would otherwise rarely run.
    options: list[tuple[int, st.SearchStrategy[Action]]] = [
        (4, st.just(Pass())),
        (1, st.builds(Respond, st.sampled_from(RESPOND), st.sampled_from(("", NAME)))),
        (1, st.builds(Raise, st.sampled_from(RAISE))),
    ]
    if space.can("context"):
        options.append((1, st.builds(SetContext, st.sampled_from(KEYS), st.just(NAME))))
    return weighted(options)


@cache
def response_actions(space: Space) -> st.SearchStrategy[Action]:
    options: list[tuple[int, st.SearchStrategy[Action]]] = [
        (3, st.just(Pass())),
        (2, st.builds(SetHeader, st.sampled_from(HEADERS), st.just(NAME))),
    ]
    if space.can("context"):
        options.append((1, st.builds(ExposeContext, st.sampled_from(KEYS))))
    if space.can("response-replace"):
        options.append((1, st.builds(Respond, st.sampled_from(RESPOND), st.sampled_from(("", NAME)))))
    if "error.response-phase-raises" not in space.steer:
        raised = RAISE if "error.response-phase-raises-http" not in space.steer else (None,)
        options.append((1, st.builds(Raise, st.sampled_from(raised))))
    return weighted(options)


@cache
def probes(space: Space) -> st.SearchStrategy[Probe]:
    """One unnamed probe; strategies are built once per space, because building them is slow."""
    convert = st.sampled_from((*[None] * 6, *CONVERT)) if space.can("error-conversion") else st.none()
    priority = st.sampled_from(PRIORITY) if space.can("priority") else st.just(0)
    # A Sanic request-only or response-only middleware now and then; never both phases missing.
    missing = st.sampled_from((None, None, None, "request", "response")) if space.can("split-phases") else st.none()

    def build(request: Action, response: Action, convert: int | None, priority: int, missing: str | None) -> Probe:
        return Probe(NAME, None if missing == "request" else request, None if missing == "response" else response, convert, priority)

    return st.builds(build, request_actions(space), response_actions(space), convert, priority, missing)


def named(probe: Probe, name: str) -> Probe:
    def fill(action: Action | None) -> Action | None:
        if isinstance(action, Respond) and action.body == NAME:
            return replace(action, body=name)
        if isinstance(action, (SetHeader, SetContext)) and action.value == NAME:
            return replace(action, value=name)
        return action

    return replace(probe, name=name, request=fill(probe.request), response=fill(probe.response))


@cache
def chain(space: Space, names: str, min_size: int = 0) -> st.SearchStrategy[tuple[Probe, ...]]:
    """0–3 probes (at least `min_size`), outermost first, named by position from `names`."""
    drawn = st.lists(probes(space), min_size=min_size, max_size=3)
    return drawn.map(lambda ps: tuple(named(p, n) for p, n in zip(ps, names)))


HANDLERS = weighted(
    [
        (4, st.builds(Handler, st.sampled_from(HANDLER_STATUS))),
        (1, st.builds(Handler, raise_status=st.sampled_from([s for s in RAISE if s is not None]))),
        (1, st.just(Handler(crash=True))),
    ]
)


@cache
def routes(prefix: str) -> st.SearchStrategy[tuple[Route, ...]]:
    """1–3 routes on the paths `<prefix>0` and `<prefix>1`; a path may carry several methods."""
    one = st.tuples(st.sampled_from((0, 1)), st.sampled_from(METHODS), HANDLERS)
    listed = st.lists(one, min_size=1, max_size=3, unique_by=lambda r: r[:2])
    return listed.map(lambda rs: tuple(Route(m, f"{prefix}{i}", h) for i, m, h in sorted(rs, key=lambda r: r[:2])))


@cache
def groups(space: Space) -> st.SearchStrategy[tuple[Group, ...]]:
    """1–2 groups `/g0`, `/g1` whose chains are named `G1…` and `K1…`."""
    drawn = st.lists(st.tuples(st.lists(probes(space), max_size=3), routes("/x")), min_size=1, max_size=2)
    return drawn.map(
        lambda gs: tuple(
            Group(f"g{i}", f"/g{i}", tuple(named(p, f"{GROUP_NAMES[i]}{j + 1}") for j, p in enumerate(ps)), rs)
            for i, (ps, rs) in enumerate(gs)
        )
    )


@st.composite
def scenarios(draw: st.DrawFn, space: Space) -> Scenario:
    drawn_groups = draw(groups(space)) if space.groups else ()
    needs_global = "order.seed-003-route-chain" in space.steer and any(g.chain for g in drawn_groups)
    chained = draw(chain(space, GLOBAL_NAMES, 1 if needs_global else 0))
    flat = draw(routes("/r")) if not drawn_groups or draw(st.booleans()) else ()
    return Scenario(flat, chained, drawn_groups)


def targets(scenario: Scenario) -> list[tuple[str, tuple[str, ...], bool]]:
    """(path, its routed methods, under a group prefix) for every routed path."""
    paths: dict[str, list[str]] = {}
    grouped: set[str] = set()
    for route in scenario.routes:
        paths.setdefault(route.path, []).append(route.method)
    for group in scenario.groups:
        for route in group.routes:
            paths.setdefault(group.prefix + route.path, []).append(route.method)
            grouped.add(group.prefix + route.path)
    return [(p, tuple(ms), p in grouped) for p, ms in paths.items()]


@st.composite
def calls(draw: st.DrawFn, scenario: Scenario, space: Space) -> Call:
    routed = targets(scenario)
    inside_prefix_ok = "route.404-under-group-prefix" not in space.steer
    unrouted_ok = "routing.404-through-global-chain" not in space.steer
    kinds = ["routed"] * 3 + ["unmatched"] * unrouted_ok
    wrong = [(p, ms) for p, ms, grouped in routed if len(ms) < len(METHODS) and (inside_prefix_ok or not grouped)]
    if wrong and unrouted_ok:
        kinds += ["wrong-method"] * 2
    kind = draw(st.sampled_from(kinds))
    if kind == "routed":
        path, methods, _ = draw(st.sampled_from(routed))
        return Call(draw(st.sampled_from(methods)), path)
    if kind == "wrong-method":
        path, methods = draw(st.sampled_from(wrong))
        return Call(draw(st.sampled_from([m for m in METHODS if m not in methods])), path)
    unmatched = ["/nope", "/r9"]
    if inside_prefix_ok:
        unmatched += [g.prefix + "/nope" for g in scenario.groups]
    return Call(draw(st.sampled_from(METHODS)), draw(st.sampled_from(unmatched)))


@st.composite
def examples(draw: st.DrawFn, space: Space) -> Example:
    """A scenario and 1–3 requests to send it, one after another."""
    scenario = draw(scenarios(space))
    sent = draw(st.lists(calls(scenario, space), min_size=1, max_size=3))
    return Example(scenario, tuple(sent))


#: Path pieces that trip decoders and routers: every percent-encoded byte (NUL, `/`, `.`, invalid
#: UTF-8), broken escapes, dot and empty segments, non-ASCII, bidi controls, long runs. Nothing a
#: client refuses to send (control characters) and no `?`/`#`, which end the path.
_PIECES = st.one_of(
    st.text(st.sampled_from("abz09-_~"), min_size=1, max_size=4),
    st.integers(0, 255).map(lambda b: f"%{b:02X}"),
    st.sampled_from(["", ".", "..", "%", "%Z", "%zz", "%2e%2e", "%c0%af", "é", "€", "\u202e", ";a=b", "a b", "\\", "|", "'", "{p}"]),
    st.integers(200, 4000).map(lambda n: "a" * n),
)
_TAIL = st.lists(st.lists(_PIECES, min_size=1, max_size=3).map("".join), min_size=1, max_size=3).map("/".join)


@cache
def hostile_examples(space: Space) -> st.SearchStrategy[Example]:
    """Pass-through probes around parameter routes (in a group too, where the subject has groups),
    and requests whose paths are built from hostile pieces, below a route or anywhere."""
    routes = (Route("GET", "/r0/{p}"), Route("GET", "/r1"))
    groups = (Group("g0", "/g0", (Probe("G1"),), (Route("GET", "/x0/{p}"),)),) if space.can("route-local") else ()
    scenario = Scenario(routes, (Probe("A"), Probe("B")), groups)
    bases = ["/", "/r0/", "/r1/", *(["/g0/", "/g0/x0/"] if groups else [])]
    path = st.tuples(st.sampled_from(bases), _TAIL).map("".join)
    return st.lists(path.map(lambda p: Call("GET", p)), min_size=1, max_size=3).map(lambda cs: Example(scenario, tuple(cs)))
