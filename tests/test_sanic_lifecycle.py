"""Whatever goes wrong around a Sanic app (n/a or a crash after it was made, a listener that raises at
start-up or shutdown), the app leaves Sanic's process-wide registry and its socket and connections
are closed: a later case that calls `Sanic.get_app()` still sees one app, and no descriptor leaks."""

from __future__ import annotations

import os
from collections.abc import Callable

import pytest
from sanic import Request, Sanic

from mwconform import harness
from mwconform.adapters.base import Plug
from mwconform.adapters.sanic import SanicSubject
from mwconform.outcomes import HarnessError, NotApplicable
from mwconform.reference.probes import Recorder
from mwconform.reference.scenario import Call, Route, Scenario

SCENARIO = Scenario((Route("GET", "/ok"),))


class GetsApp(SanicSubject):
    """Middleware that looks its app up the way many Sanic packages do: `Sanic.get_app()` with no
    name, which raises (a 500) as soon as a second app is registered in the process."""

    name = "test/sanic-get-app"

    def build(self, app: Sanic, scenario: Scenario, recorder: Recorder, plug: Plug) -> None:
        super().build(app, scenario, recorder, plug)

        @app.on_request
        async def lookup(request: Request) -> None:
            assert Sanic.get_app() is request.app


def _raise(exc: BaseException) -> Callable[..., None]:
    def listener(*_: object) -> None:
        raise exc

    return listener


def _listener(event: str) -> Callable[[Sanic], None]:
    def register(app: Sanic) -> None:
        app.register_listener(_raise(RuntimeError(f"{event} listener failed")), event)

    return register


def _now(exc: BaseException) -> Callable[[Sanic], None]:
    return lambda app: _raise(exc)()


#: what goes wrong once the app exists → what the case sees (a teardown failure is the listener's own
#: exception on a socket, the lifespan's report in-process)
FAULTS: dict[str, tuple[Callable[[Sanic], None], type[BaseException], str]] = {
    "n/a declared after the app was made": (_now(NotApplicable("cannot express this policy")), NotApplicable, "cannot express this policy"),
    "a crash after the app was made": (_now(RuntimeError("wiring bug")), HarnessError, "could not build or serve the scenario.*wiring bug"),
    **{
        f"a {event} listener raises": (_listener(event), HarnessError if event.endswith("start") else Exception, f"{event} listener failed")
        for event in ("before_server_start", "after_server_start", "before_server_stop", "after_server_stop")
    },
}


class Faulty(SanicSubject):
    name = "test/sanic-faulty"

    def __init__(self, fault: Callable[[Sanic], None]) -> None:
        self.fault = fault

    def build(self, app: Sanic, scenario: Scenario, recorder: Recorder, plug: Plug) -> None:
        super().build(app, scenario, recorder, plug)
        self.fault(app)


def statuses(subject: SanicSubject, mode: str) -> list[int]:
    async def go() -> list[int]:
        recorder = Recorder()
        async with harness.serving(subject, SCENARIO, recorder, mode) as target:
            return [e.status for e in await harness.send(target, recorder, [Call("GET", "/ok")] * 3, concurrent=True)]

    return harness.run(go(), 10, f"serving {subject.name}")


def open_fds() -> int:
    return len(os.listdir("/proc/self/fd"))


@pytest.mark.parametrize("mode", SanicSubject.modes)
@pytest.mark.parametrize("fault", FAULTS, ids=list(FAULTS))
def test_whatever_fails_the_app_leaves_sanics_registry_and_closes_its_descriptors(fault: str, mode: str) -> None:
    inject, raised, message = FAULTS[fault]
    # Warm-up (the shared client and imports open lasting things); a 500 here is an app another test left registered.
    assert statuses(GetsApp(), mode) == [200] * 3
    before = open_fds()
    for _ in range(3):
        with pytest.raises(raised, match=message):
            statuses(Faulty(inject), mode)
    assert open_fds() <= before
    assert statuses(GetsApp(), mode) == [200] * 3, "a later case's Sanic.get_app() found the failed case's app"
