"""No case leaves a server, port, task or file descriptor behind, whatever the subject did."""

import asyncio
import os

import pytest

from mwconform import harness
from mwconform.adapters import subjects_of
from mwconform.adapters.base import Subject
from mwconform.outcomes import HarnessError
from mwconform.reference.probes import Recorder
from mwconform.reference.scenario import Call, Group, Handler, Probe, Raise, Route, Scenario, chain
from tests.subjects import Hangs

SCENARIO = Scenario(
    (Route("GET", "/ok"), Route("GET", "/boom", Handler(crash=True))),
    (Probe("A"), Probe("B", response=Raise(None))),
    (Group("api", "/api", chain("G"), (Route("GET", "/x"),)),),
)
CALLS = tuple(Call("GET", p) for p in ("/ok", "/boom", "/api/x", "/missing")) + (Call("POST", "/ok"),)


def open_fds() -> int:
    return len(os.listdir("/proc/self/fd"))


def exercise(subject: Subject, mode: str) -> None:
    async def go() -> None:
        recorder = Recorder()
        async with harness.serving(subject, SCENARIO, recorder, mode) as target:
            await harness.send(target, recorder, CALLS, concurrent=True)

    harness.run(go(), 10, f"exercising {subject.name}")


# FastAPI's subjects cannot express this scenario's route-local chain (n/a); Starlette's cover its serving.
SUBJECTS = [(s, m) for a in ("reference", "aiohttp", "sanic", "starlette", "litestar") for s in subjects_of(a) for m in s.modes]


@pytest.mark.parametrize(("subject", "mode"), SUBJECTS, ids=[f"{s.name}-{m}" for s, m in SUBJECTS])
def test_serving_a_subject_leaves_no_task_or_descriptor_behind(subject: Subject, mode: str) -> None:
    exercise(subject, mode)  # warm-up: first use opens lasting things (the shared client, imports)
    before = open_fds()
    for _ in range(3):
        exercise(subject, mode)
    assert asyncio.all_tasks(harness.loop()) == set()
    assert open_fds() <= before


def test_a_hung_subject_is_cut_off_and_its_tasks_cancelled() -> None:
    with pytest.raises(HarnessError, match="deadline of 0.5 s passed"):

        async def go() -> None:
            recorder = Recorder()
            async with harness.serving(Hangs(), SCENARIO, recorder, "socket") as target:
                await harness.send(target, recorder, CALLS)

        harness.run(go(), 0.5, "calling a hung subject")
    assert asyncio.all_tasks(harness.loop()) == set()
