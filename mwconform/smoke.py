"""`mwconform smoke`: prove a subject is wired before any verdict is trusted.

Three checks, each the simplest thing a working adapter must do: a pass-through chain around an
echo route, a route parameter echoed, and a short-circuit. A subject that fails here has a broken
harness or adapter, so its suite results would be `error`s, not verdicts.
"""

from __future__ import annotations

from .adapters.base import Subject
from .harness import run, send, serving
from .reference.probes import Recorder
from .reference.scenario import Call, Probe, Respond, Route, Scenario, chain
from .suites.pipeline.check import differences, predict

ECHO = (Route("GET", "/echo/{word}"),)
CHECKS = [
    ("pass-through chain", Scenario(ECHO, chain("outer", "inner")), Call("GET", "/echo/hello")),
    ("short-circuit", Scenario(ECHO, (Probe("outer"), Probe("gate", request=Respond(401, "no")))), Call("GET", "/echo/hello")),
]


def smoke(subject: Subject, deadline: float = 10.0) -> str | None:
    """None when the subject is wired correctly, else one line saying what is broken."""
    for name, scenario, call in CHECKS:

        async def both(scenario: Scenario = scenario, call: Call = call) -> list[str]:
            expected = await predict(scenario, subject.profile, (call,))
            recorder = Recorder()
            async with serving(subject, scenario, recorder, subject.modes[0]) as target:
                observed = await send(target, recorder, (call,))
            return differences(expected[0], observed[0], [])

        try:
            problems = run(both(), deadline, f"smoke-testing {subject.name}")
        except Exception as exc:
            return f"{name}: {type(exc).__name__}: {exc}"
        if problems:
            return f"{name}: {problems[0]}"
    return None
