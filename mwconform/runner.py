"""One case runner for every suite: serve the subject, play the case's requests, keep the evidence, blame.

A suite's check gives `play` the scenario to serve and a *script*: an async function of the
`Served` app that sends the case's requests (and may judge as it goes, raising `Deviation`). It
then judges what came back and hands its problems to `verdict`. Evidence has one shape in every
suite: mode, profile, exchanges and their count from here; expected, observed, differences and
anything case-specific from the check.

Blame is decided here and in `plugin.classify`, nowhere else (SPEC.md, "Outcomes and blame"):

- anything raised while building, serving or tearing down the subject is an `error`;
- an `AssertionError` that is not the case's own `Deviation` (an `assert` in subject, binding or
  adapter code) is an `error`;
- a connection closed unanswered (`Dropped`) is an `error`, except in the hostile-input cases,
  whose check turns it into a finding itself;
- a broken extension contract (a binding that raised, returned no mapping, ...) is an `error`;
- an infrastructure outage during the case (Redis unreachable) is an `error`;
- only a `Deviation` raised by a check is a `fail` (and only a `fail` confirms a `known` one).
"""

from __future__ import annotations

import asyncio
import contextvars
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeVar

from .adapters.base import Target
from .harness import Exchange, run, send, serving
from .outcomes import Deviation, HarnessError
from .reference.probes import Recorder
from .reference.scenario import Call, Scenario

if TYPE_CHECKING:
    from .plugin import Context

T = TypeVar("T")

MAX_EXCHANGES = 12  # exchanges kept as evidence per case (the first ten and the last two)

#: Health checks of the services the running case's subject uses (Redis): each answers None when
#: the service is fine, else why not. `register_service` adds one while the case is being served.
_services: contextvars.ContextVar[list[Callable[[], Awaitable[str | None]]] | None] = contextvars.ContextVar("mwc_services", default=None)


def register_service(check: Callable[[], Awaitable[str | None]]) -> None:
    """Have the running case checked against this service's health before its verdict stands."""
    checks = _services.get()
    if checks is not None:
        checks.append(check)


@dataclass
class Served:
    """A served app of the case's subject, and every exchange the case had with it."""

    target: Target
    mode: str
    log: list[Exchange]
    opener: Callable[[Scenario], Any]
    recorder: Recorder

    async def send(self, calls: Iterable[Call], concurrent: bool = False) -> list[Exchange]:
        """Send `calls` (one after another, or all at once); their exchanges, also kept as evidence."""
        exchanges = await send(self.target, self.recorder, calls, concurrent=concurrent)
        self.log.extend(exchanges)
        return exchanges

    async def advance(self, seconds: float) -> None:
        """Move the subject's clock where it can be moved; else really wait."""
        if self.target.advance is None:
            await asyncio.sleep(seconds)
        else:
            await self.target.advance(seconds)

    @property
    def instant(self) -> bool:
        """The subject's clock moves without waiting."""
        return self.target.advance is not None

    def another(self, scenario: Scenario) -> Any:
        """A second app of the same subject (its own secret and store), served alongside this one."""
        return self.opener(scenario)


@asynccontextmanager
async def serve(mwc: Context, scenario: Scenario, log: list[Exchange]) -> AsyncIterator[Served]:
    """The subject serving `scenario`, with blame for what its serving raises (see the module doc)."""
    checks: list[Callable[[], Awaitable[str | None]]] = []
    token = _services.set(checks)
    recorder = Recorder()
    try:
        async with serving(mwc.subject, scenario, recorder, mwc.mode) as target:
            served = Served(target, mwc.mode, log, lambda other: serve(mwc, other, log), recorder)
            try:
                yield served
            finally:
                for check in checks:
                    outage = await check()
                    if outage:
                        raise HarnessError(f"infrastructure outage during the case: {outage}")
                if target.problems:
                    raise HarnessError(target.problems[0])
    finally:
        _services.reset(token)


def play(mwc: Context, scenario: Scenario, script: Callable[[Served], Awaitable[T]], deadline: float | None = None, what: str = "") -> T:
    """Serve `scenario` on the case's subject, run `script` against it, tear it down; blame as the module says.

    The exchanges are recorded as evidence whatever happens, so an `error` shows them too.
    """
    log: list[Exchange] = []

    async def main() -> T:
        async with serve(mwc, scenario, log) as served:
            return await script(served)

    try:
        return run(main(), deadline or mwc.deadline, what or f"running {mwc.case.id} on {mwc.subject.name}")
    except Deviation:
        raise
    except AssertionError as exc:
        raise HarnessError(f"AssertionError in subject or adapter code: {_first_line(exc)}") from exc
    finally:
        shown = log if len(log) <= MAX_EXCHANGES else log[: MAX_EXCHANGES - 2] + log[-2:]
        mwc.evidence(mode=mwc.mode, profile=mwc.subject.profile, exchanges=[e.to_json() for e in shown], exchanges_sent=len(log))


def verdict(mwc: Context, problems: list[str], violated: tuple[str, ...] = (), **evidence: Any) -> None:
    """Record the check's evidence; raise `Deviation` with the first problem (and how many more).

    `violated` names the requirements broken when they are not the case's own (SPEC.md "Levels").
    """
    mwc.evidence(differences=problems, **evidence)
    if problems:
        more = f" (+{len(problems) - 1} more)" if len(problems) > 1 else ""
        raise Deviation(problems[0] + more, violated=violated)


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else ""
