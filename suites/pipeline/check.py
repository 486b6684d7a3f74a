"""How a pipeline case is judged: the subject against the reference under the subject's profile.

For each request the case sends, the reference predicts the status, the probe-set headers, the
body the scenario controls and the trace; the subject must match all four. A case may also pin
the trace that a framework's own documentation prints (`documented`), which keeps the reference
honest too.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Mapping
from dataclasses import dataclass, field, replace

from mwconform.reference.http import Headers, Request
from mwconform.reference.probes import BACKGROUND_WAIT, REQUEST_ID, SOCKET, Recorder, Scripted, build_pipeline
from mwconform.reference.scenario import Call, ExposeContext, Scenario, SetHeader

from mwconform.case import Case
from mwconform.harness import Exchange
from mwconform.outcomes import NotApplicable
from mwconform.plugin import Context
from mwconform.runner import Served, play, verdict

MAX_EXCHANGES = 8  # exchanges kept as evidence per case; the 100-request case would bloat reports


@dataclass(frozen=True)
class PipelineCase(Case):
    scenario: Scenario = Scenario()
    calls: tuple[Call, ...] = ()
    #: Send all calls at once instead of one after another.
    concurrent: bool = False
    #: profile → the trace of each call exactly as a framework's documentation prints it.
    documented: Mapping[str, tuple[tuple[str, ...], ...]] = field(default_factory=dict)


#: Seconds a case waits for the events a subject records after its response reached the client
#: (a background task; response phases that run once a WebSocket session ends). Past the
#: background task's own wait, so a task that gives up still shows.
SETTLE = BACKGROUND_WAIT + 1.0


async def predict(scenario: Scenario, profile: str, calls: tuple[Call, ...], websocket_middleware: bool = True) -> list[Exchange]:
    """What the reference does with `calls`, run in-process (no server), all at once.

    A WebSocket upgrade passes the chain only for a subject whose HTTP middleware runs on it
    (capability `websocket-middleware`); for the others it reaches the route untouched.
    """
    recorder = Recorder()
    app = build_pipeline(scenario, profile, recorder)
    untouched = app if websocket_middleware else build_pipeline(replace(scenario, chain=()), profile, recorder)

    async def one(index: int, call: Call) -> Exchange:
        request_id = f"r{index}"
        request = Request(call.method, call.path, Headers([*call.headers, (REQUEST_ID, request_id)]), body=call.content)
        if call.messages is not None:
            request.state[SOCKET] = Scripted(call.messages)
            response = await untouched.handle(request)
            # A refusal's body is free: a close before the accept carries none.
            return Exchange(call, response.status, response.headers, response.body if response.status == 101 else None, recorder.pop(request_id))
        response = await app.handle(request)
        if response.background is not None:  # the client has the response; then the task runs
            recorder.delivered(request_id)
            await response.background()
        return Exchange(call, response.status, response.headers, response.body, recorder.pop(request_id))

    return list(await asyncio.gather(*(one(i, c) for i, c in enumerate(calls))))


async def settle(recorder: Recorder, request_id: str, observed: Exchange, events: int) -> None:
    """Add to `observed.trace` what the subject records for it after the response, until it has
    `events` events or `SETTLE` seconds passed."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + SETTLE
    while True:
        observed.trace += recorder.pop(request_id)
        if len(observed.trace) >= events or loop.time() > deadline:
            return
        await asyncio.sleep(0.01)


def watched_headers(scenario: Scenario) -> list[str]:
    """Response headers the scenario's probes set: the ones whose values must agree."""
    names = []
    for probe in scenario.probes():
        if isinstance(probe.response, SetHeader):
            names.append(probe.response.name)
        elif isinstance(probe.response, ExposeContext):
            names.append(f"x-ctx-{probe.response.key}")
    return sorted(set(names))


def differences(expected: Exchange, observed: Exchange, watched: list[str]) -> list[str]:
    """Each way `observed` differs from `expected`, as `what: got X, expected Y`.

    An expected body of None is an error page the framework writes itself, so it is not compared.
    """
    found = []
    if observed.status != expected.status:
        found.append(f"status: got {observed.status}, expected {expected.status}")
    if observed.trace != expected.trace:
        found.append(f"trace: got {' '.join(observed.trace) or '(empty)'}, expected {' '.join(expected.trace) or '(empty)'}")
    for name in watched:
        if observed.headers.values(name) != expected.headers.values(name):
            found.append(f"{name}: got {observed.headers.values(name)}, expected {expected.headers.values(name)}")
    # RFC 9110 §10.2.1: the Allow list must name the methods; extra ones (HEAD) are allowed.
    missing = set(expected.headers.values("allow")) - set(observed.headers.values("allow"))
    if missing:
        found.append(f"allow: {sorted(missing)} missing from {observed.headers.get('allow')!r}")
    if expected.body is not None and _body(observed.body) != _body(expected.body):
        found.append(f"body: got {(observed.body or b'')[:80]!r}, expected {expected.body[:80]!r}")
    return found


def _body(raw: bytes | None) -> object:
    try:
        return json.loads(raw or b"")
    except ValueError:
        return raw


def check(case: PipelineCase, mwc: Context) -> None:
    """Run `case` on the subject and on the reference; raise Deviation where they differ."""

    background = any(r.handler.background for r in case.scenario.routes)
    if mwc.mode != "socket" and background:
        raise NotApplicable(
            "httpx's in-process transport hands a response over only once the app returns, after its background "
            "tasks: whether the client has the response before they end shows over a socket only (--mwc-mode=socket)"
        )

    async def script(served: Served) -> tuple[list[Exchange], list[Exchange]]:
        expected = await predict(case.scenario, mwc.subject.profile, case.calls, "websocket-middleware" in mwc.subject.capabilities)
        observed = await served.send(case.calls, concurrent=case.concurrent)
        for index, (exp, obs) in enumerate(zip(expected, observed)):
            if background or obs.call.messages is not None:  # events may come after the response
                await settle(served.recorder, f"r{index}", obs, len(exp.trace))
        return expected, observed

    expected, observed = play(mwc, case.scenario, script)
    watched = watched_headers(case.scenario)
    problems: list[tuple[int, str]] = []
    for index, (exp, obs) in enumerate(zip(expected, observed)):
        problems += [(index, f"{obs.call}: {d}") for d in differences(exp, obs, watched)]
    for index, trace in enumerate(case.documented.get(mwc.subject.profile, ())):
        if observed[index].trace != list(trace):
            problems.append((index, f"{observed[index].call}: trace {' '.join(observed[index].trace)} is not the documented {' '.join(trace)}"))
    shown = sorted({i for i, _ in problems} | {0})[:MAX_EXCHANGES]
    verdict(
        mwc,
        [p for _, p in problems],
        expected=[_summary(expected[i], watched) for i in shown],
        observed=[_summary(observed[i], watched) for i in shown],
        exchanges=[observed[i].to_json() for i in shown],
    )


def _summary(exchange: Exchange, watched: list[str]) -> dict[str, object]:
    return {
        "request": str(exchange.call),
        "status": exchange.status,
        "headers": {name: exchange.headers.values(name) for name in [*watched, "allow"] if exchange.headers.get(name) is not None},
        "trace": exchange.trace,
    }
