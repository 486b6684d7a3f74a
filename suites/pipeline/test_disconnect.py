"""A client that leaves mid-response: what the server still runs for it, and that it goes on serving."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

import pytest
from mwconform.reference.probes import Recorder
from mwconform.reference.scenario import Call, Handler, Probe, Route, Scenario
from mwconform.suites.pipeline.check import PipelineCase, differences, predict

from mwconform.harness import Exchange, leave_after_first_piece
from mwconform.outcomes import NotApplicable
from mwconform.plugin import Context
from mwconform.runner import Served, play, verdict

#: Seconds the server gets, after the client left, to end the handler's stream and leave every
#: layer (a trickling handler ends on its own after about half a second).
SETTLE = 3.0
POLL = 0.01
DEPARTED = "gone"  # the departed request's id: its trace is read while the server may still run it


@dataclass(frozen=True)
class DepartureCase(PipelineCase):
    #: The request the client leaves after the first piece of its body; then `calls` follow.
    leaves: Call = Call("GET", "/stream")


CASES = [
    DepartureCase(
        id="stream.client-leaves-after-first-piece",
        title="A, B, C (each with a cleanup) around a handler trickling GET /stream; the client closes the connection "
        "after the first piece of the body, then sends GET /ok on a new connection",
        requirements=("pipeline.stream.client-disconnect", "pipeline.phase.once"),
        expect="Within 3 s the handler's stream ends and every layer is done with the departed request exactly once, "
        "innermost first (onion, starlette, litestar: each layer's cleanup; hooks: each response hook); a response "
        "phase may run or be skipped, as the framework documents, never twice. GET /ok then gets its usual 200 and trace.",
        scenario=Scenario(
            (Route("GET", "/stream", Handler(stream=True, trickle=True)), Route("GET", "/ok")),
            tuple(Probe(name, cleanup=True) for name in "ABC"),
        ),
        calls=(Call("GET", "/ok"),),
        slow=True,  # a layer that holds the response back waits out the trickle (half a second)
    ),
]


def closing(profile: str, name: str) -> str:
    """The event that says layer `name` is done with a request: its cleanup, or (hooks, which have
    no code around the handler) its response hook, the last code such a layer runs."""
    return f"<{name}:" if profile == "hooks" else f"{name}/"


def ends(events: list[str], profile: str, names: list[str]) -> list[int]:
    """Where each layer (innermost first) and the handler's stream end in `events` (-1: not yet)."""
    marks = [closing(profile, n) for n in reversed(names)] + ["H/"]
    return [next((i for i, e in enumerate(events) if e.startswith(m) or e == m), -1) for m in marks]


async def settled(recorder: Recorder, profile: str, names: list[str]) -> list[str]:
    """The departed request's events once every layer and the handler's stream ended, or after SETTLE seconds."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + SETTLE
    while -1 in ends(recorder.peek(DEPARTED), profile, names) and loop.time() < deadline:
        await asyncio.sleep(POLL)
    await asyncio.sleep(POLL)  # one more turn: an event recorded twice shows now
    return recorder.pop(DEPARTED)


def departure_problems(events: list[str], profile: str, names: list[str]) -> list[str]:
    """Each way the departed request's events break the requirement (see the case's expect)."""
    shown = " ".join(events) or "(empty)"
    start = [f"{n}>" for n in names] + ["H"]
    found = []
    if events[: len(start)] != start:
        found.append(f"departed GET /stream: trace {shown} does not start with {' '.join(start)}")
    if events.count("H/") != 1:
        found.append(f"departed GET /stream: the handler's stream ended {events.count('H/')} times within {SETTLE:g} s (trace {shown})")
    for name in names:
        mark = closing(profile, name)
        seen = [i for i, e in enumerate(events) if e.startswith(mark)]
        what = f"{name}'s response hook" if profile == "hooks" else f"{name}'s cleanup"
        if len(seen) != 1:
            found.append(f"departed GET /stream: {what} ran {len(seen)} times within {SETTLE:g} s, expected once (trace {shown})")
        phases = [i for i, e in enumerate(events) if e.startswith(f"<{name}:")]
        if profile != "hooks" and (len(phases) > 1 or (phases and seen and phases[0] > seen[0])):
            found.append(f"departed GET /stream: {name}'s response phase ran {len(phases)} times, or after its cleanup (trace {shown})")
    order = [i for i in ends(events, profile, names)[:-1] if i >= 0]
    if order != sorted(order):
        found.append(f"departed GET /stream: the layers were done in another order than innermost first (trace {shown})")
    return found


def check_departure(case: DepartureCase, mwc: Context) -> None:
    if mwc.mode != "socket":
        raise NotApplicable(f"{mwc.mode} mode: the transport hands the client nothing before the app has ended, so no client can leave mid-response")
    profile, names = mwc.subject.profile, [p.name for p in case.scenario.chain]

    async def script(served: Served) -> tuple[list[str], list[Exchange], list[Exchange]]:
        status, headers, first = await leave_after_first_piece(served.target, case.leaves, DEPARTED)
        events = await settled(served.recorder, profile, names)
        served.log.append(Exchange(case.leaves, status, headers, first, events))
        return events, await predict(case.scenario, profile, case.calls), await served.send(case.calls)

    events, expected, observed = play(mwc, case.scenario, script)
    problems = departure_problems(events, profile, names)
    for exp, obs in zip(expected, observed):
        problems += [f"{obs.call} after the departure: {d}" for d in differences(exp, obs, [])]
    verdict(
        mwc,
        problems,
        expected={"departed": f"starts {' '.join(f'{n}>' for n in names)} H; then, once each, innermost first: "
                  f"{' '.join(closing(profile, n) + ('...' if profile == 'hooks' else '') for n in reversed(names))}; H/ once",
                  "next": [{"request": str(e.call), "status": e.status, "trace": e.trace} for e in expected]},
        observed={"departed": events, "next": [{"request": str(o.call), "status": o.status, "trace": o.trace} for o in observed]},
    )


@pytest.mark.parametrize("case", [c.param() for c in CASES])
def test_disconnect(case: DepartureCase, mwc: Context) -> None:
    check_departure(case, mwc)
