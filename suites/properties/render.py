"""Short text renderings of generated scenarios, so a shrunk counterexample reads at a glance.

    global [A(>respond 418), B(<set x-a)]; GET /r0 -> 200; group /g0 [G1] {GET /x0 -> raise 404}

A probe without parentheses passes through both phases; `>` is its request phase, `<` its
response phase (`none` when it has no such phase), `!` the status it converts errors to, `p` its
priority.
"""

from __future__ import annotations

import re

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


def action(a: Action | None) -> str:
    if a is None:
        return "none"
    if isinstance(a, SetHeader):
        return f"set {a.name}"
    if isinstance(a, SetContext):
        return f"ctx {a.key}={a.value}"
    if isinstance(a, ExposeContext):
        return f"expose {a.key}"
    if isinstance(a, Respond):
        return f"respond {a.status}" + (f" {a.body!r}" if a.body else "")
    if isinstance(a, Raise):
        return f"raise {a.status}" if a.status is not None else "crash"
    return type(a).__name__.lower()


def probe(p: Probe) -> str:
    parts = [f">{action(p.request)}"] if p.request != Pass() else []
    parts += [f"<{action(p.response)}"] if p.response != Pass() else []
    parts += [f"!{p.convert}"] if p.convert is not None else []
    parts += [f"p{p.priority}"] if p.priority else []
    return f"{p.name}({' '.join(parts)})" if parts else p.name


def handler(h: Handler) -> str:
    if h.crash:
        return "crash"
    return f"raise {h.raise_status}" if h.raise_status is not None else str(h.status)


def route(r: Route, prefix: str = "") -> str:
    return f"{r.method} {prefix}{r.path} -> {handler(r.handler)}"


def group(g: Group) -> str:
    return f"group {g.prefix} [{', '.join(map(probe, g.chain))}] {{{', '.join(route(r) for r in g.routes)}}}"


def scenario(s: Scenario) -> str:
    """The whole scenario on one line."""
    parts = [f"global [{', '.join(map(probe, s.chain))}]", *map(route, s.routes), *map(group, s.groups)]
    return "; ".join(parts)


def call(c: Call) -> str:
    """`GET /r0/a×4000`: long runs of one character are counted, not printed."""
    return re.sub(r"(.)\1{15,}", lambda m: f"{m.group(1)}×{len(m.group(0))}", str(c))


def calls(cs: tuple[Call, ...]) -> str:
    return ", ".join(map(call, cs))
